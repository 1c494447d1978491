#include "ec2dl/cli/commands/ps.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/registry.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/ui/watch.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::cli::ps_cmd {

using core::ErrorKind;
using remote::JobStatus;

namespace {

ui::Color status_color(JobStatus status) {
  switch (status) {
    case JobStatus::running:
    case JobStatus::starting:
      return ui::Color::cyan;
    case JobStatus::succeeded:
      return ui::Color::green;
    case JobStatus::failed:
    case JobStatus::killed:
      return ui::Color::red;
    case JobStatus::lost:
      return ui::Color::yellow;
  }
  return ui::Color::none;
}

std::string exit_cell(const remote::JobEntry& job) {
  if (job.signal) {
    return "SIG" + remote::signal_name(*job.signal);
  }
  if (job.exit_code) {
    return std::to_string(*job.exit_code);
  }
  return "";
}

std::optional<std::int64_t> runtime(const remote::JobListing& listing,
                                    const remote::JobEntry& job) {
  if (!job.started) {
    return std::nullopt;
  }
  if (job.ended) {
    return std::max<std::int64_t>(0, *job.ended - *job.started);
  }
  if (job.status == JobStatus::running || job.status == JobStatus::starting) {
    return std::max<std::int64_t>(0, listing.now - *job.started);
  }
  return std::nullopt;
}

nlohmann::json gpus_json(const std::string& gpus) {
  auto out = nlohmann::json::array();
  for (const auto& part : util::split(gpus, ',')) {
    if (part.empty()) {
      continue;
    }
    if (auto n = util::parse_int(part); n && *n >= 0) {
      out.push_back(*n);
    } else {
      out.push_back(part);
    }
  }
  return out;
}

nlohmann::json opt(const std::optional<std::int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json time_json(const std::optional<std::int64_t>& v) {
  return v ? nlohmann::json(util::iso8601_utc(*v)) : nlohmann::json(nullptr);
}

// The job's working folder as the user would type it: "~" for the home folder itself.
std::string workdir_cell(const std::string& workdir, const std::string& home) {
  if (workdir.empty()) {
    return "-";
  }
  if (!home.empty() && workdir == home) {
    return "~";
  }
  return remote::home_relative(workdir, home);
}

std::size_t terminal_width() {
  const auto size = ui::terminal_size(STDOUT_FILENO);
  return size ? size->cols : 0;
}

// Keeps the jobs asked for: the named ones, or the newest `last`, or all.
core::Result<std::vector<remote::JobEntry>> select(const remote::JobListing& listing,
                                                   const Options& options) {
  if (!options.jobs.empty()) {
    std::vector<remote::JobRef> refs;
    for (const auto& text : options.jobs) {
      refs.push_back(remote::parse_job_ref(text));
    }
    return remote::resolve_jobs(listing, refs);
  }
  std::vector<remote::JobEntry> out;
  for (const auto& job : listing.jobs) {
    if (!job.missing) {
      out.push_back(job);
    }
  }
  if (options.last > 0 && out.size() > static_cast<std::size_t>(options.last)) {
    out.erase(out.begin(), out.end() - options.last);
  }
  return out;
}

}  // namespace

std::string render_table(const remote::JobListing& listing,
                         const std::vector<remote::JobEntry>& jobs, bool processes, bool color,
                         std::size_t width) {
  std::string out;
  const std::size_t command_width = width > 0 ? 60 : 0;
  ui::Table table({{"ID", ui::Align::right},
                   {"NAME", ui::Align::left, width > 0 ? 20u : 0u},
                   {"STATUS"},
                   {"EXIT", ui::Align::right},
                   {"GPUS"},
                   {"PID", ui::Align::right},
                   {"STARTED"},
                   {"RUNTIME", ui::Align::right},
                   {"DIR", ui::Align::left, width > 0 ? 24u : 0u},
                   {"COMMAND", ui::Align::left, command_width},
                   {"LOG"}});
  for (const auto& job : jobs) {
    const auto rt = runtime(listing, job);
    table.add_row({std::to_string(job.id), job.name.empty() ? "-" : job.name,
                   ui::Cell(std::string(remote::status_word(job)), status_color(job.status)),
                   exit_cell(job), job.gpus.empty() ? "-" : job.gpus,
                   job.pid ? std::to_string(*job.pid) : "-",
                   job.started ? util::local_time(*job.started) : "-",
                   rt ? util::format_duration(*rt) : "-", workdir_cell(job.workdir, listing.home),
                   job.command, remote::home_relative(job.log, listing.home)});
  }
  if (table.rows() > 0) {
    out += table.render(color, width);
  }
  if (processes) {
    ui::Table procs({{"PID", ui::Align::right},
                     {"USER"},
                     {"STARTED"},
                     {"RUNTIME", ui::Align::right},
                     {"COMMAND"}});
    for (const auto& p : listing.processes) {
      procs.add_row(
          {std::to_string(p.pid), p.user.empty() ? "?" : p.user,
           p.started ? util::local_time(*p.started) : "-",
           p.started ? util::format_duration(std::max<std::int64_t>(0, listing.now - *p.started))
                     : "-",
           p.command.empty() ? "[" + p.comm + "]" : p.command});
    }
    if (!out.empty()) {
      out += '\n';
    }
    if (procs.rows() == 0) {
      out += "No other python processes.\n";
    } else {
      out += "Other python processes:\n";
      out += procs.render(color, width);
    }
  }
  return out;
}

std::string render_json(const remote::JobListing& listing,
                        const std::vector<remote::JobEntry>& jobs, bool processes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& job : jobs) {
    list.push_back(
        {{"id", job.id},
         {"name", job.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.name)},
         {"status", remote::status_word(job)},
         {"exit_code", job.exit_code ? nlohmann::json(*job.exit_code) : nullptr},
         {"signal", job.signal ? nlohmann::json(remote::signal_name(*job.signal)) : nullptr},
         {"gpus", gpus_json(job.gpus)},
         {"pid", opt(job.pid)},
         {"command", job.command},
         {"workdir", job.workdir},
         {"log", job.log},
         {"started_at", time_json(job.started)},
         {"ended_at", time_json(job.ended)},
         {"runtime_s", opt(runtime(listing, job))}});
  }
  nlohmann::json doc = {{"jobs", list}};
  if (processes) {
    nlohmann::json procs = nlohmann::json::array();
    for (const auto& p : listing.processes) {
      procs.push_back({{"pid", p.pid},
                       {"user", p.user},
                       {"started_at", time_json(p.started)},
                       {"command", p.command.empty() ? p.comm : p.command}});
    }
    doc["processes"] = procs;
  }
  return util::json_text(doc);
}

