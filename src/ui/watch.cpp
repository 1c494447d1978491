#include "ec2dl/ui/watch.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <vector>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/ui/style.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::ui {

namespace {

constexpr char k_enter_screen[] = "\x1b[?1049h\x1b[?25l";  // alternate screen, cursor hidden
constexpr char k_leave_screen[] = "\x1b[?25h\x1b[?1049l";
constexpr char k_sync_begin[] = "\x1b[?2026h";  // synchronized update (ignored where unknown)
constexpr char k_sync_end[] = "\x1b[?2026l";
constexpr int k_resize_check_ms = 250;

// What the signal handlers need to put the terminal back; set before g_active.
std::atomic<bool> g_active{false};
std::atomic<bool> g_redraw{false};
termios g_saved{};
termios g_cbreak{};
bool g_keys = false;  // stdin is the terminal and was put in cbreak mode

void write_raw(const char* s, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(STDOUT_FILENO, s, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) {
        continue;
      }
      return;
    }
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

// From the SIGINT/SIGTERM/SIGHUP handler: the keys go back to normal at once, even when the
// main loop is busy in a slow frame (async-signal-safe calls only).
void restore_keys_from_signal() {
  if (g_active.load() && g_keys) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
  }
}

// Ctrl-Z: leave the screen as it was, stop, and come back in place on SIGCONT.
void on_tstp(int /*sig*/) {
  const int saved_errno = errno;
  const bool active = g_active.load();
  if (active) {
    write_raw(k_leave_screen, sizeof k_leave_screen - 1);
    if (g_keys) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
    }
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  struct sigaction ours {};
  ::sigaction(SIGTSTP, &dfl, &ours);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTSTP);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(SIGTSTP);
  // Continued.
  ::sigaction(SIGTSTP, &ours, nullptr);
  if (active && g_active.load()) {
    if (g_keys) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &g_cbreak);
    }
    write_raw(k_enter_screen, sizeof k_enter_screen - 1);
    g_redraw.store(true);
  }
  errno = saved_errno;
}

// The terminal while a watch runs: alternate screen, hidden cursor, keys without echo or line
// editing (signals kept: Ctrl-C still interrupts). Restored by restore() or the destructor.
class Screen {
 public:
  explicit Screen(bool terminal) {
    if (!terminal) {
      return;
    }
    g_keys = false;
    if (::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &g_saved) == 0) {
      g_cbreak = g_saved;
      g_cbreak.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      g_cbreak.c_cc[VMIN] = 1;
      g_cbreak.c_cc[VTIME] = 0;
      g_keys = ::tcsetattr(STDIN_FILENO, TCSANOW, &g_cbreak) == 0;
    }
    g_redraw.store(false);
    g_active.store(true);
    core::set_interrupt_hook(restore_keys_from_signal);
    struct sigaction sa {};
    sa.sa_handler = on_tstp;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGTSTP, &sa, &m_old_tstp);
    write_raw(k_enter_screen, sizeof k_enter_screen - 1);
    m_active = true;
  }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;
  ~Screen() { restore(); }

  bool keys() const { return m_active && g_keys; }

  void restore() {
    if (!m_active) {
      return;
    }
    m_active = false;
    ::sigaction(SIGTSTP, &m_old_tstp, nullptr);
    write_raw(k_leave_screen, sizeof k_leave_screen - 1);
    if (g_keys) {
      ::tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved);
    }
    g_active.store(false);
    core::set_interrupt_hook(nullptr);
  }

 private:
  bool m_active = false;
  struct sigaction m_old_tstp {};
};

// Length of the escape sequence starting at s[i] (s[i] == ESC).
std::size_t escape_length(std::string_view s, std::size_t i) {
  if (i + 1 >= s.size()) {
    return 1;
  }
  if (s[i + 1] != '[') {
    return 2;
  }
  std::size_t j = i + 2;
  while (j < s.size()) {
    const auto c = static_cast<unsigned char>(s[j]);
    ++j;
    if (c >= 0x40 && c <= 0x7E) {
      break;
    }
  }
  return j - i;
}

}  // namespace

