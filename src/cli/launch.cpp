#include "ec2dl/cli/launch.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/job_view.hpp"
#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/launch.hpp"
#include "ec2dl/transfer/send_file.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

using core::ErrorKind;

namespace {

// "GPU 1", "GPUs 0,1".
std::string gpu_words(const std::vector<int>& indexes) {
  std::vector<std::string> parts;
  for (const int i : indexes) {
    parts.push_back(std::to_string(i));
  }
  return fmt::format("GPU{} {}", indexes.size() == 1 ? "" : "s", util::join(parts, ","));
}

// Says what started: the GPU notices, then the job line (stdout; stderr with -f, whose stdout
// is the log), just the id with -q, or the JSON document with --json.
void show_started(const core::Context& ctx, const LaunchOptions& options, const jobs::Plan& plan,
                  const remote::LaunchResult& job, const std::string& target) {
  const auto& global = ctx.options();
  const std::vector<int> gpus = job.gpu_choice ? job.gpu_choice->indexes : std::vector<int>{};
  if (!global.quiet && job.gpu_choice) {
    for (const auto& n : job.gpu_choice->notices) {
      warn(n);
    }
  }

  const auto pid = job.pid.value_or(0);
  const auto& name = options.request.name;
  if (global.json) {
    nlohmann::json doc = {{"id", job.id},
                          {"pid", job.pid ? nlohmann::json(pid) : nlohmann::json(nullptr)},
                          {"log", job.log},
                          {"gpus", gpus},
                          {"name", name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name)},
                          {"workdir", job.workdir},
                          {"command", remote::display_command(plan.spec)}};
    fmt::print("{}\n", util::json_text(doc));
  } else if (global.quiet) {
    if (!options.follow) {
      fmt::print("{}\n", job.id);  // with -f, stdout is the log
    }
  } else {
    const auto line = fmt::format("job {}{} started on {}: pid {}{}, log {}", job.id,
                                  name.empty() ? "" : fmt::format(" ({})", name), target, pid,
                                  gpus.empty() ? "" : ", " + gpu_words(gpus), job.log);
    if (options.follow) {
      fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(line));
    } else {
      fmt::print("{}\n", util::sanitize_for_terminal(line));
      if (!options.wait) {
        fmt::print(stderr, "ec2dl: follow it with: {}\n",
                   util::sanitize_for_terminal(
                       ec2dl_command(ctx, {"tail", "-f", std::to_string(job.id)})));
      }
    }
  }
}

}  // namespace

