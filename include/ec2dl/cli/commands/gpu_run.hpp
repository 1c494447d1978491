#pragma once

#include <string>

#include "ec2dl/cli/launch.hpp"
#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::gpu_run_cmd {

// `gpu-run GPU SCRIPT [ARG...]` is `run --gpu GPU SCRIPT [ARG...]`.
struct Options {
  std::string gpu;
  LaunchOptions run;
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::gpu_run_cmd
