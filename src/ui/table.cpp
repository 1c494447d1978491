#include "ec2dl/ui/table.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "ec2dl/util/strings.hpp"

namespace ec2dl::ui {

Table::Table(std::vector<Column> columns) : m_columns(std::move(columns)) {}

void Table::add_row(std::vector<Cell> cells) {
  cells.resize(m_columns.size());
  for (auto& c : cells) {
    c.text = util::sanitize_for_terminal(c.text);
  }
  m_rows.push_back(std::move(cells));
}

std::string Table::render(bool color, std::size_t width) const {
  const std::size_t n = m_columns.size();
  std::vector<std::size_t> widths(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    widths[i] = util::display_width(m_columns[i].header);
    for (const auto& row : m_rows) {
      widths[i] = std::max(widths[i], util::display_width(row[i].text));
    }
    if (m_columns[i].max_width > 0) {
      widths[i] = std::min(
          widths[i], std::max(m_columns[i].max_width, util::display_width(m_columns[i].header)));
    }
  }
  if (width > 0 && n > 0) {
    std::size_t used = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      used += widths[i] + 2;
    }
    if (used < width) {
      widths[n - 1] = std::min(widths[n - 1], width - used);
    } else {
      widths[n - 1] = std::min<std::size_t>(widths[n - 1], 8);
    }
  }
  auto line = [&](const std::vector<Cell>& cells, bool header) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      const auto text = util::truncate_display(cells[i].text, widths[i]);
      const auto pad = widths[i] - std::min(widths[i], util::display_width(text));
      const bool last = i + 1 == n;
      std::string padded;
      if (m_columns[i].align == Align::right) {
        padded = std::string(pad, ' ') + text;
      } else {
        padded = text + (last ? "" : std::string(pad, ' '));
      }
      out += paint(padded, header ? Color::bold : cells[i].color, color);
      if (!last) {
        out += "  ";
      }
    }
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
    }
    return out + "\n";
  };
  std::vector<Cell> header;
  for (const auto& c : m_columns) {
    header.emplace_back(c.header);
  }
  std::string out = line(header, true);
  for (const auto& row : m_rows) {
    out += line(row, false);
  }
  return out;
}

std::string bar(double fraction, std::size_t width) {
  if (!std::isfinite(fraction)) {
    fraction = 0;
  }
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto filled = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(width)));
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

std::string human_bytes(double bytes) {
  static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  while (std::abs(bytes) >= 1024.0 && unit + 1 < std::size(k_units)) {
    bytes /= 1024.0;
    ++unit;
  }
  if (unit == 0) {
    return fmt::format("{:.0f} B", bytes);
  }
  if (std::abs(bytes) < 10.0) {
    return fmt::format("{:.1f} {}", bytes, k_units[unit]);
  }
  return fmt::format("{:.0f} {}", bytes, k_units[unit]);
}

}  // namespace ec2dl::ui
