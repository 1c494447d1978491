#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ec2dl/ssh/reconnect.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::wait_cmd {

struct Options {
  std::vector<std::string> jobs;  // ids or names; none = the newest job
  double timeout_s = 0;           // 0: no limit
};

// Exit status when --timeout passes first (as timeout(1)).
inline constexpr int k_exit_timeout = 124;

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

// Blocks until the jobs `ids` end, says how each ended (stderr; JSON on stdout with --json),
// and returns the first non-zero job status in the order given (lost: 1; timeout: 124;
// Ctrl-C: 130, the jobs go on).
int wait_jobs(ssh::Reconnector& link, core::Context& ctx, const std::string& base,
              const std::vector<std::int64_t>& ids, double timeout_s);

}  // namespace ec2dl::cli::wait_cmd
