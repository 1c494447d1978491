#include "ec2dl/cli/gpu.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/monitor/gpu.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::gpu_cmd {

namespace {

constexpr double k_history_window_s = 300;  // what the watch's sparklines cover

// `nvidia-smi` as the server prints it; its status folded into 0/1 like every gpu failure.
core::Result<std::string> raw_sample(ssh::Session& session) {
  const auto marker = monitor::new_marker();
  auto captured = ssh::capture(session, monitor::gpu_raw_command(marker));
  if (!captured) {
    return std::unexpected(captured.error());
  }
  if (auto missing = monitor::gpu_raw_error(captured->out, marker)) {
    return std::unexpected(*missing);
  }
  if (captured->status.shell_status() != 0) {
    auto out = captured->out + captured->err;
    return core::fail(core::ErrorKind::remote,
                      fmt::format("nvidia-smi failed (status {}): {}",
                                  captured->status.shell_status(), util::trim(out)));
  }
  return captured->out;
}

std::size_t stdout_width(const core::Context& ctx) {
  if (!ctx.stdout_tty()) {
    return 0;
  }
  return ui::terminal_size(STDOUT_FILENO).value_or(ui::TerminalSize{}).cols;
}

}  // namespace

void setup(CLI::App& app, Options& options) {
  app.add_flag("--raw", options.raw, "Show plain nvidia-smi output instead");
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

int run(const Options& options, core::Context& ctx) {
  if (options.raw && ctx.options().json) {
    return report(core::Error(core::ErrorKind::usage, "gpu: give either --raw or --json"));
  }
  double interval = 0;
  if (options.watch.given) {
    auto secs = watch_interval(options.watch, "gpu");
    if (!secs) {
      return report(secs.error());
    }
    interval = *secs;
  }
  monitor::Link link([&ctx] { return connect(ctx); });
  auto session = link.session();
  if (!session) {
    return report(session.error());
  }
  const auto remote_dir = ctx.remote_dir();

  if (!options.watch.given) {
    if (options.raw) {
      auto out = raw_sample(**session);
      if (!out) {
        return report(out.error());
      }
      util::write_all(STDOUT_FILENO, *out);
      return core::k_exit_ok;
    }
    auto snapshot = monitor::sample_gpus(**session, remote_dir);
    if (!snapshot) {
      return report(snapshot.error());
    }
    const auto text = ctx.options().json
                          ? monitor::json_text(monitor::to_json(*snapshot), true)
                          : monitor::render_gpus(*snapshot, {.color = ctx.color(),
                                                             .width = stdout_width(ctx),
                                                             .history = nullptr});
    util::write_all(STDOUT_FILENO, text);
    return core::k_exit_ok;
  }

  bool shown = false;
  monitor::GpuHistory history(k_history_window_s, interval);
  auto watch = watch_options(ctx, "gpu", interval, link, &shown);
  return ui::run_watch(watch, [&]() -> core::Result<std::string> {
    auto s = link.session();
    if (!s) {
      return std::unexpected(s.error());
    }
    if (options.raw) {
      auto out = raw_sample(**s);
      shown = shown || out.has_value();
      return out;
    }
    auto snapshot = monitor::sample_gpus(**s, remote_dir);
    if (!snapshot) {
      return std::unexpected(snapshot.error());
    }
    shown = true;
    if (ctx.options().json) {
      return monitor::json_text(monitor::to_json(*snapshot), false);
    }
    history.add(*snapshot);
    const auto width =
        watch.terminal ? ui::terminal_size(STDOUT_FILENO).value_or(ui::TerminalSize{}).cols : 0;
    return monitor::render_gpus(*snapshot,
                                {.color = watch.color, .width = width, .history = &history});
  });
}

}  // namespace ec2dl::cli::gpu_cmd
