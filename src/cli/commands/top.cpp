#include "ec2dl/cli/commands/top.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/monitor/top.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/ssh/interactive.hpp"
#include "ec2dl/ui/style.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

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
core::Result<int> run_interactive(ssh::Session& session, const Options& o,
                                  const monitor::TopQuery& query) {
  std::vector<std::string> args;
  if (!o.pid.empty() || !o.job.empty()) {
    // Not EC2DL_TRY_ASSIGN: g++ 12 then warns that the moved focus may be uninitialized.
    const auto snapshot = monitor::sample_top(session, query);
    if (!snapshot) {
      return std::unexpected(snapshot.error());
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
  EC2DL_TRY_ASSIGN(const auto status, ssh::run_interactive(session, command));
  if (status.shell_status() == 127) {
    return core::fail(core::ErrorKind::not_found, "top is not installed on the server",
                      "install procps there, or use 'ec2dl top' without --interactive");
  }
  return status.shell_status() == 0 ? core::k_exit_ok : core::k_exit_failed;
}

constexpr std::size_t k_threads_shown = 20;

std::string kib(std::uint64_t v) {
  return ui::human_bytes(static_cast<double>(v) * 1024.0);
}

std::string pct_text(double v) {
  return fmt::format("{:.1f}%", v);
}

}  // namespace

std::vector<std::string> disk_warnings(const monitor::TopSnapshot& snapshot) {
  std::vector<std::string> out;
  for (const auto& d : snapshot.disks) {
    if (d.warning) {
      out.push_back(fmt::format(
          "{} is {:.0f}% full ({} free; holds {}): runs that save "
          "checkpoints there may fail",
          d.usage.mount, d.usage.used_pct, kib(d.usage.avail_kib), util::join(d.holds, ", ")));
    }
  }
  return out;
}

std::string render(const monitor::TopSnapshot& s, const RenderOptions& o) {
  const auto paint = [&](const std::string& text, ui::Color c) {
    return ui::paint(text, c, o.color);
  };
  std::string out;
  out += fmt::format("{}  up {}  load {:.2f} {:.2f} {:.2f}  {} processes, {} running\n",
                     paint(util::sanitize_for_terminal(s.host), ui::Color::bold),
                     util::format_duration(static_cast<std::int64_t>(s.uptime_s)), s.load.one,
                     s.load.five, s.load.fifteen, s.processes, s.running);
  out +=
      fmt::format("CPU   {} used  (user {}, system {}, iowait {}, steal {})  {} CPU{}\n",
                  paint(pct_text(s.cpu.busy_pct), ui::level_color(s.cpu.busy_pct)),
                  pct_text(s.cpu.user_pct), pct_text(s.cpu.system_pct), pct_text(s.cpu.iowait_pct),
                  pct_text(s.cpu.steal_pct), s.cpus, s.cpus == 1 ? "" : "s");
  const double mem_frac = s.mem_total_kib > 0 ? static_cast<double>(s.mem_used_kib) /
                                                    static_cast<double>(s.mem_total_kib)
                                              : 0;
  out += fmt::format("MEM   {} {} used of {}, {} available, {} buff/cache\n",
                     paint(ui::bar(mem_frac, 10), ui::level_color(mem_frac * 100, 80, 90)),
                     kib(s.mem_used_kib), kib(s.mem_total_kib), kib(s.mem_available_kib),
                     kib(s.mem_buff_cache_kib));
  const double swap_frac = s.swap_total_kib > 0 ? static_cast<double>(s.swap_used_kib) /
                                                      static_cast<double>(s.swap_total_kib)
                                                : 0;
  out += fmt::format(
      "SWAP  {} {} used of {}\n",
      paint(ui::bar(swap_frac, 10),
            s.swap_used_kib > 0 ? ui::level_color(swap_frac * 100, 50, 80) : ui::Color::none),
      kib(s.swap_used_kib), kib(s.swap_total_kib));
  out += '\n';

  if (!s.disks.empty()) {
    ui::Table disks({{"MOUNT"},
                     {"SIZE", ui::Align::right},
                     {"USED", ui::Align::right},
                     {"FREE", ui::Align::right},
                     {"USE%", ui::Align::right},
                     {"HOLDS"}});
    for (const auto& d : s.disks) {
      const auto c = d.warning ? ui::Color::red
                               : (d.usage.used_pct >= 80 ? ui::Color::yellow : ui::Color::none);
      disks.add_row({d.usage.mount, kib(d.usage.size_kib), kib(d.usage.used_kib),
                     kib(d.usage.avail_kib),
                     ui::Cell(fmt::format("{:.0f}%{}", d.usage.used_pct, d.warning ? " !" : ""), c),
                     util::join(d.holds, ", ")});
    }
    out += disks.render(o.color, o.width);
    for (const auto& w : disk_warnings(s)) {
      out += paint("warning: " + w, ui::Color::red) + "\n";
    }
    out += '\n';
  }

  auto process_table = [&](const std::vector<monitor::ProcessRow>& rows, bool detailed) {
    std::vector<ui::Column> cols = {{"PID", ui::Align::right}};
    if (detailed) {
      cols.push_back({"PPID", ui::Align::right});
    }
    for (auto c : std::vector<ui::Column>{{"USER", ui::Align::left, 12},
                                          {"%CPU", ui::Align::right},
                                          {"RSS", ui::Align::right}}) {
      cols.push_back(std::move(c));
    }
    if (detailed) {
      cols.push_back({"THR", ui::Align::right});
      cols.push_back({"TIME", ui::Align::right});
    }
    cols.push_back({"S"});
    cols.push_back({"JOB"});
    cols.push_back({"COMMAND"});
    ui::Table t(cols);
    for (const auto& r : rows) {
      std::vector<ui::Cell> cells = {std::to_string(r.pid)};
      if (detailed) {
        cells.emplace_back(std::to_string(r.ppid));
      }
      cells.emplace_back(r.user.empty() ? "\u2013" : r.user);
      cells.emplace_back(fmt::format("{:.1f}", r.cpu_pct));
      cells.emplace_back(kib(r.rss_kib));
      if (detailed) {
        cells.emplace_back(std::to_string(r.threads));
        cells.emplace_back(util::format_duration(static_cast<std::int64_t>(r.cpu_time_s)));
      }
      cells.emplace_back(std::string(1, r.state));
      cells.emplace_back(r.job_id.empty() ? "\u2013" : r.job_id,
                         r.job_id.empty() ? ui::Color::none : ui::Color::cyan);
      cells.emplace_back(r.command);
      t.add_row(std::move(cells));
    }
    return t.render(o.color, o.width);
  };

  if (s.focus) {
    const auto& f = *s.focus;
    if (!f.job_id.empty()) {
      out +=
          paint(fmt::format(
                    "JOB {}{}: {} process{}", f.job_id,
                    f.job_name.empty() ? "" : " (" + util::sanitize_for_terminal(f.job_name) + ")",
                    f.processes.size(), f.processes.size() == 1 ? "" : "es"),
                ui::Color::bold);
    } else {
      out += paint(fmt::format("PROCESS {} AND ITS CHILDREN", f.pid.value_or(0)), ui::Color::bold);
    }
    out += '\n';
    out += process_table(f.processes, true);
    out += '\n';
    out += paint(fmt::format("THREADS ({} shown of {})",
                             std::min(f.threads.size(), k_threads_shown), f.threads.size()),
                 ui::Color::bold);
    out += '\n';
    ui::Table t({{"TID", ui::Align::right},
                 {"PID", ui::Align::right},
                 {"%CPU", ui::Align::right},
                 {"S"},
                 {"NAME"}});
    for (std::size_t i = 0; i < f.threads.size() && i < k_threads_shown; ++i) {
      const auto& th = f.threads[i];
      t.add_row({std::to_string(th.tid), std::to_string(th.pid), fmt::format("{:.1f}", th.cpu_pct),
                 std::string(1, th.state), th.name});
    }
    out += t.render(o.color, o.width);
    return out;
  }
  out += paint("BUSIEST (CPU)", ui::Color::bold) + "\n";
  out += process_table(s.by_cpu, false);
  out += '\n';
  out += paint("LARGEST (MEMORY)", ui::Color::bold) + "\n";
  out += process_table(s.by_memory, false);
  return out;
}

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
      "disk use of the filesystems holding ~, /, the saved host's workdir and the running jobs'\n"
      "folders (a warning at 90 % full), and the busiest and largest processes with their\n"
      "ec2dl job.\n"
      "Examples:\n"
      "  ec2dl top\n"
      "  ec2dl top --pid 4242           # like top -p 4242, with threads and children\n"
      "  ec2dl top --job train --watch  # a job's processes, redrawn every 2 s\n"
      "  ec2dl top --json | jq .memory\n"
      "  ec2dl top --interactive        # the real top, in a terminal");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  auto errors = check(options, ctx);
  double interval = 0;
  if (options.watch.given) {
    if (auto secs = watch_interval(options.watch, "top")) {
      interval = *secs;
    } else {
      errors.push_back(secs.error());
    }
  }
  if (!errors.empty()) {
    return report_all(errors);
  }
  monitor::TopQuery query;
  query.remote_dir = ctx.remote_dir();
  query.limit = static_cast<std::size_t>(options.limit);
  if (!options.pid.empty()) {
    query.pid = pid_of(options.pid);
  }
  query.job = options.job;
  if (auto profile = ctx.profile(); profile && *profile != nullptr) {
    query.workdir = (*profile)->workdir;  // the default folder of push and run
  }

  auto link = make_monitor_link(ctx);
  EC2DL_TRY_ASSIGN(auto* session, link.session());
  if (options.interactive) {
    return run_interactive(*session, options, query);
  }
  const bool json = ctx.options().json;

  if (!options.watch.given) {
    EC2DL_TRY_ASSIGN(const auto snapshot, monitor::sample_top(*session, query));
    if (json) {
      util::write_all(STDOUT_FILENO, monitor::json_text(monitor::to_json(snapshot), true));
      if (!ctx.options().quiet) {
        for (const auto& w : disk_warnings(snapshot)) {
          warn(w);
        }
      }
    } else {
      util::write_all(STDOUT_FILENO, render(snapshot, {.color = ctx.color(),
                                                       .width = stdout_width(ctx.stdout_tty())}));
    }
    return core::k_exit_ok;
  }

  bool shown = false;
  auto watch = watch_options(ctx, "top", interval, link, &shown);
  return ui::run_watch(watch, [&]() -> core::Result<std::string> {
    EC2DL_TRY_ASSIGN(auto* s, link.session());
    EC2DL_TRY_ASSIGN(const auto snapshot, monitor::sample_top(*s, query));
    shown = true;
    if (json) {
      return monitor::json_text(monitor::to_json(snapshot), false);
    }
    return render(snapshot, {.color = watch.color, .width = stdout_width(watch.terminal)});
  });
}

}  // namespace ec2dl::cli::top_cmd
