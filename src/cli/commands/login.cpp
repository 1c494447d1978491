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

core::Result<int> run(const Options& /*options*/, core::Context& ctx) {
  if (!ctx.stdin_tty() || !ctx.stdout_tty()) {
    return core::fail(core::ErrorKind::usage,
                      "login needs a terminal: stdin and stdout must be a tty",
                      "to run commands from a script, use: ec2dl exec -- CMD");
  }
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  EC2DL_TRY_ASSIGN(const auto status, ssh::run_interactive(session, ""));
  return status.shell_status();
}

}  // namespace ec2dl::cli::login_cmd
