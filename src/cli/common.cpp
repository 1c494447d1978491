#include "ec2dl/cli/common.hpp"

#include <fmt/format.h>

#include "ec2dl/remote/quote.hpp"
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

}  // namespace

core::Result<ssh::Session> connect(core::Context& ctx) {
  auto target = ctx.target();
  if (!target) {
    return std::unexpected(target.error());
  }
  print_config_notes(ctx, *target);
  if (target->proxy_command.empty()) {
    return ssh::Session::connect(*target);
  }
  // libssh gives the proxy no stderr: keep the jump's own words ("Could not resolve
  // hostname ...") in a private file and add them to a failure.
  auto log = util::TempFile::create(".proxy-stderr");
  if (!log) {
    return ssh::Session::connect(*target);
  }
  core::Target proxied = *target;
  proxied.proxy_command =
      "exec 2>" + remote::shell_quote(log->path().string()) + "; " + target->proxy_command;
  auto session = ssh::Session::connect(proxied);
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

core::Result<ssh::Reconnector> make_reconnector(core::Context& ctx) {
  auto target = ctx.target();
  if (!target) {
    return std::unexpected(target.error());
  }
  print_config_notes(ctx, *target);
  const bool quiet = ctx.options().quiet;
  return ssh::Reconnector(*target, ssh::RetryPolicy{}, [quiet](const std::string& line) {
    if (!quiet) {
      fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(line));
    }
  });
}

int report(const core::Error& error) {
  // Messages may quote what the server or the user sent: keep them on one line and inert.
  fmt::print(stderr, "ec2dl: error: {}\n", util::sanitize_for_terminal(error.message()));
  if (!error.hint().empty()) {
    fmt::print(stderr, "ec2dl: hint: {}\n", util::sanitize_for_terminal(error.hint()));
  }
  return error.exit_code();
}

void warn(const std::string& message) {
  fmt::print(stderr, "ec2dl: warning: {}\n", util::sanitize_for_terminal(message));
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
