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

namespace ec2dl::cli::wait_cmd {

struct Options {
  std::vector<std::string> jobs;  // ids or names; none = the newest job
  double timeout_s = 0;           // 0: no limit
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::wait_cmd
