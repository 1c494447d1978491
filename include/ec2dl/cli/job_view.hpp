#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/jobs/follow.hpp"
#include "ec2dl/remote/job_log.hpp"
#include "ec2dl/ssh/reconnect.hpp"

namespace ec2dl::core {
class Context;
}

// How run, tail and wait show what the jobs layer reports: a followed log and how a job
// ended, on the terminal.
namespace ec2dl::cli {

// Exit status when wait's --timeout passes first (as timeout(1)).
inline constexpr int k_exit_timeout = 124;
// Exit status when the reader of stdout went away, as a shell pipeline reports it.
inline constexpr int k_exit_reader_gone = 141;

// The filter for log output: raw bytes with --raw; else lines, shown in place on a terminal
// while following.
remote::LogFilter make_log_filter(const core::Context& ctx, bool raw, bool follow);

// Writes filtered log output to stdout unbuffered; remembers a reader that went away.
class LogPrinter {
 public:
  explicit LogPrinter(remote::LogFilter& filter) : m_filter(filter) {}

  // Filters and writes `bytes`; false once the reader has gone.
  bool feed(std::string_view bytes) { return write(m_filter.feed(bytes)); }
  // Writes what the filter still holds; false once the reader has gone.
  bool finish() { return write(m_filter.finish()); }
  bool closed() const { return m_closed; }

 private:
  bool write(const std::string& text);

  remote::LogFilter& m_filter;
  bool m_closed = false;
};

// Prints job `id`'s log from the cursor through `filter` until the job has ended, then
// returns the job's exit status (a notice says how it ended unless -q). Ctrl-C stops
// following and leaves the job running (130); 141 when the reader of stdout went away.
core::Result<int> follow_job(ssh::Reconnector& link, core::Context& ctx, const std::string& base,
                             std::int64_t id, const std::string& log, jobs::LogCursor cursor,
                             remote::LogFilter& filter);

// Blocks until the jobs `ids` end, says how each ended (stderr; JSON on stdout with --json),
// and returns the first non-zero job status in the order given (lost: 1; timeout: 124;
// Ctrl-C: 130, the jobs go on).
core::Result<int> wait_jobs(ssh::Reconnector& link, core::Context& ctx, const std::string& base,
                            const std::vector<std::int64_t>& ids, double timeout_s);

}  // namespace ec2dl::cli
