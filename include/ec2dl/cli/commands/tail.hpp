#pragma once

#include <string>

#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::tail_cmd {

struct Options {
  std::string target;  // JOB (id or name) or a remote PATH; "" = the newest job
  int lines = 10;
  bool follow = false;
  bool raw = false;
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::tail_cmd
