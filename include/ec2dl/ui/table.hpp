#pragma once

#include <string>
#include <vector>

#include "ec2dl/ui/style.hpp"

namespace ec2dl::ui {

enum class Align { left, right };

struct Column {
  std::string header;
  Align align = Align::left;
  std::size_t max_width = 0;  // 0: as wide as the widest cell; longer cells end in "…"
};

struct Cell {
  std::string text;
  Color color = Color::none;
  Cell() = default;
  Cell(std::string t, Color c = Color::none) : text(std::move(t)), color(c) {}  // NOLINT
  Cell(const char* t) : text(t) {}                                              // NOLINT
};

// A text table: a header row and aligned columns separated by two spaces. Cell text is
// sanitized (control characters and invalid UTF-8 become '?'), so whatever a server sends
// cannot move the cursor or change the terminal.
class Table {
 public:
  explicit Table(std::vector<Column> columns);
  void add_row(std::vector<Cell> cells);
  std::size_t rows() const { return m_rows.size(); }

  // Renders with a trailing newline per row; colours only when `color`. When `width` > 0,
  // the last column is cut so lines fit.
  std::string render(bool color, std::size_t width = 0) const;

 private:
  std::vector<Column> m_columns;
  std::vector<std::vector<Cell>> m_rows;
};

// "[#####.....]" of `width` cells for a fraction 0..1 (clamped).
std::string bar(double fraction, std::size_t width);

// "1.5 GiB", "512 MiB", "37 KiB", "12 B": binary units, one decimal under 10.
std::string human_bytes(double bytes);

}  // namespace ec2dl::ui