void setup(CLI::App& app, Options& options) {
  app.add_option("jobs", options.jobs, "Only these jobs (ids or names)")->type_name("JOB...");
  app.add_flag("-a,--all", options.all,
               "Also list the server's other python processes (ps -ef | grep python, without "
               "the grep)");
  app.add_option("-n,--last", options.last, "Only the newest N jobs")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000));
  add_watch_option(app, options.watch);
  app.footer(
      "Examples:\n"
      "  ec2dl ps                     every job, newest last\n"
      "  ec2dl ps --all --watch       like watch \"ps -ef | grep python\"\n"
      "  ec2dl ps -n 5 --json\n"
      "Statuses: running, succeeded, failed (EXIT is the code), killed (EXIT is the signal),\n"
      "lost (the process is gone without an exit record, or the server rebooted).");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  double interval = 2.0;
  if (options.watch.given) {
    EC2DL_TRY_ASSIGN(interval, watch_interval(options.watch, "ps"));
  }
  auto link = make_monitor_link(ctx);
  const std::string base = ctx.remote_dir();
  const auto& global = ctx.options();
  const bool color = ctx.color();

  const auto frame = [&](std::size_t width, bool for_watch) -> core::Result<std::string> {
    EC2DL_TRY_ASSIGN(auto* session, link.session());
    // Only what is shown is read: the newest N for -n, the ids asked for.
    std::vector<std::int64_t> ids;
    for (const auto& text : options.jobs) {
      const auto ref = remote::parse_job_ref(text);
      if (!ref.id || *ref.id < 0) {
        ids.clear();  // a name: every job must be read to find it
        break;
      }
      ids.push_back(*ref.id);
    }
    const std::size_t newest =
        options.jobs.empty() && options.last > 0 ? static_cast<std::size_t>(options.last) : 0;
    EC2DL_TRY_ASSIGN(const auto listing, jobs::list(*session, base, ids, options.all, newest));
    EC2DL_TRY_ASSIGN(const auto jobs, select(listing, options));
    if (global.json) {
      return render_json(listing, jobs, options.all) + "\n";
    }
    auto text = render_table(listing, jobs, options.all, color, width);
    if (jobs.empty() && (for_watch || !global.quiet)) {
      text = fmt::format("No jobs on {} yet.\n", session->target().display()) + text;
    }
    return text;
  };

  if (!options.watch.given) {
    EC2DL_TRY_ASSIGN(auto text, frame(ctx.stdout_tty() ? terminal_width() : 0, false));
    if (!global.json && text.starts_with("No jobs on ")) {
      // The notice belongs on stderr; stdout keeps only data.
      const auto nl = text.find('\n');
      fmt::print(stderr, "ec2dl: {}\n", text.substr(0, nl));
      text.erase(0, nl + 1);
    }
    fmt::print("{}", text);
    return core::k_exit_ok;
  }

  bool shown = false;
  auto watch = watch_options(ctx, "ps", interval, link, &shown);
  return ui::run_watch(watch, [&]() -> core::Result<std::string> {
    auto text = frame(0, true);
    shown = shown || text.has_value();
    return text;
  });
}

}  // namespace ec2dl::cli::ps_cmd
