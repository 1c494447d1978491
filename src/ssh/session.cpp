#include "ec2dl/ssh/session.hpp"

#include <libssh/callbacks.h>
#include <libssh/server.h>  // ssh_send_keepalive is declared here but works for clients
#include <poll.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/ssh/auth.hpp"
#include "ec2dl/ssh/known_hosts.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::ssh {

using core::Error;
using core::ErrorKind;
using core::fail;

namespace {

void libssh_log(int priority, const char* function, const char* buffer, void* /*userdata*/) {
  spdlog::trace("libssh[{}] {}: {}", priority, function != nullptr ? function : "",
                buffer != nullptr ? buffer : "");
}

int drain_fd(socket_t fd, int /*revents*/, void* /*userdata*/) {
  char buf[64];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
  return 0;
}

int mark_readable(socket_t /*fd*/, int /*revents*/, void* userdata) {
  *static_cast<bool*>(userdata) = true;
  return 0;
}

}  // namespace

void configure_libssh_logging(int verbosity) {
  if (verbosity >= 2) {
    ssh_set_log_callback(libssh_log);
    ssh_set_log_level(SSH_LOG_PROTOCOL);
  } else {
    ssh_set_log_level(SSH_LOG_NOLOG);
  }
}

struct Session::State {
  core::Target target;
  SessionHandle session;
  EventHandle event;
  ssh_counter_struct socket_counter{};
  ssh_counter_struct raw_counter{};
  std::int64_t last_tick_ms = 0;
  std::uint64_t last_in_packets = 0;
  int missed = 0;
  std::uint64_t seen_in_packets = 0;  // for silence(): packets counted when last looked
  std::int64_t last_in_ms = 0;        // when a packet last arrived (as far as we know)
  long op_timeout_s = 0;              // libssh's timeout for blocking calls

  // Milliseconds since the server last sent anything.
  std::int64_t silence() {
    const auto now = util::monotonic_ms();
    if (raw_counter.in_packets != seen_in_packets) {
      seen_in_packets = raw_counter.in_packets;
      last_in_ms = now;
    }
    return now - last_in_ms;
  }
  bool interrupt_fd_added = false;

  ~State() {
    if (event && session) {
      ssh_event_remove_session(event.get(), session.get());
    }
    if (event && interrupt_fd_added) {
      ssh_event_remove_fd(event.get(), core::interrupt_fd());
    }
    event.reset();
    if (session) {
      ssh_disconnect(session.get());
    }
  }
};

Session::Session(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

ssh_session Session::raw() const {
  return m_state->session.get();
}
const core::Target& Session::target() const {
  return m_state->target;
}

bool Session::connected() const {
  if (!m_state || !m_state->session || ssh_is_connected(m_state->session.get()) == 0) {
    return false;
  }
  // libssh can still call a session connected after its socket failed or was closed.
  return (ssh_get_status(m_state->session.get()) & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0;
}

core::Result<Session> Session::connect(const core::Target& target, Prompter& prompter) {
  auto state = std::make_unique<State>();
  state->target = target;
  state->session.reset(ssh_new());
  if (!state->session) {
    return fail(ErrorKind::internal, "cannot allocate an ssh session");
  }
  ssh_session s = state->session.get();

  // ec2dl resolves ~/.ssh/config itself; libssh must not apply it again over our values.
  const int no = 0;
  const int yes = 1;
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
  if (ssh_options_set(s, SSH_OPTIONS_HOST, target.hostname.c_str()) < 0) {
    // libssh accepts only DNS-shaped names. Through a proxy the name is never resolved here
    // (the proxy command already holds it, e.g. `login+node7` taken apart by the command),
    // and host keys are looked up under target.hostname by ec2dl itself: libssh gets a
    // stand-in name.
    if (target.proxy_command.empty() ||
        ssh_options_set(s, SSH_OPTIONS_HOST, "proxied.invalid") < 0) {
      return fail(ErrorKind::usage, fmt::format("invalid host name '{}'", target.hostname));
    }
  }
  if (ssh_options_set(s, SSH_OPTIONS_USER, target.user.c_str()) < 0) {
    return fail(
        ErrorKind::usage,
        fmt::format("invalid user name '{}': shell metacharacters are not allowed", target.user));
  }
  const unsigned int port = static_cast<unsigned int>(target.port);
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  ssh_options_set(s, SSH_OPTIONS_SSH_DIR, target.ssh_dir.c_str());
  if (!target.known_hosts_files.empty()) {
    // Only used by libssh to prefer host key types we already know.
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, target.known_hosts_files.front().c_str());
  }
  if (!target.global_known_hosts_files.empty()) {
    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
                    target.global_known_hosts_files.front().c_str());
  }
  // Offer the key types known_hosts records for this host first, as OpenSSH does: a server
  // that has such a key presents it, and any other key is refused as changed.
  {
    std::vector<std::string> files = target.known_hosts_files;
    files.insert(files.end(), target.global_known_hosts_files.begin(),
                 target.global_known_hosts_files.end());
    const auto algorithms = host_key_algorithms(files, target.known_hosts_name());
    if (!algorithms.empty()) {
      spdlog::debug("host key algorithms: {}", algorithms);
      if (ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, algorithms.c_str()) < 0) {
        return fail(ErrorKind::internal,
                    fmt::format("cannot set the host key algorithms: {}", ssh_get_error(s)));
      }
    }
  }
  if (!target.proxy_command.empty()) {
    ssh_options_set(s, SSH_OPTIONS_PROXYCOMMAND, target.proxy_command.c_str());
  }
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes);
  ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &yes);
  const long timeout = target.connect_timeout_s;
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);

  spdlog::debug(
      "connecting to {}{} (connect timeout {} s, keepalive every {} s, {} missed "
      "declare it dead)",
      target.display(), target.proxy_command.empty() ? "" : " via " + target.proxy_command,
      target.connect_timeout_s, target.keepalive_interval_s, target.keepalive_count_max);
  if (ssh_connect(s) != SSH_OK) {
    return fail(ErrorKind::connect,
                fmt::format("connect to {}:{}: {}", target.hostname, target.port, ssh_get_error(s)),
                "check the address and port, that sshd runs there, and any firewall or "
                "security group");
  }
  EC2DL_TRY(verify_host_key(s, target, prompter));
  EC2DL_TRY(authenticate(s, target, prompter));

  // From here on, a blocking libssh call gives up when keepalives would have declared the
  // connection dead, so nothing can hang forever on a silent link.
  const long op_timeout =
      target.keepalive_interval_s > 0
          ? static_cast<long>(target.keepalive_interval_s) * (target.keepalive_count_max + 1)
          : 0;
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &op_timeout);
  state->op_timeout_s = op_timeout;

  ssh_set_counters(s, &state->socket_counter, &state->raw_counter);
  state->event.reset(ssh_event_new());
  if (!state->event || ssh_event_add_session(state->event.get(), s) != SSH_OK) {
    return fail(ErrorKind::internal, "cannot set up the ssh event loop");
  }
  if (core::interrupt_fd() >= 0 && ssh_event_add_fd(state->event.get(), core::interrupt_fd(),
                                                    POLLIN, drain_fd, nullptr) == SSH_OK) {
    state->interrupt_fd_added = true;
  }
  state->last_tick_ms = util::monotonic_ms();
  state->last_in_packets = state->raw_counter.in_packets;
  state->seen_in_packets = state->raw_counter.in_packets;
  state->last_in_ms = state->last_tick_ms;
  spdlog::debug("authenticated to {}", target.display());
  return Session(std::move(state));
}

