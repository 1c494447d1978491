#pragma once

#include <string>
#include <string_view>

namespace ec2dl::ui {

enum class Color { none, red, green, yellow, blue, magenta, cyan, gray, bold };

// Wraps `text` in the ANSI sequence for `color` when `enabled`; plain text otherwise.
std::string paint(std::string_view text, Color color, bool enabled);

// Picks a threshold colour for a percentage: green below warn, yellow below crit, red above.
Color level_color(double percent, double warn = 70.0, double crit = 90.0);

}  // namespace ec2dl::ui
