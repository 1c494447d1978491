#pragma once

#include "ec2dl/core/error.hpp"

#include <string>

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::config_cmd {

struct Options {
  std::string host;  // positional HOST (or the global -H)
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::config_cmd
