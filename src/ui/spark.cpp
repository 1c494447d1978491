#include "ec2dl/ui/spark.hpp"

#include <algorithm>
#include <cmath>

namespace ec2dl::ui {

std::string sparkline(const std::vector<std::optional<double>>& values, double lo, double hi) {
  static constexpr const char* k_blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                             "\u2585", "\u2586", "\u2587", "\u2588"};
  std::string out;
  const double span = hi > lo ? hi - lo : 1.0;
  for (const auto& v : values) {
    if (!v || !std::isfinite(*v)) {
      out += ' ';
      continue;
    }
    const double f = std::clamp((*v - lo) / span, 0.0, 1.0);
    out += k_blocks[static_cast<std::size_t>(std::lround(f * 7.0))];
  }
  return out;
}

void SampleWindow::add(std::optional<double> value) {
  m_values.push_back(value);
  ++m_next;
  while (m_values.size() > m_capacity) {
    m_values.pop_front();
  }
}

std::string SampleWindow::render(std::size_t width, double lo, double hi) const {
  if (width == 0 || m_values.empty()) {
    return {};
  }
  const std::size_t per_cell = (m_capacity + width - 1) / width;
  // Group samples by cell number (sample number / per_cell), oldest first.
  std::vector<std::optional<double>> cells;
  std::uint64_t number = m_next - m_values.size();
  std::uint64_t cell = number / per_cell;
  double sum = 0;
  int known = 0;
  auto close_cell = [&]() {
    cells.push_back(known > 0 ? std::optional<double>(sum / known) : std::nullopt);
    sum = 0;
    known = 0;
  };
  for (const auto& v : m_values) {
    if (number / per_cell != cell) {
      close_cell();
      cell = number / per_cell;
    }
    if (v) {
      sum += *v;
      ++known;
    }
    ++number;
  }
  close_cell();
  if (cells.size() > width) {
    cells.erase(cells.begin(), cells.end() - static_cast<std::ptrdiff_t>(width));
  }
  return sparkline(cells, lo, hi);
}

}  // namespace ec2dl::ui
