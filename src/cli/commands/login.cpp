#include "ec2dl/cli/commands/login.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/ssh/interactive.hpp"

namespace ec2dl::cli::login_cmd {

void setup(CLI::App& app, Options& /*options*/) {
  app.footer(
      "Examples:\n"
      "  ec2dl -H gpu1 login\n"
      "  ec2dl login -i ~/.ssh/aws-keypair.pem -H ec2-user@54.218.86.47\n"
      "Exits with the remote shell's status.");
}

int run(const Options& /*options*/, core::Context& ctx) {
  if (!ctx.stdin_tty() || !ctx.stdout_tty()) {
    return report(core::Error(core::ErrorKind::usage,
                              "login needs a terminal: stdin and stdout must be a tty",
                              "to run commands from a script, use: ec2dl exec -- CMD"));
  }
  auto session = connect(ctx);
  if (!session) {
    return report(session.error());
  }
  auto status = ssh::run_interactive(*session, "");
  if (!status) {
    return report(status.error());
  }
  return status->shell_status();
}

}  // namespace ec2dl::cli::login_cmd
