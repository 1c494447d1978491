#pragma once

#include <cstdint>
#include <string>

#include <vector>

#include "ec2dl/cli/watch_flag.hpp"
#include "ec2dl/monitor/top.hpp"

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
core::Result<int> run(const Options& options, core::Context& ctx);

struct RenderOptions {
  bool color = false;
  std::size_t width = 0;  // 0: no limit; else command lines are cut to fit
};

// The screen of `ec2dl top`: summary lines, disks, then the busiest processes (or the process
// or job asked about, with its threads).
std::string render(const monitor::TopSnapshot& snapshot, const RenderOptions& options);

// Disk warnings worth a line on stderr: "/ is 93% full (7.0 GiB free)".
std::vector<std::string> disk_warnings(const monitor::TopSnapshot& snapshot);

}  // namespace ec2dl::cli::top_cmd
