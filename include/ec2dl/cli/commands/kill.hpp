#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::kill_cmd {

struct Options {
  std::vector<std::string> jobs;  // ids or names
  std::string signal;             // "" = TERM, then KILL after the grace period
  int grace_s = 10;
  bool grace_given = false;
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::kill_cmd
