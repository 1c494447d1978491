#include "ec2dl/cli/common.hpp"

#include <fmt/format.h>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/ssh/prompt.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

namespace {

// Under -v: the ssh config lines ec2dl skipped, and how Host and Match lines were evaluated.
void print_config_notes(const core::Context& ctx, const core::Target& target) {
  if (ctx.options().verbosity <= 0) {
    return;
  }
  for (const auto& line : target.config_trail) {
    fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(line));
  }
  for (const auto& note : target.notes) {
    warn(note);
  }
}

// Asks and tells on the terminal, in OpenSSH's words where it has them.
class TerminalPrompter final : public ssh::Prompter {
 public:
  bool can_ask() override { return ssh::terminal_available(); }

  std::optional<std::string> passphrase(const std::string& file) override {
    return ssh::prompt_terminal(fmt::format("Enter passphrase for key '{}': ", file), true);
  }

  void wrong_passphrase() override { fmt::print(stderr, "Bad passphrase, try again.\n"); }

  void key_ignored(const std::string& problem) override {
    fmt::print(stderr, "ec2dl: warning: {}; key ignored\n", problem);
  }

  bool accept_host_key(const std::string& name, const std::string& type,
                       const std::string& fingerprint) override {
    const auto answer = ssh::prompt_terminal(
        fmt::format("The authenticity of host '{}' can't be established.\n{} key fingerprint "
                    "is {}.\nAre you sure you want to continue connecting (yes/no)? ",
                    name, type, fingerprint),
        false);
    return answer && util::to_lower(util::trim(*answer)) == "yes";
  }

  void host_key_recorded(const std::string& name, const std::string& type,
                         const std::string& file) override {
    // OpenSSH prints the same notice when it learns a key.
    fmt::print(stderr, "ec2dl: permanently added '{}' ({}) to the list of known hosts ({})\n", name,
               type, file);
  }
};

// A monitoring link retries after 2, 4, 8, then every 10 seconds.
constexpr ssh::RetryPolicy k_monitor_retry{.first_delay_ms = 2000, .max_delay_ms = 10000};

}  // namespace

ssh::Prompter& prompter() {
  static TerminalPrompter terminal;
  return terminal;
}

namespace {

// Opens an authenticated session to a resolved target. libssh gives a ProxyCommand no
// stderr: its own words ("Could not resolve hostname ...") are kept in a private file and
// added to a failure.
core::Result<ssh::Session> open_session(const core::Target& target) {
  if (target.proxy_command.empty()) {
    return ssh::Session::connect(target, prompter());
  }
  auto log = util::TempFile::create(".proxy-stderr");
  if (!log) {
    return ssh::Session::connect(target, prompter());
  }
  core::Target proxied = target;
  proxied.proxy_command =
      "exec 2>" + remote::shell_quote(log->path().string()) + "; " + target.proxy_command;
  auto session = ssh::Session::connect(proxied, prompter());
  if (session) {
    return session;
  }
  auto said = util::read_file(log->path(), 1u << 16).value_or("");
  std::vector<std::string> lines;
  for (const auto& line : util::split(said, '\n')) {
    if (!util::trim(line).empty()) {
      lines.push_back(std::string(util::trim(line)));
    }
  }
  if (lines.empty()) {
    return session;
  }
  if (lines.size() > 3) {
    lines.erase(lines.begin(), lines.end() - 3);
  }
  const auto& e = session.error();
  return std::unexpected(
      core::Error(e.kind(),
                  fmt::format("{}; the proxy said: {}", e.message(),
                              util::sanitize_for_terminal(util::join(lines, " / "))),
                  e.hint()));
}

}  // namespace

core::Result<ssh::Session> connect(core::Context& ctx) {
  EC2DL_TRY_ASSIGN(const auto target, ctx.target());
  print_config_notes(ctx, target);
  return open_session(target);
}

core::Result<ssh::Reconnector> keep_reconnected(core::Context& ctx, ssh::Session session) {
  EC2DL_TRY_ASSIGN(auto target, ctx.target());
  const bool quiet = ctx.options().quiet;
  auto reopen = [target] { return open_session(target); };
  ssh::Reconnector link(ssh::Reconnector::Mode::blocking, std::move(target), reopen,
                        ssh::RetryPolicy{}, [quiet](const std::string& line) {
                          if (!quiet) {
                            fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(line));
                          }
                        });
  link.adopt(std::move(session));
  return link;
}

core::Result<ssh::Reconnector> connect_resumable(core::Context& ctx) {
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  return keep_reconnected(ctx, std::move(session));
}

ssh::Reconnector make_monitor_link(core::Context& ctx) {
  // The target is resolved, and its notes printed, by the first connection; reconnects only
  // open a session again.
  return ssh::Reconnector(
      ssh::Reconnector::Mode::fail_fast, core::Target{},
      [&ctx, first = true]() mutable -> core::Result<ssh::Session> {
        if (first) {
          first = false;
          return connect(ctx);
        }
        EC2DL_TRY_ASSIGN(const auto target, ctx.target());
        return open_session(target);
      },
      k_monitor_retry);
}

int report(const core::Error& error) {
  // Messages may quote what the server or the user sent: keep them on one line and inert.
  fmt::print(stderr, "ec2dl: error: {}\n", util::sanitize_for_terminal(error.message()));
  if (!error.hint().empty()) {
    fmt::print(stderr, "ec2dl: hint: {}\n", util::sanitize_for_terminal(error.hint()));
  }
  return error.exit_code();
}

int report_all(const std::vector<core::Error>& errors) {
  int status = core::k_exit_ok;
  for (const auto& e : errors) {
    status = report(e);
  }
  return status;
}

void warn(const std::string& message) {
  fmt::print(stderr, "ec2dl: warning: {}\n", util::sanitize_for_terminal(message));
}

std::string ec2dl_command(const core::Context& ctx, const std::vector<std::string>& words) {
  const auto& g = ctx.options();
  std::vector<std::string> line{"ec2dl"};
  auto add = [&](const char* flag, const std::string& value) {
    if (!value.empty()) {
      line.insert(line.end(), {flag, value});
    }
  };
  add("-H", g.host);
  add("-F", g.ssh_config);
  add("-l", g.user);
  add("-p", g.port > 0 ? std::to_string(g.port) : "");
  add("-i", g.identity);
  add("--known-hosts", g.known_hosts);
  add("--remote-dir", g.remote_dir);
  line.insert(line.end(), words.begin(), words.end());
  return remote::shell_join(line);
}

std::string_view exit_status_table() {
  return "Exit status:\n"
         "  0     success\n"
         "  1     failed (bad job id, transfer error, remote script error, ...)\n"
         "  2     usage error (bad option or argument)\n"
         "  124   wait --timeout: the time ran out first (the jobs go on)\n"
         "  130   interrupted (Ctrl-C, SIGTERM, SIGHUP)\n"
         "  255   ssh-level failure: connect, authentication, host key, dead connection\n"
         "  N     exec, run --wait/-f, wait, tail -f JOB: the remote command's or job's own\n"
         "        status (128+N when it died of signal N)\n";
}

}  // namespace ec2dl::cli
