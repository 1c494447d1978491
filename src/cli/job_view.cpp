#include "ec2dl/cli/job_view.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/follow.hpp"
#include "ec2dl/jobs/wait.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

using core::ErrorKind;

namespace {

std::string ids_text(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> parts;
  for (const auto id : ids) {
    parts.push_back(std::to_string(id));
  }
  return util::join(parts, " ");
}

}  // namespace

remote::LogFilter make_log_filter(const core::Context& ctx, bool raw, bool follow) {
  if (raw) {
    return remote::LogFilter(remote::LogFilter::Mode::raw);
  }
  if (follow && ctx.stdout_tty()) {
    const auto size = ui::terminal_size(STDOUT_FILENO);
    return remote::LogFilter(remote::LogFilter::Mode::terminal, size ? size->cols : 0);
  }
  return remote::LogFilter(remote::LogFilter::Mode::lines);
}

bool LogPrinter::write(const std::string& text) {
  if (m_closed || text.empty()) {
    return !m_closed;
  }
  if (util::write_all(STDOUT_FILENO, text) != 0) {
    m_closed = true;
  }
  return !m_closed;
}

core::Result<int> follow_job(ssh::Reconnector& link, core::Context& ctx, const std::string& base,
                             std::int64_t id, const std::string& log, jobs::LogCursor cursor,
                             remote::LogFilter& filter) {
  const bool quiet = ctx.options().quiet;
  LogPrinter printer(filter);
  jobs::FollowSink sink;
  sink.write = [&](std::string_view bytes) { return printer.feed(bytes); };
  sink.flush = [&] { return printer.finish(); };
  sink.on_reset = [&] {
    if (!quiet) {
      fmt::print(stderr, "ec2dl: the log shrank; following it from its start\n");
    }
  };
  auto ended = jobs::follow_job(link, base, id, log, std::move(cursor), sink);
  if (!ended) {
    if (ended.error().kind() == ErrorKind::interrupted) {
      if (!quiet) {
        fmt::print(
            stderr, "ec2dl: job {} keeps running; follow it again with: {}\n", id,
            util::sanitize_for_terminal(ec2dl_command(ctx, {"tail", "-f", std::to_string(id)})));
      }
      return core::k_exit_interrupted;
    }
    return core::fail(ended.error());
  }
  if (!*ended) {
    return k_exit_reader_gone;
  }
  const auto& job = **ended;
  if (!quiet) {
    fmt::print(stderr, "ec2dl: job {} {}\n", job.id, remote::describe_status(job));
  }
  return remote::job_exit_status(job);
}

core::Result<int> wait_jobs(ssh::Reconnector& link, core::Context& ctx, const std::string& base,
                            const std::vector<std::int64_t>& ids, double timeout_s) {
  const auto& global = ctx.options();
  auto waited = jobs::wait_jobs(link, base, ids, timeout_s);
  if (!waited) {
    if (waited.error().kind() == ErrorKind::interrupted) {
      if (!global.quiet) {
        fmt::print(stderr, "ec2dl: stopped waiting; the job{} {} keep{} running\n",
                   ids.size() == 1 ? "" : "s", ids_text(ids), ids.size() == 1 ? "s" : "");
      }
      return core::k_exit_interrupted;
    }
    return core::fail(waited.error());
  }
  const auto& listing = waited->listing;
  if (!waited->ended) {
    std::vector<std::int64_t> running;
    for (const auto& job : listing.jobs) {
      if (job.status == remote::JobStatus::running || job.status == remote::JobStatus::starting) {
        running.push_back(job.id);
      }
    }
    fmt::print(stderr, "ec2dl: error: wait: timed out after {}s; still running: job{} {}\n",
               timeout_s, running.size() == 1 ? "" : "s", ids_text(running));
    return k_exit_timeout;
  }
  int status = core::k_exit_ok;
  nlohmann::json docs = nlohmann::json::array();
  for (const auto id : ids) {
    const auto it = std::find_if(listing.jobs.begin(), listing.jobs.end(),
                                 [&](const remote::JobEntry& j) { return j.id == id; });
    if (it == listing.jobs.end() || it->missing) {
      if (status == 0) {
        status = core::k_exit_failed;
      }
      fmt::print(stderr, "ec2dl: error: job {} disappeared from the registry\n", id);
      continue;
    }
    const int code = remote::job_exit_status(*it);
    if (status == 0 && code != 0) {
      status = code;
    }
    if (global.json) {
      docs.push_back(
          {{"id", it->id},
           {"status", remote::status_word(*it)},
           {"exit_code", it->exit_code ? nlohmann::json(*it->exit_code) : nullptr},
           {"signal", it->signal ? nlohmann::json(remote::signal_name(*it->signal)) : nullptr}});
    }
    if (it->status == remote::JobStatus::lost) {
      fmt::print(stderr,
                 "ec2dl: error: job {} was lost: its process is gone and left no exit "
                 "record (killed from outside, or the server rebooted)\n",
                 it->id);
    } else if (!global.quiet) {
      fmt::print(stderr, "ec2dl: job {} {}\n", it->id, remote::describe_status(*it));
    }
  }
  if (global.json) {
    fmt::print("{}\n", util::json_text(nlohmann::json{{"jobs", docs}}));
  }
  return status;
}

}  // namespace ec2dl::cli
