#pragma once

#include "ec2dl/cli/launch.hpp"
#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

// `run [OPTIONS] SCRIPT [ARG...]`: starts a detached job (cli/launch.hpp, jobs/launch.hpp).
namespace ec2dl::cli::run_cmd {

using Options = LaunchOptions;

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::run_cmd
