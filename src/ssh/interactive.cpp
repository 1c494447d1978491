#include "ec2dl/ssh/interactive.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/util/fs.hpp"

namespace ec2dl::ssh {

using core::ErrorKind;
using core::fail;

namespace {

termios g_saved{};
volatile sig_atomic_t g_raw = 0;
int g_winch_pipe[2] = {-1, -1};

// Async-signal-safe: restores the saved terminal settings.
void restore_terminal() {
  if (g_raw != 0) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
    g_raw = 0;
  }
}

void on_winch(int /*sig*/) {
  const int saved = errno;
  const char b = 1;
  [[maybe_unused]] auto n = ::write(g_winch_pipe[1], &b, 1);
  errno = saved;
}

// Puts the local terminal in raw mode for its lifetime; restores it on every exit path,
// including SIGTERM/SIGHUP (through the interrupt hook) and exit() (through atexit).
class RawTerminal {
 public:
  RawTerminal() {
    if (::tcgetattr(STDIN_FILENO, &g_saved) != 0) {
      return;
    }
    static bool registered = false;
    if (!registered) {
      std::atexit(restore_terminal);
      registered = true;
    }
    core::set_interrupt_hook(restore_terminal);
    termios raw = g_saved;
    ::cfmakeraw(&raw);
    g_raw = 1;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  }
  ~RawTerminal() {
    restore_terminal();
    core::set_interrupt_hook(nullptr);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
};

class WinchWatch {
 public:
  WinchWatch() {
    if (::pipe2(g_winch_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
      g_winch_pipe[0] = g_winch_pipe[1] = -1;
      return;
    }
    struct sigaction sa {};
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGWINCH, &sa, &m_old);
  }
  ~WinchWatch() {
    ::sigaction(SIGWINCH, &m_old, nullptr);
    for (int& fd : g_winch_pipe) {
      if (fd >= 0) {
        ::close(fd);
        fd = -1;
      }
    }
  }
  int fd() const { return g_winch_pipe[0]; }
  bool fired() {
    char buf[64];
    bool any = false;
    while (g_winch_pipe[0] >= 0 && ::read(g_winch_pipe[0], buf, sizeof buf) > 0) {
      any = true;
    }
    return any;
  }
  WinchWatch(const WinchWatch&) = delete;
  WinchWatch& operator=(const WinchWatch&) = delete;

 private:
  struct sigaction m_old {};
};

void window_size(int* cols, int* rows) {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    *cols = ws.ws_col;
    *rows = ws.ws_row;
  }
}

}  // namespace

core::Result<ExitStatus> run_interactive(Session& session, const std::string& command) {
  if (::isatty(STDIN_FILENO) != 1 || ::isatty(STDOUT_FILENO) != 1) {
    return fail(ErrorKind::usage, "this needs a terminal: stdin and stdout must be a tty",
                "run it from an interactive shell, or use 'ec2dl exec' for scripts");
  }
  PtyOptions pty;
  if (const char* term = std::getenv("TERM"); term != nullptr && term[0] != '\0') {
    pty.term = term;
  }
  window_size(&pty.cols, &pty.rows);

  int local_error = 0;
  auto on_data = [&](std::string_view data, bool is_stderr) {
    if (local_error == 0) {
      local_error = util::write_all(is_stderr ? STDERR_FILENO : STDOUT_FILENO, data);
    }
  };
  EC2DL_TRY_ASSIGN(auto channel, command.empty() ? Channel::shell(session, on_data, pty)
                                                 : Channel::exec(session, command, on_data, &pty));

  WinchWatch winch;
  RawTerminal raw;
  std::string buffer(16384, '\0');
  bool stdin_open = true;
  while (!channel.closed()) {
    if (winch.fired()) {
      int cols = pty.cols;
      int rows = pty.rows;
      window_size(&cols, &rows);
      channel.change_pty_size(cols, rows);
    }
    bool ready = false;
    core::Result<bool> open = true;
    if (stdin_open) {
      // The winch pipe wakes the poll too, through the same fd trick.
      open = channel.pump_with_fd(STDIN_FILENO, 100, &ready);
    } else {
      open = channel.pump(100);
    }
    EC2DL_TRY(open);
    if (ready) {
      const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n > 0) {
        EC2DL_TRY(channel.write(std::string_view(buffer.data(), static_cast<size_t>(n))));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = false;
        EC2DL_TRY(channel.send_eof());
      }
    }
    if (local_error != 0) {
      return fail(ErrorKind::internal,
                  std::string("write to the terminal: ") + std::strerror(local_error));
    }
  }
  return channel.exit_status();
}

}  // namespace ec2dl::ssh
