#pragma once

#include <functional>
#include <string>

#include "ec2dl/core/error.hpp"

namespace ec2dl::ui {

struct WatchOptions {
  double interval_s = 2.0;  // time between frames
  std::string title;        // shown in the header, e.g. "ec2dl gpu - user@host:22"
  bool color = false;       // colours allowed (a terminal, no NO_COLOR / --no-color)
  bool terminal = false;    // stdout is a terminal: redraw in place; else print frames
};

// Produces one frame of text (ending in '\n'); an error is shown in the header and the watch
// goes on (the caller decides when an error is fatal by returning it from `fatal`).
using FrameFn = std::function<core::Result<std::string>()>;

// Shows a frame every interval until q, Ctrl-C or SIGTERM (exit status 0). On a terminal:
// the alternate screen, redrawn in place without scrolling or flicker, a header with the
// title, the time and the interval, and the terminal restored on every way out. Not a
// terminal: each frame after a blank line and a timestamp line, so it can be logged.
int run_watch(const WatchOptions& options, const FrameFn& frame);

}  // namespace ec2dl::ui
