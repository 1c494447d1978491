#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace ec2dl::ui {

// One character per value: "▁▂▃▄▅▆▇█" from `lo` to `hi` (clamped), a space for an unknown
// value, so a flat line at the bottom reads as idle and a gap as "no data".
std::string sparkline(const std::vector<std::optional<double>>& values, double lo, double hi);

// The samples of one quantity over a sliding window, drawn as a sparkline of at most `width`
// cells: consecutive samples share a cell (their mean) when the window holds more samples
// than cells. Cells are fixed to sample numbers, so they do not shift as samples arrive.
class SampleWindow {
 public:
  // Keeps the last `capacity` samples (at least 1).
  explicit SampleWindow(std::size_t capacity = 150) : m_capacity(capacity > 0 ? capacity : 1) {}

  void add(std::optional<double> value);
  std::size_t size() const { return m_values.size(); }
  std::string render(std::size_t width, double lo, double hi) const;

 private:
  std::size_t m_capacity;
  std::uint64_t m_next = 0;  // number of the next sample
  std::deque<std::optional<double>> m_values;
};

}  // namespace ec2dl::ui
