#pragma once

#include <string>

#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::edit_cmd {

struct Options {
  std::string path;     // REMOTE_FILE
  bool force = false;   // --force
  bool remote = false;  // --remote: edit on the server, in a remote terminal
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::edit_cmd
