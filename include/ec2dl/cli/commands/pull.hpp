#pragma once

#include <string>
#include <vector>

#include "ec2dl/cli/transfer_flags.hpp"
#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::pull_cmd {

struct Options {
  TransferFlags flags;
  std::string job;                    // --job JOB
  std::vector<std::string> operands;  // [JOB] REMOTE... [LOCAL]
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::pull_cmd
