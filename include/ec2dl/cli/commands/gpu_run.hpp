#pragma once

#include "ec2dl/cli/commands/run.hpp"

namespace ec2dl::cli::gpu_run_cmd {

// `gpu-run GPU SCRIPT [ARG...]` is `run --gpu GPU SCRIPT [ARG...]`.
struct Options {
  std::string gpu;
  run_cmd::Options run;
};

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::gpu_run_cmd
