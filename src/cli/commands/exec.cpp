#include "ec2dl/cli/commands/exec.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/ssh/interactive.hpp"
#include "ec2dl/ssh/stream.hpp"

namespace ec2dl::cli::exec_cmd {

void setup(CLI::App& app, Options& options) {
  app.add_flag("-t,--tty", options.tty, "Give the command a terminal (for programs like top)");
  app.add_option("-c", options.shell_string,
                 "Run SHELL_STRING through the server's /bin/sh as typed (pipes, globs)")
      ->type_name("SHELL_STRING")
      ->each([&options](const std::string&) { options.has_shell_string = true; });
  app.add_option("command", options.command, "CMD [ARG...]: each word reaches CMD unchanged")
      ->type_name("CMD [ARG...]");
  app.prefix_command();
  app.footer(
      "Examples:\n"
      "  ec2dl exec -- ls -la \"my dir\"\n"
      "  ec2dl exec -c 'ps -ef | grep python'\n"
      "  tar c . | ec2dl exec -- tar x -C dst\n"
      "The exit status is the remote command's (128+N if it died of signal N).");
}

std::string build_script(const Options& options) {
  if (options.has_shell_string) {
    return options.shell_string;
  }
  return remote::shell_join(options.command);
}

core::Result<int> run(const Options& given, core::Context& ctx) {
  Options options = given;
  if (!options.command.empty() && options.command.front() == "--") {
    options.command.erase(options.command.begin());
  }
  if (options.has_shell_string && !options.command.empty()) {
    return core::fail(core::ErrorKind::usage,
                      "exec: give either -c 'SHELL STRING' or -- CMD [ARG...], not both");
  }
  if (!options.has_shell_string && options.command.empty()) {
    return core::fail(core::ErrorKind::usage,
                      "exec: nothing to run: give -- CMD [ARG...] or -c 'SHELL STRING'");
  }
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  const auto command = remote::sh_command(build_script(options));
  ssh::ExitStatus status;
  if (options.tty && ctx.stdin_tty() && ctx.stdout_tty()) {
    EC2DL_TRY_ASSIGN(status, ssh::run_interactive(session, command));
  } else {
    ssh::StreamOptions stream;
    stream.stdin_fd = ctx.stdin_tty() ? -1 : STDIN_FILENO;
    stream.pty = options.tty;
    EC2DL_TRY_ASSIGN(status, ssh::run_streaming(session, command, stream));
  }
  if (!status.code && status.signal.empty()) {
    warn("the remote command ended without reporting an exit status");
  }
  return status.shell_status();
}

}  // namespace ec2dl::cli::exec_cmd
