#include "ec2dl/cli/commands/gpu.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/monitor/gpu.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ui/style.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/ui/watch.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::gpu_cmd {

namespace {

constexpr double k_history_window_s = 300;  // what the watch's sparklines cover

// `nvidia-smi` as the server prints it; its status folded into 0/1 like every gpu failure.
// For a terminal, control characters are replaced as everywhere else (the server's bytes
// must not retitle the window, write the clipboard or clear the screen); for a pipe or a
// file, the bytes are passed as they are.
core::Result<std::string> raw_sample(ssh::Session& session, bool terminal) {
  const auto marker = monitor::new_marker();
  EC2DL_TRY_ASSIGN(auto captured, ssh::capture(session, monitor::gpu_raw_command(marker)));
  if (auto missing = monitor::gpu_raw_error(captured.out, marker)) {
    return std::unexpected(*missing);
  }
  if (captured.status.shell_status() != 0) {
    auto out = captured.out + captured.err;
    return core::fail(core::ErrorKind::remote,
                      fmt::format("nvidia-smi failed (status {}): {}",
                                  captured.status.shell_status(), util::trim(out)));
  }
  if (terminal) {
    return util::sanitize_text_for_terminal(captured.out);
  }
  return std::move(captured.out);
}

std::size_t stdout_width(const core::Context& ctx) {
  if (!ctx.stdout_tty()) {
    return 0;
  }
  return ui::terminal_size(STDOUT_FILENO).value_or(ui::TerminalSize{}).cols;
}

constexpr std::string_view k_dash = "\u2013";  // shown for an unknown value
constexpr std::size_t k_spark_width = 30;

std::string number(std::optional<double> v, std::string_view unit = "") {
  if (!v) {
    return std::string(k_dash);
  }
  return fmt::format("{:.0f}{}", *v, unit);
}

}  // namespace

History::History(double window_s, double interval_s)
    : m_capacity(static_cast<std::size_t>(
          std::clamp(std::ceil(window_s / std::max(interval_s, 0.01)), 1.0, 3600.0))),
      m_window_s(window_s) {}

void History::add(const monitor::GpuSnapshot& snapshot) {
  for (const auto& g : snapshot.gpus) {
    if (!g.uuid.empty() && !m_series.contains(g.uuid)) {
      m_series.emplace(g.uuid, Series{ui::SampleWindow(m_capacity), ui::SampleWindow(m_capacity)});
    }
  }
  for (auto& [uuid, series] : m_series) {
    const auto it = std::find_if(snapshot.gpus.begin(), snapshot.gpus.end(),
                                 [&](const remote::GpuInfo& g) { return g.uuid == uuid; });
    if (it == snapshot.gpus.end()) {
      series.utilization.add(std::nullopt);
      series.memory_pct.add(std::nullopt);
    } else {
      series.utilization.add(it->utilization_gpu_pct);
      series.memory_pct.add(monitor::memory_pct(*it));
    }
  }
}

std::string History::utilization(const std::string& uuid, std::size_t width) const {
  const auto it = m_series.find(uuid);
  return it == m_series.end() ? std::string() : it->second.utilization.render(width, 0, 100);
}

std::string History::memory(const std::string& uuid, std::size_t width) const {
  const auto it = m_series.find(uuid);
  return it == m_series.end() ? std::string() : it->second.memory_pct.render(width, 0, 100);
}

std::string History::span() const {
  return ui::format_interval(std::round(m_window_s));
}

