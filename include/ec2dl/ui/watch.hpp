#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"

namespace ec2dl::ui {

struct WatchOptions {
  double interval_s = 2.0;  // time from the start of one frame to the start of the next
  std::string title;        // shown in the header, e.g. "ec2dl gpu - user@host:22"
  bool color = false;       // colours allowed (a terminal, no NO_COLOR / --no-color)
  bool terminal = false;    // stdout is a terminal: redraw in place; else print frames
  bool bare = false;        // not a terminal: frames only, without separator lines (JSON lines)

  // Waits up to timeout_ms for `fd` to become readable and returns whether it is, doing the
  // connection's housekeeping meanwhile: pass the session's poll_with_fd so its keepalive
  // runs between frames. Unset: a plain poll(2). An error of kind interrupted ends the
  // watch like Ctrl-C; other errors are handled like a failed frame.
  std::function<core::Result<bool>(int fd, int timeout_ms)> wait;

  // Which errors of a frame (or of `wait`) end the watch. Unset: none; each is shown (in the
  // header on a terminal, on stderr otherwise) and the watch goes on with the next frame.
  std::function<bool(const core::Error&)> fatal;
  // Called with a fatal error once the terminal is restored; prints it and returns the exit
  // status of the watch. Unset: the error's own exit status, nothing printed.
  std::function<int(const core::Error&)> report;
};

// Produces one frame of text (ending in '\n'); may use colours when options.color.
using FrameFn = std::function<core::Result<std::string>()>;

// Shows a frame every interval until q or Ctrl-C (exit status 0), SIGTERM or SIGHUP (130,
// interrupted), or a fatal error (options.report's status). On a terminal: the alternate screen,
// redrawn in place without scrolling or flicker (lines cut to the width, the frame cut to the
// height), a header with the title, the time and the interval, keys read without echo, and the
// terminal restored on every way out. Not a terminal: each frame after a blank line and a timestamp
// line, so it can be logged (or, with `bare`, the frames alone); a reader that goes away (EPIPE)
// ends the watch with status 0.
int run_watch(const WatchOptions& options, const FrameFn& frame);

// The building blocks of run_watch, pure, for tests.

// Cuts one line to `cols` display columns. ANSI escape sequences are kept and not counted;
// a colour left open by the cut is closed.
std::string fit_line(std::string_view line, std::size_t cols);

// The bytes that redraw a whole screen of `cols` x `rows` in place: cursor home, each line
// of `text` fitted to the width and cleared to its end, at most `rows` lines (the last one
// saying how many were left out), then the rest of the screen cleared.
std::string render_screen(std::string_view text, std::size_t cols, std::size_t rows);

// The header shown above each frame on a terminal: the title, the interval, the time of the
// last good frame and the key to quit, and a second line with `error` when the last update
// failed. Ends with a blank line.
std::string watch_header(const WatchOptions& options, std::int64_t shown_epoch,
                         std::string_view error, bool color);

// The line before each frame when not on a terminal: "--- 2026-11-27T10:04:43Z TITLE ---".
std::string log_separator(const WatchOptions& options, std::int64_t epoch);

// "2s", "0.5s", "1m30s": an interval for headers.
std::string format_interval(double seconds);

}  // namespace ec2dl::ui
