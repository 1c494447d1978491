#pragma once

#include "ec2dl/core/error.hpp"

#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::exec_cmd {

struct Options {
  bool tty = false;                  // -t: ask for a terminal
  std::string shell_string;          // -c 'STRING': run as typed by /bin/sh
  std::vector<std::string> command;  // CMD ARG...: each word quoted
  bool has_shell_string = false;
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

// The remote sh script for the options: the -c string as is, or the words shell-quoted.
std::string build_script(const Options& options);

}  // namespace ec2dl::cli::exec_cmd
