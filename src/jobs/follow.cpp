#include "ec2dl/jobs/follow.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ec2dl/jobs/registry.hpp"
#include "ec2dl/jobs/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::jobs {

namespace {

// job_log.sh follow's status when the log shrank below the offset.
constexpr int k_log_shrank = 3;

}  // namespace

core::Result<LogTail> read_tail(ssh::Session& session, const std::string& log, std::int64_t len) {
  const remote::ScriptCall call{remote::scripts::job_log, {"tail", log, std::to_string(len)}, {}};
  EC2DL_TRY_ASSIGN(const auto out, run_script(session, call, fmt::format("read {}", log)));
  const auto newline = out.find('\n');
  const auto size =
      newline == std::string::npos ? std::nullopt : util::parse_int(out.substr(0, newline));
  if (!size) {
    return core::fail(core::ErrorKind::remote,
                      fmt::format("read {}: unexpected answer from the server", log));
  }
  LogTail tail;
  tail.size = *size;
  tail.bytes = out.substr(newline + 1);
  tail.from = tail.size - static_cast<std::int64_t>(tail.bytes.size());
  return tail;
}

void LogCursor::advance(std::string_view data) {
  offset += static_cast<std::int64_t>(data.size());
  const auto keep = std::min<std::size_t>(static_cast<std::size_t>(offset), k_mark);
  if (before) {
    before->append(data);
  } else if (data.size() >= keep) {
    before = std::string(data);  // the piece alone covers what must be known
  } else {
    return;
  }
  if (before->size() > keep) {
    before->erase(0, before->size() - keep);
  }
}

void LogCursor::reset() {
  offset = 0;
  before = std::string();
}

core::Result<void> follow(ssh::Session& session, const std::string& log, LogCursor& cursor,
                          const std::string& dir, const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset) {
  for (;;) {
    // The bytes before the offset in hex, as job_log.sh writes its own mark; "-": unknown.
    std::string mark = cursor.before ? "" : "-";
    if (cursor.before) {
      for (const unsigned char c : *cursor.before) {
        mark += fmt::format("{:02x}", c);
      }
    }
    const remote::ScriptCall call{
        remote::scripts::job_log, {"follow", log, std::to_string(cursor.offset), dir, mark}, {}};
    std::string err;
    bool stop = false;
    EC2DL_TRY_ASSIGN(
        auto channel,
        ssh::Channel::exec(session, call.command(), [&](std::string_view data, bool is_stderr) {
          if (stop) {
            return;
          }
          if (is_stderr) {
            if (err.size() + data.size() <= k_max_stderr) {
              err.append(data);
            }
            return;
          }
          cursor.advance(data);
          stop = !sink(data);
        }));
    while (!channel.closed()) {
      if (stop) {
        return core::ok();
      }
      EC2DL_TRY(channel.pump(200));
    }
    if (stop) {
      return core::ok();
    }
    EC2DL_TRY_ASSIGN(const auto status, channel.wait());
    const int code = status.shell_status();
    if (code == 0) {
      return core::ok();
    }
    if (code == k_log_shrank) {
      cursor.reset();
      if (on_reset) {
        on_reset();
      }
      continue;
    }
    return core::fail(script_error(fmt::format("follow {}", log), err, status));
  }
}

core::Result<void> follow(ssh::Reconnector& link, const std::string& log, LogCursor& cursor,
                          const std::string& dir, const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset) {
  return link.retry(
      [&](ssh::Session& session) { return follow(session, log, cursor, dir, sink, on_reset); });
}

core::Result<std::optional<remote::JobEntry>> follow_job(ssh::Reconnector& link,
                                                         const std::string& base, std::int64_t id,
                                                         const std::string& log, LogCursor cursor,
                                                         const FollowSink& sink) {
  auto followed = follow(link, log, cursor, job_dir(base, id), sink.write, sink.on_reset);
  const bool reader = !sink.flush || sink.flush();
  EC2DL_TRY(followed);
  if (!reader) {
    return std::nullopt;
  }
  EC2DL_TRY_ASSIGN(const auto found, find(link, base, {remote::parse_job_ref(std::to_string(id))}));
  return found.front();
}

}  // namespace ec2dl::jobs
