#include "ec2dl/ui/style.hpp"

namespace ec2dl::ui {

std::string paint(std::string_view text, Color color, bool enabled) {
  if (!enabled || color == Color::none) {
    return std::string(text);
  }
  const char* code = "";
  switch (color) {
    case Color::red:
      code = "\x1b[31m";
      break;
    case Color::green:
      code = "\x1b[32m";
      break;
    case Color::yellow:
      code = "\x1b[33m";
      break;
    case Color::blue:
      code = "\x1b[34m";
      break;
    case Color::magenta:
      code = "\x1b[35m";
      break;
    case Color::cyan:
      code = "\x1b[36m";
      break;
    case Color::gray:
      code = "\x1b[90m";
      break;
    case Color::bold:
      code = "\x1b[1m";
      break;
    case Color::none:
      break;
  }
  return std::string(code) + std::string(text) + "\x1b[0m";
}

Color level_color(double percent, double warn, double crit) {
  if (percent >= crit) {
    return Color::red;
  }
  if (percent >= warn) {
    return Color::yellow;
  }
  return Color::green;
}

}  // namespace ec2dl::ui
