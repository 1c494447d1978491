#pragma once

#include <cstdint>
#include <string>

#include "ec2dl/remote/job_log.hpp"
#include "ec2dl/ssh/reconnect.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::tail_cmd {

struct Options {
  std::string target;  // JOB (id or name) or a remote PATH; "" = the newest job
  int lines = 10;
  bool follow = false;
  bool raw = false;
};

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

// The filter for log output: raw bytes with --raw; else lines, shown in place on a terminal
// while following.
remote::LogFilter make_filter(const core::Context& ctx, bool raw, bool follow);

// Prints job `id`'s log from byte `offset` through `filter` until the job has ended, then
// returns the job's exit status (a notice says how it ended unless -q). Ctrl-C stops
// following and leaves the job running (130).
int follow_job(ssh::Reconnector& link, core::Context& ctx, const std::string& base, std::int64_t id,
               const std::string& log, std::int64_t offset, remote::LogFilter& filter);

}  // namespace ec2dl::cli::tail_cmd
