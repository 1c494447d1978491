#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/context.hpp"
#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ui/watch.hpp"

namespace CLI {
class App;
}

namespace ec2dl::cli {

// `--watch [SECS]` as given on the command line.
struct WatchFlag {
  bool given = false;
  std::string value;  // "" when given without a value
};

// Declares `--watch [SECS]` (optional value, default 2 seconds) on a subcommand.
void add_watch_option(CLI::App& app, WatchFlag& flag);

// The interval of a watch: 2 when no value was given; a usage error unless 0.1 <= SECS <= 86400.
core::Result<double> watch_interval(const WatchFlag& flag, std::string_view command);

// The watch settings of a monitoring command over `link`: a title naming the command and the
// server, colour and in-place redraw on a terminal (JSON: one document per line instead), the
// session's keepalive between frames; a link lost after the first frame is reconnected (the
// watch says so and goes on); a failure before any frame was shown ends the watch, reported
// with cli::report's message and status.
ui::WatchOptions watch_options(core::Context& ctx, std::string_view command, double interval_s,
                               ssh::Reconnector& link, const bool* shown_a_frame);

}  // namespace ec2dl::cli
