#include "ec2dl/cli/top.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/monitor/top.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/ssh/interactive.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::top_cmd {

namespace {

constexpr std::size_t k_top_pid_limit = 20;  // top -p takes at most 20 pids

std::optional<std::int64_t> pid_of(const std::string& text) {
  const auto pid = util::parse_int(text);
  if (!pid || *pid < 1 || *pid > (std::int64_t{1} << 40)) {
    return std::nullopt;
  }
  return pid;
}

std::vector<core::Error> check(const Options& o, const core::Context& ctx) {
  std::vector<core::Error> errors;
  auto usage = [&](std::string message) {
    errors.emplace_back(core::ErrorKind::usage, "top: " + std::move(message));
  };
  if (!o.pid.empty() && !pid_of(o.pid)) {
    usage(fmt::format("--pid takes a process id (a number from 1), not '{}'", o.pid));
  }
  if (!o.pid.empty() && !o.job.empty()) {
    usage("give either --pid or --job, not both");
  }
  if (o.limit < 1 || o.limit > 1000) {
    usage(fmt::format("-n takes a number of processes from 1 to 1000, not {}", o.limit));
  }
  if (o.job.find_first_of("\n\r") != std::string::npos) {
    usage("--job: a job id or name has no line breaks");
  }
  if (o.interactive) {
    if (o.watch.given || ctx.options().json) {
      usage("--interactive shows the server's own top: it does not go with --watch or --json");
    }
    if (!ctx.stdin_tty() || !ctx.stdout_tty()) {
      usage("--interactive needs a terminal (stdin and stdout)");
    }
  }
  return errors;
}

std::size_t stdout_width(bool terminal) {
  return terminal ? ui::terminal_size(STDOUT_FILENO).value_or(ui::TerminalSize{}).cols : 0;
}

// The server's top on a terminal, for the process or the job's processes.
int run_interactive(ssh::Session& session, const Options& o, const monitor::TopQuery& query) {
  std::vector<std::string> args;
  if (!o.pid.empty() || !o.job.empty()) {
    auto snapshot = monitor::sample_top(session, query);
    if (!snapshot) {
      return report(snapshot.error());
    }
    std::vector<std::string> pids;
    for (const auto& p : snapshot->focus->processes) {
      if (pids.size() < k_top_pid_limit) {
        pids.push_back(std::to_string(p.pid));
      }
    }
    args = {"-p", util::join(pids, ",")};
  }
  const auto command = remote::sh_command(
      "command -v top >/dev/null 2>&1 || exit 127\nexec top \"$@\"\n", args, "ec2dl-top");
  auto status = ssh::run_interactive(session, command);
  if (!status) {
    return report(status.error());
  }
  if (status->shell_status() == 127) {
    return report(core::Error(core::ErrorKind::not_found, "top is not installed on the server",
                              "install procps there, or use 'ec2dl top' without --interactive"));
  }
  return status->shell_status() == 0 ? core::k_exit_ok : core::k_exit_failed;
}

}  // namespace

void setup(CLI::App& app, Options& options) {
  app.add_option("--pid", options.pid, "Show this process, its threads and its children")
      ->type_name("PID");
  app.add_option("--job", options.job, "Show the processes and threads of a job (id or name)")
      ->type_name("JOB");
  app.add_option("-n,--limit", options.limit, "Processes in each list (default 10)")
      ->type_name("N");
  app.add_flag("--interactive", options.interactive,
               "Run the server's own top in this terminal instead");
  add_watch_option(app, options.watch);
  app.footer(
      "One look at the server: uptime, load, CPU use (over half a second), memory and swap,\n"
      "disk use of the filesystems holding ~, / and the running jobs' folders (a warning at\n"
      "90 % full), and the busiest and largest processes with their ec2dl job.\n"
      "Examples:\n"
      "  ec2dl top\n"
      "  ec2dl top --pid 4242           # like top -p 4242, with threads and children\n"
      "  ec2dl top --job train --watch  # a job's processes, redrawn every 2 s\n"
      "  ec2dl top --json | jq .memory\n"
      "  ec2dl top --interactive        # the real top, in a terminal");
}

int run(const Options& options, core::Context& ctx) {
  const auto errors = check(options, ctx);
  if (!errors.empty()) {
    for (std::size_t i = 0; i + 1 < errors.size(); ++i) {
      report(errors[i]);
    }
    return report(errors.back());
  }
  double interval = 0;
  if (options.watch.given) {
    auto secs = watch_interval(options.watch, "top");
    if (!secs) {
      return report(secs.error());
    }
    interval = *secs;
  }
  monitor::TopQuery query;
  query.remote_dir = ctx.remote_dir();
  query.limit = static_cast<std::size_t>(options.limit);
  if (!options.pid.empty()) {
    query.pid = pid_of(options.pid);
  }
  query.job = options.job;

  monitor::Link link([&ctx] { return connect(ctx); });
  auto session = link.session();
  if (!session) {
    return report(session.error());
  }
  if (options.interactive) {
    return run_interactive(**session, options, query);
  }
  const bool json = ctx.options().json;

  if (!options.watch.given) {
    auto snapshot = monitor::sample_top(**session, query);
    if (!snapshot) {
      return report(snapshot.error());
    }
    if (json) {
      util::write_all(STDOUT_FILENO, monitor::json_text(monitor::to_json(*snapshot), true));
      if (!ctx.options().quiet) {
        for (const auto& w : monitor::disk_warnings(*snapshot)) {
          warn(w);
        }
      }
    } else {
      util::write_all(STDOUT_FILENO,
                      monitor::render_top(*snapshot, {.color = ctx.color(),
                                                      .width = stdout_width(ctx.stdout_tty())}));
    }
    return core::k_exit_ok;
  }

  bool shown = false;
  auto watch = watch_options(ctx, "top", interval, link, &shown);
  return ui::run_watch(watch, [&]() -> core::Result<std::string> {
    auto s = link.session();
    if (!s) {
      return std::unexpected(s.error());
    }
    auto snapshot = monitor::sample_top(**s, query);
    if (!snapshot) {
      return std::unexpected(snapshot.error());
    }
    shown = true;
    if (json) {
      return monitor::json_text(monitor::to_json(*snapshot), false);
    }
    return monitor::render_top(*snapshot,
                               {.color = watch.color, .width = stdout_width(watch.terminal)});
  });
}

}  // namespace ec2dl::cli::top_cmd