std::string fit_line(std::string_view line, std::size_t cols) {
  std::string out;
  std::size_t width = 0;
  bool color_open = false;
  bool cut = false;
  // Visible columns left after position i (to decide where "…" goes).
  auto rest_width = [&](std::size_t i) {
    std::size_t w = 0;
    while (i < line.size()) {
      if (line[i] == '\x1b') {
        i += escape_length(line, i);
        continue;
      }
      if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
        ++w;
      }
      ++i;
    }
    return w;
  };
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '\x1b') {
      const auto n = escape_length(line, i);
      const auto seq = line.substr(i, n);
      if (!seq.empty() && seq.back() == 'm') {
        color_open = !(seq == "\x1b[0m" || seq == "\x1b[m");
      }
      out.append(seq);
      i += n;
      continue;
    }
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) != 0x80) {
      if (width + 1 == cols && rest_width(i) > 1) {
        cut = true;
        break;
      }
      if (width == cols) {
        cut = true;
        break;
      }
      ++width;
    }
    out += line[i];
    ++i;
  }
  if (cut && cols > 0) {
    out += "\u2026";
  }
  if (color_open) {
    out += "\x1b[0m";
  }
  return out;
}

std::string render_screen(std::string_view text, std::size_t cols, std::size_t rows) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  rows = std::max<std::size_t>(rows, 1);
  std::string more;
  if (lines.size() > rows) {
    more = fmt::format("… {} more lines (a taller window shows them)", lines.size() - rows + 1);
    lines.resize(rows - 1);
  }
  std::string out = "\x1b[H";
  bool first = true;
  auto add = [&](std::string_view line) {
    if (!first) {
      out += '\n';
    }
    first = false;
    out += fit_line(line, cols);
    out += "\x1b[K";
  };
  for (const auto line : lines) {
    add(line);
  }
  if (!more.empty()) {
    add(more);
  }
  out += "\x1b[J";
  return out;
}

std::string format_interval(double seconds) {
  if (seconds < 60.0 || std::fmod(seconds, 1.0) != 0.0) {
    return fmt::format("{:g}s", seconds);
  }
  const auto s = static_cast<std::int64_t>(seconds);
  if (s % 3600 == 0) {
    return fmt::format("{}h", s / 3600);
  }
  if (s % 60 == 0 && s < 3600) {
    return fmt::format("{}m", s / 60);
  }
  return util::format_duration(s);
}

std::string watch_header(const WatchOptions& options, std::int64_t shown_epoch,
                         std::string_view error, bool color) {
  std::string when = shown_epoch > 0 ? util::local_time(shown_epoch) : "waiting for data";
  std::string out = paint(util::sanitize_for_terminal(options.title), Color::bold, color);
  out += fmt::format("   every {}   {}   q: quit\n", format_interval(options.interval_s), when);
  if (!error.empty()) {
    out += paint(fmt::format("update failed: {}", util::sanitize_for_terminal(error)), Color::red,
                 color);
    out += '\n';
  }
  out += '\n';
  return out;
}

std::string log_separator(const WatchOptions& options, std::int64_t epoch) {
  return fmt::format("--- {} {} ---\n", util::iso8601_utc(epoch),
                     util::sanitize_for_terminal(options.title));
}

