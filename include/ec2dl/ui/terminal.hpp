#pragma once

#include <cstddef>
#include <optional>

namespace ec2dl::ui {

struct TerminalSize {
  std::size_t cols = 80;
  std::size_t rows = 24;
};

// The size of the terminal on `fd`; nullopt when fd is not a terminal or has no size.
std::optional<TerminalSize> terminal_size(int fd);

}  // namespace ec2dl::ui
