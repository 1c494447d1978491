#include "ec2dl/remote/job_log.hpp"

#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

namespace {

// A line longer than this is printed in pieces, so a log without newlines cannot grow the
// client's memory.
constexpr std::size_t k_max_line = 1u << 20;

// Drops an incomplete UTF-8 character at the end (it may be completed by the next bytes).
std::string_view complete_utf8(std::string_view s) {
  std::size_t back = 0;
  while (back < s.size() && back < 4) {
    const auto c = static_cast<unsigned char>(s[s.size() - 1 - back]);
    if ((c & 0xC0) != 0x80) {
      std::size_t need = 1;
      if ((c & 0xE0) == 0xC0) {
        need = 2;
      } else if ((c & 0xF0) == 0xE0) {
        need = 3;
      } else if ((c & 0xF8) == 0xF0) {
        need = 4;
      }
      return back + 1 < need ? s.substr(0, s.size() - 1 - back) : s;
    }
    ++back;
  }
  return s;
}

}  // namespace

LogFilter::LogFilter(Mode mode, std::size_t width) : m_mode(mode), m_width(width) {}

void LogFilter::end_segment_if_cr() {
  if (m_after_cr) {
    m_segment.clear();
    m_after_cr = false;
  }
}

void LogFilter::append_text(char c) {
  end_segment_if_cr();
  const auto u = static_cast<unsigned char>(c);
  if (c == '\b') {
    // Backspace: progress meters that redraw by backing up.
    while (!m_segment.empty() && (static_cast<unsigned char>(m_segment.back()) & 0xC0) == 0x80) {
      m_segment.pop_back();
    }
    if (!m_segment.empty()) {
      m_segment.pop_back();
    }
    return;
  }
  if ((u < 0x20 && c != '\t') || u == 0x7f) {
    return;  // bells and other controls: nothing to show
  }
  m_segment += c;
}

std::string LogFilter::complete_line() {
  std::string out;
  if (m_shown) {
    out += '\r';
  }
  out += util::sanitize_for_terminal(m_segment, true);
  if (m_shown) {
    out += "\x1b[K";
  }
  out += '\n';
  m_segment.clear();
  m_after_cr = false;
  m_shown = false;
  m_shown_text.clear();
  return out;
}

std::string LogFilter::feed(std::string_view bytes) {
  if (m_mode == Mode::raw) {
    return std::string(bytes);
  }
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    switch (m_esc) {
      case Esc::esc:
        if (c == '[') {
          m_esc = Esc::csi;
        } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
          m_esc = Esc::str;
        } else if (u >= 0x20 && u <= 0x2f) {
          m_esc = Esc::intermediate;
        } else {
          m_esc = Esc::none;
        }
        continue;
      case Esc::csi:
        if (u >= 0x20 && u <= 0x3f) {
          continue;
        }
        m_esc = Esc::none;
        if (u >= 0x40 && u <= 0x7e) {
          continue;
        }
        break;  // not a CSI byte: treat it as text
      case Esc::intermediate:
        if (u >= 0x20 && u <= 0x2f) {
          continue;
        }
        m_esc = Esc::none;
        continue;
      case Esc::str:
        if (c == '\x07') {
          m_esc = Esc::none;
        } else if (c == '\x1b') {
          m_esc = Esc::str_esc;
        } else if (c == '\n') {
          m_esc = Esc::none;  // an unterminated string ends with its line
          break;
        }
        continue;
      case Esc::str_esc:
        m_esc = Esc::none;
        continue;
      case Esc::none:
        break;
    }
    if (c == '\x1b') {
      m_esc = Esc::esc;
    } else if (c == '\n') {
      out += complete_line();
    } else if (c == '\r') {
      m_after_cr = true;
    } else {
      append_text(c);
      if (m_segment.size() >= k_max_line) {
        out += complete_line();
      }
    }
  }
  if (m_mode == Mode::terminal) {
    // Only the start of the line fits on the row: look at no more than that, so a long line
    // arriving in small pieces costs the same for each piece, not more and more.
    const std::size_t visible = m_width > 1 ? m_width * 4 : 4096;
    auto text = util::sanitize_for_terminal(
        complete_utf8(std::string_view(m_segment).substr(0, visible)), true);
    if (m_width > 1) {
      text = util::truncate_display(text, m_width - 1);
    }
    if ((m_shown || !text.empty()) && text != m_shown_text) {
      out += '\r';
      out += text;
      out += "\x1b[K";
      m_shown = true;
      m_shown_text = std::move(text);
    }
  }
  return out;
}

std::string LogFilter::finish() {
  if (m_mode == Mode::raw) {
    return {};
  }
  m_esc = Esc::none;
  if (m_segment.empty() && !m_shown) {
    return {};
  }
  return complete_line();
}

std::optional<std::size_t> last_lines_start(std::string_view data, std::size_t n,
                                            bool at_file_start) {
  if (n == 0) {
    return data.size();
  }
  std::size_t end = data.size();
  if (end > 0 && data[end - 1] == '\n') {
    --end;  // the last line's own newline
  }
  std::size_t count = 0;
  for (std::size_t i = end; i > 0; --i) {
    if (data[i - 1] == '\n') {
      if (++count == n) {
        return i;
      }
    }
  }
  if (at_file_start) {
    return 0;
  }
  return std::nullopt;
}

}  // namespace ec2dl::remote
