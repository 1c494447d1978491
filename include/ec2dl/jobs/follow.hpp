#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

// Reading logs by byte offset, through job_log.sh: the end of a log (tail -n) and following
// it (tail -f), a job's until it ends. How the bytes are shown is the caller's (a
// remote::LogFilter). See docs/jobs.md ("Logs and following").
namespace ec2dl::jobs {

// The last `len` bytes of a log (fewer when shorter), and where they start.
struct LogTail {
  std::int64_t size = 0;  // the log's size when read
  std::int64_t from = 0;  // offset of bytes[0]
  std::string bytes;
};
core::Result<LogTail> read_tail(ssh::Session& session, const std::string& log, std::int64_t len);

// Where a follow stands: the byte offset, and the bytes just before it (the last
// min(offset, 32)) as they were handed over. The server compares those with the log's, so a
// log truncated and written again past the offset between two looks (or before the follow
// started) is seen and followed from its start. `before` unknown: the server takes them from
// the log when the follow starts.
struct LogCursor {
  static constexpr std::size_t k_mark = 32;
  std::int64_t offset = 0;
  std::optional<std::string> before;

  // Moves past `data`, which was handed over.
  void advance(std::string_view data);
  // Back to the start of a log that shrank.
  void reset();
};

// Streams a log from the cursor, handing each piece to `sink` and advancing the cursor by
// exactly the bytes handed over: the one place that knows where a follow stands, so it can
// resume at that byte after a dropped connection. With `job_dir` (the job's folder) it
// returns once the job has ended and all its output is out; without, it runs until
// interrupted (an error of kind interrupted). A `sink` returning false stops it early. A log
// that shrank, or whose bytes before the offset changed, is followed again from its start,
// after `on_reset`.
core::Result<void> follow(ssh::Session& session, const std::string& log, LogCursor& cursor,
                          const std::string& job_dir,
                          const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset = {});

// follow() across dropped links: a transient failure (dead keepalive, cut link, sshd
// restart) reconnects through `link` and resumes at the cursor, so the bytes handed to `sink`
// are exactly the log's, none lost or doubled.
core::Result<void> follow(ssh::Reconnector& link, const std::string& log, LogCursor& cursor,
                          const std::string& job_dir,
                          const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset = {});

// Where a followed job log goes.
struct FollowSink {
  std::function<bool(std::string_view)> write;  // the bytes in order; false: the reader left
  std::function<bool()> flush;                  // once the bytes stop; false: the reader left
  std::function<void()> on_reset;               // the log shrank: followed again from 0
};

// Follows job `id`'s log `log` from the cursor across dropped links until the job has
// ended and all its output is out, then lists the job once more. Returns the ended job, or
// nullopt when the reader left first (the job goes on). `sink.flush` runs once the bytes
// stop, before anything else, errors included; Ctrl-C is an error of kind interrupted.
core::Result<std::optional<remote::JobEntry>> follow_job(ssh::Reconnector& link,
                                                         const std::string& base, std::int64_t id,
                                                         const std::string& log, LogCursor cursor,
                                                         const FollowSink& sink);

}  // namespace ec2dl::jobs
