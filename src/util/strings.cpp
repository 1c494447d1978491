#include "ec2dl/util/strings.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ec2dl::util {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(ws);
  return s.substr(first, last - first + 1);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::vector<std::string> split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    out.emplace_back(s);
    return out;
  }
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += parts[i];
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  if (s.front() == '+') {
    s.remove_prefix(1);
  }
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.front() == '+') {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_double(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  // Only plain decimals: digits, one optional sign, one optional dot.
  std::size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    i = 1;
  }
  bool digits = false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) {
    return std::nullopt;
  }
  const std::string copy(s);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<CodePoint> decode_utf8(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (c < 0x80) {
    return CodePoint{c, 1};
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + len > s.size()) {
    return std::nullopt;
  }
  std::uint32_t cp = c & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      return std::nullopt;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  return CodePoint{cp, len};
}

bool is_bidi_control(std::uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string sanitize_for_terminal(std::string_view s, bool keep_tab) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      out += (keep_tab && c == '\t') ? '\t' : '?';
      ++i;
      continue;
    }
    const auto cp = decode_utf8(s, i);
    // C1 controls (U+0080..U+009F) drive terminals too; the bidi embeddings, overrides and
    // isolates reorder the rest of the row. The marks (U+200E, ...) only nudge neutral
    // characters and stay.
    if (!cp || (cp->value >= 0x80 && cp->value <= 0x9F) ||
        (cp->value >= 0x202A && cp->value <= 0x202E) ||
        (cp->value >= 0x2066 && cp->value <= 0x2069)) {
      out += '?';
      i += cp ? cp->length : 1;
      continue;
    }
    out.append(s.substr(i, cp->length));
    i += cp->length;
  }
  return out;
}

std::string sanitize_text_for_terminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\n', start);
    const bool newline = end != std::string_view::npos;
    if (!newline) {
      end = s.size();
    }
    auto line = s.substr(start, end - start);
    if (newline && line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    out += sanitize_for_terminal(line, true);
    if (newline) {
      out += '\n';
    }
    start = end + 1;
  }
  return out;
}

std::size_t display_width(std::string_view s) {
  std::size_t width = 0;
  for (const char ch : s) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) {
      ++width;
    }
  }
  return width;
}

std::string truncate_display(std::string_view s, std::size_t width) {
  if (display_width(s) <= width) {
    return std::string(s);
  }
  if (width == 0) {
    return {};
  }
  std::string out;
  std::size_t cols = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (cols == width - 1) {
        break;
      }
      ++cols;
    }
    out += s[i];
  }
  out += "\u2026";
  return out;
}

}  // namespace ec2dl::util