std::string render(const monitor::GpuSnapshot& snapshot, const RenderOptions& options) {
  std::string out;
  const std::string driver = snapshot.gpus.empty() ? "" : snapshot.gpus.front().driver_version;
  out += fmt::format("{}  {} GPU{}{}\n", util::sanitize_for_terminal(snapshot.host),
                     snapshot.gpus.size(), snapshot.gpus.size() == 1 ? "" : "s",
                     driver.empty() ? "" : "  driver " + util::sanitize_for_terminal(driver));
  if (snapshot.gpus.empty()) {
    return out;
  }

  const auto* h = options.history;
  std::vector<ui::Column> columns = {
      {"GPU", ui::Align::right}, {"NAME"}, {"UTIL", ui::Align::right}};
  if (h != nullptr) {
    columns.push_back({"UTIL " + h->span()});
  }
  columns.push_back({"MEMORY"});
  if (h != nullptr) {
    columns.push_back({"MEM " + h->span()});
  }
  columns.push_back({"TEMP", ui::Align::right});
  columns.push_back({"POWER", ui::Align::right});
  ui::Table gpus(columns);
  for (const auto& g : snapshot.gpus) {
    const bool busy_with_work =
        std::any_of(snapshot.processes.begin(), snapshot.processes.end(),
                    [&](const monitor::GpuProcess& p) { return p.app.gpu_uuid == g.uuid; });
    auto util_color = ui::Color::none;
    if (g.utilization_gpu_pct) {
      if (*g.utilization_gpu_pct >= 50) {
        util_color = ui::Color::green;
      } else if (busy_with_work && *g.utilization_gpu_pct < 10) {
        util_color = ui::Color::yellow;  // a process holds the GPU but it does little: stalled?
      }
    }
    std::string memory = std::string(k_dash);
    auto memory_color = ui::Color::none;
    if (const auto pct = monitor::memory_pct(g)) {
      memory = fmt::format("{} {:.0f} / {:.0f} MiB", ui::bar(*pct / 100.0, 10), *g.memory_used_mib,
                           *g.memory_total_mib);
      memory_color = ui::level_color(*pct, 80, 95);
    } else if (g.memory_used_mib || g.memory_total_mib) {
      memory = fmt::format("{} / {} MiB", number(g.memory_used_mib), number(g.memory_total_mib));
    }
    std::string power = std::string(k_dash);
    if (g.power_draw_w && g.power_limit_w) {
      power = fmt::format("{:.0f} / {:.0f} W", *g.power_draw_w, *g.power_limit_w);
    } else if (g.power_draw_w || g.power_limit_w) {
      power = fmt::format("{} / {} W", number(g.power_draw_w), number(g.power_limit_w));
    }
    std::vector<ui::Cell> row = {
        number(g.index.transform([](int i) { return static_cast<double>(i); })),
        g.name.empty() ? std::string(k_dash) : g.name,
        ui::Cell(number(g.utilization_gpu_pct, "%"), util_color)};
    if (h != nullptr) {
      row.emplace_back(h->utilization(g.uuid, k_spark_width), util_color);
    }
    row.emplace_back(memory, memory_color);
    if (h != nullptr) {
      row.emplace_back(h->memory(g.uuid, k_spark_width), memory_color);
    }
    row.emplace_back(number(g.temperature_c, "\u00b0C"),
                     g.temperature_c ? ui::level_color(*g.temperature_c, 80, 90) : ui::Color::none);
    row.emplace_back(power);
    gpus.add_row(std::move(row));
  }
  out += gpus.render(options.color);
  out += '\n';

  if (snapshot.processes.empty()) {
    out += "No compute processes.\n";
    return out;
  }
  ui::Table procs({{"GPU", ui::Align::right},
                   {"PID", ui::Align::right},
                   {"USER"},
                   {"JOB"},
                   {"GPU MEM", ui::Align::right},
                   {"COMMAND"}});
  for (const auto& p : snapshot.processes) {
    procs.add_row({
        p.gpu_index ? std::to_string(*p.gpu_index) : std::string("?"),
        p.app.pid ? std::to_string(*p.app.pid) : std::string(k_dash),
        p.user.empty() ? std::string(k_dash) : p.user,
        ui::Cell(p.job_id.empty() ? std::string(k_dash) : p.job_id,
                 p.job_id.empty() ? ui::Color::none : ui::Color::cyan),
        number(p.app.used_memory_mib, " MiB"),
        p.app.process_name.empty() ? std::string(k_dash) : p.app.process_name,
    });
  }
  out += procs.render(options.color, options.width);
  return out;
}

void setup(CLI::App& app, Options& options) {
  app.add_flag("--raw", options.raw,
               "Show plain nvidia-smi output instead (control characters replaced on a terminal)");
  add_watch_option(app, options.watch);
  app.footer(
      "Shows every GPU (utilisation, memory, temperature, power) and every compute process\n"
      "with its owner and ec2dl job, from one nvidia-smi query. Unknown values show as '–'\n"
      "(null in --json).\n"
      "Examples:\n"
      "  ec2dl gpu\n"
      "  ec2dl gpu --watch          # redraw every 2 s, with a 5-minute sparkline per GPU\n"
      "  ec2dl gpu --watch 10 > gpu.log\n"
      "  ec2dl gpu --json | jq '.gpus[] | {index, utilization_gpu_pct}'\n"
      "  ec2dl gpu --raw\n"
      "Exits 1 when the server has no nvidia-smi or nvidia-smi fails (no driver, no GPU).");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  // Every problem with the arguments, reported together before connecting.
  std::vector<core::Error> errors;
  if (options.raw && ctx.options().json) {
    errors.emplace_back(core::ErrorKind::usage, "gpu: give either --raw or --json");
  }
  double interval = 0;
  if (options.watch.given) {
    if (auto secs = watch_interval(options.watch, "gpu")) {
      interval = *secs;
    } else {
      errors.push_back(secs.error());
    }
  }
  if (!errors.empty()) {
    return report_all(errors);
  }
  auto link = make_monitor_link(ctx);
  EC2DL_TRY_ASSIGN(auto* session, link.session());
  const auto remote_dir = ctx.remote_dir();

  if (!options.watch.given) {
    if (options.raw) {
      EC2DL_TRY_ASSIGN(const auto out, raw_sample(*session, ctx.stdout_tty()));
      util::write_all(STDOUT_FILENO, out);
      return core::k_exit_ok;
    }
    EC2DL_TRY_ASSIGN(const auto snapshot, monitor::sample_gpus(*session, remote_dir));
    const auto text =
        ctx.options().json
            ? monitor::json_text(monitor::to_json(snapshot), true)
            : render(snapshot,
                     {.color = ctx.color(), .width = stdout_width(ctx), .history = nullptr});
    util::write_all(STDOUT_FILENO, text);
    return core::k_exit_ok;
  }

  bool shown = false;
  History history(k_history_window_s, interval);
  auto watch = watch_options(ctx, "gpu", interval, link, &shown);
  return ui::run_watch(watch, [&]() -> core::Result<std::string> {
    EC2DL_TRY_ASSIGN(auto* s, link.session());
    if (options.raw) {
      auto out = raw_sample(*s, watch.terminal);
      shown = shown || out.has_value();
      return out;
    }
    EC2DL_TRY_ASSIGN(const auto snapshot, monitor::sample_gpus(*s, remote_dir));
    shown = true;
    if (ctx.options().json) {
      return monitor::json_text(monitor::to_json(snapshot), false);
    }
    history.add(snapshot);
    const auto width =
        watch.terminal ? ui::terminal_size(STDOUT_FILENO).value_or(ui::TerminalSize{}).cols : 0;
    return render(snapshot, {.color = watch.color, .width = width, .history = &history});
  });
}

}  // namespace ec2dl::cli::gpu_cmd