void add_launch_options(CLI::App& app, LaunchOptions& options, bool with_gpu) {
  // CLI11 would go on reading options after SCRIPT: the launch options live in a group that
  // is switched off, and parent fall-through stopped, as soon as SCRIPT is seen; everything
  // after it then stays unparsed, in order, in app.remaining().
  app.set_help_flag();
  auto* group = app.add_option_group("Options");
  group->add_flag_callback(
      "-h,--help", [] { throw CLI::CallForHelp(); }, "Print this help");
  if (with_gpu) {
    group
        ->add_option("--gpu", options.request.gpu,
                     "GPUs for the job: 2, 0,1, GPU-<uuid>, auto (the free GPU with the most "
                     "free memory) or auto:N; sets CUDA_VISIBLE_DEVICES and "
                     "CUDA_DEVICE_ORDER=PCI_BUS_ID")
        ->type_name("SPEC");
  }
  group->add_option("--name", options.request.name, "A name to use instead of the job id")
      ->type_name("NAME");
  group
      ->add_option("--workdir", options.request.workdir,
                   "Working folder on the server (default: the saved host's workdir, else the "
                   "remote home); SCRIPT is pushed there")
      ->type_name("DIR");
  group
      ->add_option("--log", options.request.log,
                   "Log file on the server, appended to (default: ~/.ec2dl/jobs/ID/output.log)")
      ->type_name("PATH");
  group->add_option("--env", options.request.env, "Add K=V to the job's environment (repeatable)")
      ->type_name("K=V")
      ->allow_extra_args(false);  // one K=V per --env, so "--env K=V -- CMD" keeps its "--"
  group
      ->add_option("--python", options.request.python,
                   "The interpreter for .py scripts (default: the saved host's python, else "
                   "python3)")
      ->type_name("CMD");
  group->add_flag("--no-push", options.request.no_push,
                  "SCRIPT is a path on the server: run it without copying the local file");
  group->add_flag("-f,--follow", options.follow,
                  "Then follow the log until the job ends; exit with the job's status");
  group->add_flag("--wait", options.wait, "Then wait for the job to end; exit with its status");
  app.validate_positionals();
  options.app = &app;
  app.add_option("script", options.first,
                 "SCRIPT [ARG...]: pushed, then run (.py with python3, .sh with sh, other files "
                 "as programs); or -- CMD [ARG...]: a program on the server")
      ->type_name("SCRIPT [ARG...]")
      ->check(CLI::Validator(
          [&app, &options, group](std::string&) {
            if (!group->get_disabled()) {
              const auto seen = app.remaining();
              options.separator = !seen.empty() && seen.back() == "--";
              group->disabled();
              app.fallthrough(false);
            }
            return std::string();
          },
          "", "after-script"));
  // A positional that takes nothing: while CLI11 sees one still open, a "--" right after
  // SCRIPT is kept in remaining() instead of being dropped, so it reaches the script.
  app.add_option_function<std::vector<std::string>>("after-script",
                                                    [](const std::vector<std::string>&) {})
      ->group("")
      ->check(CLI::Validator([](std::string&) { return std::string("belongs to SCRIPT"); }, "",
                             "script-word"));
  app.prefix_command();
}

std::vector<std::string> LaunchOptions::words() const {
  if (!request.words.empty() || app == nullptr) {
    return request.words;
  }
  std::vector<std::string> out;
  if (first.empty() && !separator) {
    return out;
  }
  if (separator) {
    out.push_back("--");
  }
  out.push_back(first);
  auto rest = app->remaining();
  // The "--" that came before the first word is kept first in remaining().
  if (separator && !rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  }
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

core::Result<int> launch(const LaunchOptions& options, core::Context& ctx,
                         std::string_view command_name) {
  const auto& global = ctx.options();
  if (global.json && options.follow) {
    return core::fail(ErrorKind::usage,
                      fmt::format("{}: --json and --follow do not mix (the log goes to stdout); "
                                  "use --json --wait",
                                  command_name));
  }
  auto request = options.request;
  request.words = options.words();
  EC2DL_TRY_ASSIGN(const auto plan, jobs::make_plan(request, jobs::launch_defaults(ctx)));
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  const std::string base = ctx.remote_dir();
  auto started = jobs::start(session, base, plan, transfer::upload_file);
  if (!started) {
    // An unquoted --workdir ~/proj reaches ec2dl as this machine's home: say so.
    const auto python = util::split(request.python, ' ');
    return std::unexpected(with_quoting_hint(
        started.error(),
        {request.workdir, request.log, python.empty() ? std::string() : std::string(python[0])}));
  }
  const auto& job = *started;
  show_started(ctx, options, plan, job, session.target().display());
  std::fflush(stdout);

  if (!options.follow && !options.wait) {
    return core::k_exit_ok;
  }
  // From here on the job runs on its own: a dropped link is reconnected, not fatal.
  EC2DL_TRY_ASSIGN(auto link, keep_reconnected(ctx, std::move(session)));
  if (options.follow) {
    auto filter = make_log_filter(ctx, false, true);
    return follow_job(link, ctx, base, job.id, job.log, {.offset = job.log_offset, .before = {}},
                      filter);
  }
  return wait_jobs(link, ctx, base, {job.id}, 0);
}

}  // namespace ec2dl::cli
