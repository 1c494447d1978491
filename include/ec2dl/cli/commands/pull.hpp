#pragma once

#include <string>
#include <vector>

#include "ec2dl/cli/commands/push.hpp"

namespace ec2dl::cli::pull_cmd {

struct Options {
  push_cmd::TransferFlags flags;
  std::string job;                    // --job JOB
  std::vector<std::string> operands;  // [JOB] REMOTE... [LOCAL]
};

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::pull_cmd
