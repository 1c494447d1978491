#pragma once

#include "ec2dl/cli/watch_flag.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::gpu_cmd {

struct Options {
  bool raw = false;  // plain nvidia-smi, passed through
  WatchFlag watch;
};

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::gpu_cmd
