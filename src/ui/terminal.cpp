#include "ec2dl/ui/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace ec2dl::ui {

std::optional<TerminalSize> terminal_size(int fd) {
  winsize ws{};
  if (::isatty(fd) != 1 || ::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) {
    return std::nullopt;
  }
  return TerminalSize{ws.ws_col, ws.ws_row};
}

}  // namespace ec2dl::ui