int run_watch(const WatchOptions& options, const FrameFn& frame) {
  const auto interval_ms =
      std::max<std::int64_t>(1, std::llround(std::max(options.interval_s, 0.0) * 1000.0));
  Screen screen(options.terminal);
  bool keys = screen.keys();
  std::string shown;
  std::int64_t shown_epoch = 0;
  std::string error;
  bool first_logged = true;
  TerminalSize size = terminal_size(STDOUT_FILENO).value_or(TerminalSize{});

  auto fatal = [&](const core::Error& e) {
    return e.kind() != core::ErrorKind::interrupted && options.fatal && options.fatal(e);
  };
  auto finish = [&](const core::Error& e) {
    screen.restore();
    return options.report ? options.report(e) : e.exit_code();
  };
  // Draws the header and the last good frame; false when the terminal is gone.
  auto draw = [&]() {
    size = terminal_size(STDOUT_FILENO).value_or(size);
    std::string text = watch_header(options, shown_epoch, error, options.color) + shown;
    const auto bytes =
        std::string(k_sync_begin) + render_screen(text, size.cols, size.rows) + k_sync_end;
    return util::write_all(STDOUT_FILENO, bytes) == 0;
  };

  bool quit = false;
  while (!quit && !core::interrupted()) {
    const auto start = util::monotonic_ms();
    auto result = frame();
    if (core::interrupted()) {
      break;
    }
    if (result) {
      shown = std::move(*result);
      shown_epoch = util::now_epoch();
      error.clear();
    } else if (result.error().kind() == core::ErrorKind::interrupted) {
      break;
    } else if (fatal(result.error())) {
      return finish(result.error());
    } else {
      error = result.error().message();
    }

    if (options.terminal) {
      if (!draw()) {
        break;
      }
    } else if (result) {
      std::string out = shown;
      if (!options.bare) {
        out = (first_logged ? "" : "\n") + log_separator(options, shown_epoch) + shown;
      }
      first_logged = false;
      if (util::write_all(STDOUT_FILENO, out) != 0) {
        break;  // the reader went away (EPIPE) or the file cannot take more
      }
    } else {
      fmt::print(stderr, "ec2dl: warning: update failed: {}\n", util::sanitize_for_terminal(error));
      std::fflush(stderr);
    }

    // Until the next frame is due: keys, signals, resizes, and the connection's keepalive.
    // Keys are looked at once even when the frame took longer than the interval, or a q
    // would never be read while every frame is late.
    const auto deadline = start + interval_ms;
    bool plain_wait = !options.wait;
    bool looked = false;
    while (!quit) {
      const auto now = util::monotonic_ms();
      if ((now >= deadline && looked) || core::interrupted()) {
        break;
      }
      looked = true;
      auto slice = static_cast<int>(std::clamp<std::int64_t>(deadline - now, 0, k_resize_check_ms));
      const int fd = keys ? STDIN_FILENO : core::interrupt_fd();
      bool ready = false;
      if (!plain_wait) {
        auto waited = options.wait(fd, slice);
        if (!waited) {
          if (waited.error().kind() == core::ErrorKind::interrupted) {
            break;
          }
          if (fatal(waited.error())) {
            return finish(waited.error());
          }
          error = waited.error().message();
          plain_wait = true;  // for the rest of this interval
          if (options.terminal && !draw()) {
            quit = true;
          }
          continue;
        }
        ready = *waited && keys;
      } else {
        std::vector<pollfd> fds;
        if (keys) {
          fds.push_back({STDIN_FILENO, POLLIN, 0});
        }
        if (core::interrupt_fd() >= 0) {
          fds.push_back({core::interrupt_fd(), POLLIN, 0});
        }
        const int rc = ::poll(fds.data(), fds.size(), slice);
        ready = rc > 0 && keys && (fds[0].revents & (POLLIN | POLLHUP)) != 0;
      }
      if (core::interrupted()) {
        break;
      }
      if (ready) {
        char buf[64];
        const ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
          keys = false;  // the terminal hung up: only signals end the watch now
        }
        for (ssize_t k = 0; k < got; ++k) {
          if (buf[k] == 'q' || buf[k] == 'Q' || buf[k] == '\x03') {
            quit = true;
          }
        }
      }
      if (options.terminal && !quit) {
        const auto now_size = terminal_size(STDOUT_FILENO).value_or(size);
        if (g_redraw.exchange(false) || now_size.cols != size.cols || now_size.rows != size.rows) {
          if (!draw()) {
            quit = true;
          }
        }
      }
    }
  }
  screen.restore();
  // q and Ctrl-C are the normal ways out; a SIGTERM or SIGHUP stopped the watch from outside.
  const int signal = core::interrupt_signal();
  core::clear_interrupt();
  return signal == SIGTERM || signal == SIGHUP ? core::k_exit_interrupted : core::k_exit_ok;
}

}  // namespace ec2dl::ui
