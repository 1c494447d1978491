#pragma once

#include <cstdint>
#include <string>

#include "ec2dl/cli/watch_flag.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::top_cmd {

struct Options {
  std::string pid;           // --pid: one process, its threads and children ("" none)
  std::string job;           // --job: the processes of a job, by id or name
  int limit = 10;            // -n: processes per list
  bool interactive = false;  // --interactive: the server's own top in a terminal
  WatchFlag watch;
};

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::top_cmd
