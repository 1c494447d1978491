#pragma once

#include "ec2dl/cli/watch_flag.hpp"

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::ps_cmd {

struct Options {
  std::vector<std::string> jobs;  // only these (ids or names); none = all
  bool all = false;               // also the server's other python processes
  int last = 0;                   // only the newest N jobs (0: all)
  WatchFlag watch;                // --watch [SECS]
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

// The table (with a second one for other processes when `processes`), as text. `width` > 0
// cuts lines to fit a terminal.
std::string render_table(const remote::JobListing& listing,
                         const std::vector<remote::JobEntry>& jobs, bool processes, bool color,
                         std::size_t width);
// The JSON document: {"jobs": [...]} (and "processes" when asked).
std::string render_json(const remote::JobListing& listing,
                        const std::vector<remote::JobEntry>& jobs, bool processes);

}  // namespace ec2dl::cli::ps_cmd
