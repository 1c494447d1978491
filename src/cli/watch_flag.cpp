#include "ec2dl/cli/watch_flag.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

void add_watch_option(CLI::App& app, WatchFlag& flag) {
  app.add_option_function<std::vector<std::string>>(
         "--watch",
         [&flag](const std::vector<std::string>& values) {
           flag.given = true;
           flag.value = values.empty() ? std::string() : values.front();
         },
         "Redraw every SECS seconds (default 2) over one connection; q or Ctrl-C quits")
      ->expected(0, 1)
      ->type_name("[SECS]");
}

core::Result<double> watch_interval(const WatchFlag& flag, std::string_view command) {
  if (flag.value.empty()) {
    return 2.0;
  }
  const auto secs = util::parse_double(flag.value);
  if (!secs || *secs < 0.1 || *secs > 86400) {
    return core::fail(
        core::ErrorKind::usage,
        fmt::format("{}: --watch takes seconds from 0.1 to 86400, not '{}'", command, flag.value),
        fmt::format("e.g. 'ec2dl {} --watch 5'", command));
  }
  return *secs;
}

ui::WatchOptions watch_options(core::Context& ctx, std::string_view command, double interval_s,
                               ssh::Reconnector& link, const bool* shown_a_frame) {
  ui::WatchOptions w;
  w.interval_s = interval_s;
  const auto target = ctx.target();
  w.title = fmt::format("ec2dl {} - {}", command, target ? target->display() : "");
  const bool json = ctx.options().json;
  w.terminal = ctx.stdout_tty() && !json;
  w.bare = json;
  w.color = w.terminal && ctx.color();
  w.wait = [&link](int fd, int timeout_ms) { return link.wait(fd, timeout_ms); };
  // Every failed frame or wait passes through here. A lost connection is reopened by a later
  // frame (the header says so meanwhile); only a watch that never showed a frame ends on it.
  w.fatal = [&link, shown_a_frame](const core::Error& e) {
    link.failed(e);
    return shown_a_frame != nullptr && !*shown_a_frame;
  };
  w.report = [](const core::Error& e) { return report(e); };
  return w;
}

}  // namespace ec2dl::cli
