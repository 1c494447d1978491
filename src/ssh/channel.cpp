#include "ec2dl/ssh/channel.hpp"

#include <libssh/callbacks.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <csignal>
#include <cstring>

namespace ec2dl::ssh {

using core::ErrorKind;
using core::fail;

int ExitStatus::shell_status() const {
  if (code) {
    return *code;
  }
  if (!signal.empty()) {
    const int n = signal_number(signal);
    return n > 0 ? 128 + n : 255;
  }
  return 255;
}

int signal_number(std::string_view name) {
  static constexpr std::pair<std::string_view, int> k_signals[] = {
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
      {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
      {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
      {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"SYS", SIGSYS},
  };
  if (name.starts_with("SIG")) {
    name.remove_prefix(3);
  }
  for (const auto& [n, v] : k_signals) {
    if (n == name) {
      return v;
    }
  }
  return 0;
}

struct Channel::State {
  Session* session = nullptr;
  ChannelHandle channel;
  ssh_channel_callbacks_struct callbacks{};
  DataFn on_data;
  ExitStatus exit;
  bool closed = false;

  ~State() {
    if (channel) {
      ssh_remove_channel_callbacks(channel.get(), &callbacks);
      if (!closed && session != nullptr && session->connected()) {
        ssh_channel_close(channel.get());
      }
    }
  }
};

namespace {

int on_channel_data(ssh_session /*session*/, ssh_channel /*channel*/, void* data, uint32_t len,
                    int is_stderr, void* userdata) {
  auto* state = static_cast<Channel::State*>(userdata);
  if (state->on_data) {
    state->on_data(std::string_view(static_cast<const char*>(data), len), is_stderr != 0);
  }
  return static_cast<int>(len);
}

void on_channel_close(ssh_session /*session*/, ssh_channel /*channel*/, void* userdata) {
  auto* state = static_cast<Channel::State*>(userdata);
  state->closed = true;
}

void on_exit_status(ssh_session /*session*/, ssh_channel /*channel*/, int status, void* userdata) {
  static_cast<Channel::State*>(userdata)->exit.code = status;
}

void on_exit_signal(ssh_session /*session*/, ssh_channel /*channel*/, const char* signal, int core,
                    const char* /*errmsg*/, const char* /*lang*/, void* userdata) {
  auto* state = static_cast<Channel::State*>(userdata);
  state->exit.signal = signal != nullptr ? signal : "";
  state->exit.core_dumped = core != 0;
}

}  // namespace

Channel::Channel(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Channel::Channel(Channel&&) noexcept = default;
Channel& Channel::operator=(Channel&&) noexcept = default;
Channel::~Channel() = default;

core::Result<Channel> Channel::open(Session& session, DataFn on_data) {
  auto state = std::make_unique<State>();
  state->session = &session;
  state->on_data = std::move(on_data);
  state->channel.reset(ssh_channel_new(session.raw()));
  if (!state->channel) {
    return fail(session.error(ErrorKind::connect, "open a channel"));
  }
  auto& cb = state->callbacks;
  cb.userdata = state.get();
  cb.channel_data_function = on_channel_data;
  cb.channel_close_function = on_channel_close;
  cb.channel_exit_status_function = on_exit_status;
  cb.channel_exit_signal_function = on_exit_signal;
  ssh_callbacks_init(&cb);
  if (ssh_set_channel_callbacks(state->channel.get(), &cb) != SSH_OK) {
    return fail(ErrorKind::internal, "cannot set channel callbacks");
  }
  if (ssh_channel_open_session(state->channel.get()) != SSH_OK) {
    state->closed = true;
    return fail(session.error(ErrorKind::remote, "open a session channel"));
  }
  return Channel(std::move(state));
}

core::Result<Channel> Channel::exec(Session& session, const std::string& command, DataFn on_data,
                                    const PtyOptions* pty) {
  auto channel = open(session, std::move(on_data));
  if (!channel) {
    return channel;
  }
  ssh_channel ch = channel->m_state->channel.get();
  if (pty != nullptr &&
      ssh_channel_request_pty_size(ch, pty->term.c_str(), pty->cols, pty->rows) != SSH_OK) {
    return fail(session.error(ErrorKind::remote, "request a terminal"));
  }
  spdlog::debug("exec: {}", command.size() > 300 ? command.substr(0, 300) + "..." : command);
  if (ssh_channel_request_exec(ch, command.c_str()) != SSH_OK) {
    return fail(session.error(ErrorKind::remote, "run a command"));
  }
  return channel;
}

core::Result<Channel> Channel::shell(Session& session, DataFn on_data, const PtyOptions& pty) {
  auto channel = open(session, std::move(on_data));
  if (!channel) {
    return channel;
  }
  ssh_channel ch = channel->m_state->channel.get();
  if (ssh_channel_request_pty_size(ch, pty.term.c_str(), pty.cols, pty.rows) != SSH_OK) {
    return fail(session.error(ErrorKind::remote, "request a terminal"));
  }
  if (ssh_channel_request_shell(ch) != SSH_OK) {
    return fail(session.error(ErrorKind::remote, "start a shell"));
  }
  return channel;
}

core::Result<void> Channel::write(std::string_view data) {
  auto& st = *m_state;
  while (!data.empty()) {
    if (st.closed) {
      return fail(ErrorKind::remote, "the remote command closed its input");
    }
    const auto chunk = static_cast<uint32_t>(std::min<std::size_t>(data.size(), 1u << 20));
    const int n = ssh_channel_write(st.channel.get(), data.data(), chunk);
    if (n == SSH_ERROR) {
      return fail(st.session->error(ErrorKind::connect, "send data"));
    }
    if (n == 0) {
      // The server's window stayed shut for the whole operation timeout.
      EC2DL_TRY(st.session->poll(100));
      continue;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return core::ok();
}

core::Result<void> Channel::send_eof() {
  if (m_state->closed) {
    return core::ok();
  }
  if (ssh_channel_send_eof(m_state->channel.get()) != SSH_OK) {
    return fail(m_state->session->error(ErrorKind::connect, "close the remote input"));
  }
  return core::ok();
}

core::Result<bool> Channel::pump(int timeout_ms) {
  if (m_state->closed) {
    return false;
  }
  EC2DL_TRY(m_state->session->poll(timeout_ms));
  return !m_state->closed;
}

core::Result<bool> Channel::pump_with_fd(int fd, int timeout_ms, bool* fd_ready) {
  *fd_ready = false;
  if (m_state->closed) {
    return false;
  }
  EC2DL_TRY_ASSIGN(*fd_ready, m_state->session->poll_with_fd(fd, timeout_ms));
  return !m_state->closed;
}

core::Result<ExitStatus> Channel::wait() {
  while (!m_state->closed) {
    EC2DL_TRY(m_state->session->poll(200));
  }
  const auto& exit = m_state->exit;
  if (!exit.code && exit.signal.empty() && !m_state->session->connected()) {
    // The channel ended because the connection did, not because the command finished.
    return fail(ErrorKind::connect, fmt::format("connection to {} lost before the command finished",
                                                m_state->session->target().display()));
  }
  return exit;
}

bool Channel::closed() const {
  return m_state->closed;
}
const ExitStatus& Channel::exit_status() const {
  return m_state->exit;
}

void Channel::send_signal(const char* name) {
  if (!m_state->closed) {
    ssh_channel_request_send_signal(m_state->channel.get(), name);
  }
}

void Channel::change_pty_size(int cols, int rows) {
  if (!m_state->closed) {
    ssh_channel_change_pty_size(m_state->channel.get(), cols, rows);
  }
}

core::Result<Captured> capture(Session& session, const std::string& command, std::string_view input,
                               std::size_t max_bytes) {
  Captured result;
  bool overflow = false;
  EC2DL_TRY_ASSIGN(auto channel,
                   Channel::exec(session, command, [&](std::string_view data, bool is_stderr) {
                     auto& sink = is_stderr ? result.err : result.out;
                     if (sink.size() + data.size() > max_bytes) {
                       overflow = true;
                       return;
                     }
                     sink.append(data);
                   }));
  if (!input.empty()) {
    EC2DL_TRY(channel.write(input));
  }
  EC2DL_TRY(channel.send_eof());
  EC2DL_TRY_ASSIGN(result.status, channel.wait());
  if (overflow) {
    return fail(ErrorKind::remote,
                fmt::format("the server sent more than {} MiB of output", max_bytes >> 20));
  }
  return result;
}

}  // namespace ec2dl::ssh
