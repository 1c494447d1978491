#include "ec2dl/cli/commands/kill.hpp"

#include <cctype>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/kill.hpp"
#include "ec2dl/jobs/registry.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::kill_cmd {

using core::ErrorKind;

void setup(CLI::App& app, Options& options) {
  app.add_option("jobs", options.jobs, "Jobs to stop (ids or names)")
      ->type_name("JOB...")
      ->required();
  app.add_option("-s,--signal", options.signal,
                 "Send only this signal (INT, HUP, USR1, TERM, KILL, a number...) and return "
                 "at once; with --grace, wait that long and KILL what is left")
      ->type_name("SIG");
  app.add_option("--grace", options.grace_s,
                 "Seconds to wait before KILL for what is left of the job (default 10)")
      ->type_name("SECS")
      ->check(CLI::Range(0, 86400))
      ->each([&options](const std::string&) { options.grace_given = true; });
  app.footer(
      "Examples:\n"
      "  ec2dl kill 3                 TERM to job 3's processes, KILL after 10 s if needed\n"
      "  ec2dl kill train --grace 60  give the newest job named train a minute to save\n"
      "  ec2dl kill 3 --signal USR1   only send USR1 (e.g. to ask for a checkpoint)\n"
      "  ec2dl kill 3 --signal INT --grace 30  INT, then KILL after 30 s if needed\n"
      "The signal goes to the job's whole session (its process group and every child, such as\n"
      "DataLoader workers), never to another process. Exit status: 0 when every job was\n"
      "stopped (or signalled), 1 when a job was not running or does not exist.");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  std::string signal = "TERM";
  bool escalate = true;
  int grace_s = options.grace_s;
  if (!options.signal.empty()) {
    const auto number = remote::signal_number(options.signal);
    if (!number) {
      return core::fail(
          ErrorKind::usage,
          fmt::format("kill: unknown signal {}", util::sanitize_for_terminal(options.signal)),
          "use a name such as TERM, INT, HUP, USR1, KILL, or a number");
    }
    signal = remote::signal_name(*number);
    if (signal.empty() || std::isdigit(static_cast<unsigned char>(signal[0]))) {
      signal = std::to_string(*number);
    }
    // Without --grace only SIG is sent and kill returns at once: USR1 and the like need not
    // end the job, and waiting for one that does not end would only block.
    escalate = options.grace_given && signal != "KILL";
    if (!options.grace_given) {
      grace_s = 0;
    }
  }
  // Whether kill waited for the jobs to end, so their status afterwards is worth showing.
  const bool waited = escalate || grace_s > 0 || signal == "KILL";
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  const std::string base = ctx.remote_dir();
  EC2DL_TRY_ASSIGN(const auto ids, jobs::find_ids(session, base, options.jobs));
  EC2DL_TRY_ASSIGN(const auto outcomes, jobs::kill(session, base, ids, signal, grace_s, escalate));
  EC2DL_TRY_ASSIGN(const auto after, jobs::list(session, base, ids, false));
  const auto& global = ctx.options();
  int status = core::k_exit_ok;
  nlohmann::json docs = nlohmann::json::array();
  for (const auto& [id, outcome] : outcomes) {
    const auto it = std::find_if(after.jobs.begin(), after.jobs.end(),
                                 [&](const remote::JobEntry& j) { return j.id == id; });
    const std::string now =
        it == after.jobs.end() ? std::string("unknown") : remote::describe_status(*it);
    // Why it was not running, as one clause: "it had failed with exit code 1", "it is lost:
    // its process is gone and left no exit record".
    const std::string why = it != after.jobs.end() && it->status == remote::JobStatus::lost
                                ? "it is lost: its process is gone and left no exit record"
                            : it == after.jobs.end() ? "its state is unknown"
                                                     : "it had " + now;
    std::string line;
    std::string result;
    switch (outcome) {
      case remote::KillOutcome::ended:
      case remote::KillOutcome::gone:
        result = "not-running";
        line = fmt::format("job {} was not running: {}", id, why);
        status = core::k_exit_failed;
        break;
      case remote::KillOutcome::signalled:
        result = "signalled";
        line = waited ? fmt::format("job {}: sent SIG{}; now {}", id, signal, now)
                      : fmt::format("job {}: sent SIG{}", id, signal);
        break;
      case remote::KillOutcome::killed:
        result = "killed";
        line = fmt::format("job {}: sent SIG{}, then SIGKILL after {}s; now {}", id, signal,
                           grace_s, now);
        break;
    }
    if (global.json) {
      docs.push_back(
          {{"id", id},
           {"result", result},
           {"status", it == after.jobs.end() ? nlohmann::json(nullptr)
                                             : nlohmann::json(remote::status_word(*it))}});
    } else if (outcome == remote::KillOutcome::ended || outcome == remote::KillOutcome::gone) {
      fmt::print(stderr, "ec2dl: error: {}\n", line);
    } else if (!global.quiet) {
      fmt::print("{}\n", line);
    }
  }
  if (global.json) {
    fmt::print("{}\n", util::json_text(nlohmann::json{{"jobs", docs}}));
  }
  return status;
}

}  // namespace ec2dl::cli::kill_cmd