Error Session::error(ErrorKind kind, std::string_view what) const {
  if (!connected()) {
    return Error(ErrorKind::connect,
                 fmt::format("{}: connection to {} lost", what, m_state->target.display()));
  }
  // A blocking call that gave up without an answer (libssh sets no message then), or after
  // the server was silent for the whole operation timeout, failed because of the link,
  // whatever libssh's last message says.
  const std::string_view message = ssh_get_error(m_state->session.get());
  if (message.empty() ||
      (m_state->op_timeout_s > 0 && m_state->silence() >= m_state->op_timeout_s * 1000)) {
    return Error(ErrorKind::timeout,
                 fmt::format("{}: no answer from {} for {} s", what, m_state->target.display(),
                             m_state->silence() / 1000));
  }
  return Error(kind, fmt::format("{}: {}", what, message));
}

core::Result<void> Session::keepalive_tick() {
  auto& st = *m_state;
  if (st.target.keepalive_interval_s <= 0) {
    return core::ok();
  }
  const auto now = util::monotonic_ms();
  if (now - st.last_tick_ms < static_cast<std::int64_t>(st.target.keepalive_interval_s) * 1000) {
    return core::ok();
  }
  st.last_tick_ms = now;
  if (st.raw_counter.in_packets != st.last_in_packets) {
    st.last_in_packets = st.raw_counter.in_packets;
    st.missed = 0;
  } else if (++st.missed >= st.target.keepalive_count_max) {
    return fail(
        ErrorKind::timeout,
        fmt::format("connection to {} lost: no answer to {} keepalives in {} s",
                    st.target.display(), st.missed, st.missed * st.target.keepalive_interval_s),
        "the network or the server stopped answering; check the link and try again");
  }
  ssh_session s = st.session.get();
  const auto before = st.raw_counter.out_packets;
  ssh_set_blocking(s, 0);
  ssh_send_keepalive(s);
  if (st.raw_counter.out_packets == before) {
    ssh_send_keepalive(s);  // the first call may only have collected an earlier reply
  }
  ssh_set_blocking(s, 1);
  spdlog::trace("keepalive sent (missed {})", st.missed);
  return core::ok();
}

core::Result<void> Session::poll(int timeout_ms) {
  if (core::interrupted()) {
    return fail(ErrorKind::interrupted, "interrupted");
  }
  const int rc = ssh_event_dopoll(m_state->event.get(), timeout_ms);
  if (core::interrupted()) {
    return fail(ErrorKind::interrupted, "interrupted");
  }
  m_state->silence();  // notes incoming traffic
  if (rc == SSH_ERROR || !connected()) {
    return fail(ErrorKind::connect,
                fmt::format("connection to {} lost: {}", m_state->target.display(),
                            ssh_get_error(m_state->session.get())));
  }
  return keepalive_tick();
}

core::Result<bool> Session::poll_with_fd(int fd, int timeout_ms) {
  bool readable = false;
  if (ssh_event_add_fd(m_state->event.get(), fd, POLLIN, mark_readable, &readable) != SSH_OK) {
    return fail(ErrorKind::internal, "cannot watch a local file descriptor");
  }
  auto result = poll(timeout_ms);
  ssh_event_remove_fd(m_state->event.get(), fd);
  EC2DL_TRY(result);
  return readable;
}

}  // namespace ec2dl::ssh
