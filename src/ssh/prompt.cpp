#include "ec2dl/ssh/prompt.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "ec2dl/util/fs.hpp"

namespace ec2dl::ssh {

bool terminal_available() {
  util::UniqueFd fd(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  return fd.valid();
}

std::optional<std::string> prompt_terminal(const std::string& prompt, bool secret) {
  util::UniqueFd fd(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    return std::nullopt;
  }
  termios saved{};
  const bool have_termios = ::tcgetattr(fd.get(), &saved) == 0;
  if (secret && have_termios) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(fd.get(), TCSAFLUSH, &quiet);
  }
  util::write_all(fd.get(), prompt);
  std::string line;
  bool ok = false;
  while (true) {
    char c = 0;
    const ssize_t n = ::read(fd.get(), &c, 1);
    if (n < 0 && errno == EINTR) {
      break;  // Ctrl-C while asking: give up
    }
    if (n <= 0) {
      break;
    }
    if (c == '\n' || c == '\r') {
      ok = true;
      break;
    }
    line += c;
    if (line.size() > 4096) {
      break;
    }
  }
  if (secret && have_termios) {
    ::tcsetattr(fd.get(), TCSAFLUSH, &saved);
  }
  if (!ok) {
    // Scrub what was typed before dropping it.
    for (auto& ch : line) {
      ch = '\0';
    }
    return std::nullopt;
  }
  return line;
}

}  // namespace ec2dl::ssh
