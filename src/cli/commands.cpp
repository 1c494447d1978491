// The dispatcher table: every subcommand with its one-line help, in --help order.
#include <CLI/CLI.hpp>

#include "ec2dl/cli/app.hpp"
#include "ec2dl/cli/exec.hpp"
#include "ec2dl/cli/login.hpp"

namespace ec2dl::cli {

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = {
      make_command("login", "Open an interactive shell on the server (ssh -i KEY USER@HOST)",
                   login_cmd::setup, login_cmd::run),
      make_command("exec", "Run a command on the server; exits with its status", exec_cmd::setup,
                   exec_cmd::run),
  };
  return table;
}

}  // namespace ec2dl::cli
