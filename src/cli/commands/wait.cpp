#include "ec2dl/cli/commands/wait.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/jobs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::wait_cmd {

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

int wait_jobs(ssh::Reconnector& link, core::Context& ctx, const std::string& base,
              const std::vector<std::int64_t>& ids, double timeout_s) {
  const auto& global = ctx.options();
  auto ended = jobs::wait_ended(link, base, ids, timeout_s);
  if (!ended) {
    if (ended.error().kind() == ErrorKind::interrupted) {
      if (!global.quiet) {
        fmt::print(stderr, "ec2dl: stopped waiting; the job{} {} keep{} running\n",
                   ids.size() == 1 ? "" : "s", ids_text(ids), ids.size() == 1 ? "s" : "");
      }
      return core::k_exit_interrupted;
    }
    return report(ended.error());
  }
  core::Result<remote::JobListing> listing = core::fail(ErrorKind::internal, "no listing");
  while (true) {
    auto session = link.session();
    if (!session) {
      return report(session.error());
    }
    listing = jobs::list(**session, base, ids, false);
    if (listing || !link.recover(listing.error())) {
      break;
    }
  }
  if (!listing) {
    return report(listing.error());
  }
  if (!*ended) {
    std::vector<std::int64_t> running;
    for (const auto& job : listing->jobs) {
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
    const auto it = std::find_if(listing->jobs.begin(), listing->jobs.end(),
                                 [&](const remote::JobEntry& j) { return j.id == id; });
    if (it == listing->jobs.end() || it->missing) {
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
           {"status", remote::to_string(it->status)},
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
    fmt::print("{}\n", nlohmann::json{{"jobs", docs}}.dump());
  }
  return status;
}

void setup(CLI::App& app, Options& options) {
  app.add_option("jobs", options.jobs, "Jobs (ids or names; default: the newest job)")
      ->type_name("JOB...");
  app.add_option("--timeout", options.timeout_s, "Give up after SECS (exit status 124)")
      ->type_name("SECS")
      ->check(CLI::Range(0.0, 1e9));
  app.footer(
      "Examples:\n"
      "  ec2dl wait 3                 block until job 3 ends; exit with its status\n"
      "  ec2dl wait 3 4 5 --timeout 3600\n"
      "  id=$(ec2dl run -q train.py) && ec2dl wait \"$id\" && ec2dl pull ...\n"
      "Exit status: the jobs' own (the first non-zero in the order given; 128+N when killed\n"
      "by signal N), 1 for a lost job or an unknown JOB, 124 on --timeout, 130 on Ctrl-C (the\n"
      "jobs go on).");
}

int run(const Options& options, core::Context& ctx) {
  auto link = make_reconnector(ctx);
  if (!link) {
    return report(link.error());
  }
  auto session = connect(ctx);
  if (!session) {
    return report(session.error());
  }
  const std::string base = ctx.remote_dir();
  auto ids = jobs::find_ids(*session, base, options.jobs);
  if (!ids) {
    return report(ids.error());
  }
  link->adopt(std::move(*session));
  return wait_jobs(*link, ctx, base, *ids, options.timeout_s);
}

}  // namespace ec2dl::cli::wait_cmd
