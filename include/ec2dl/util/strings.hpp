#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec2dl::util {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
// Splits on a multi-character separator; "a, b" with ", " gives {"a", "b"}.
std::vector<std::string> split(std::string_view s, std::string_view sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);

// Parses a whole string as a base-10 integer; nullopt on anything else (sign allowed).
std::optional<std::int64_t> parse_int(std::string_view s);
std::optional<std::uint64_t> parse_uint(std::string_view s);
// Parses a whole string as a finite decimal number ("69.85"); nullopt otherwise.
std::optional<double> parse_double(std::string_view s);

// Replaces C0/C1 control characters, DEL, the bidirectional embedding, override and
// isolate controls (U+202A..U+202E, U+2066..U+2069) and invalid UTF-8 bytes with '?',
// keeping tabs when keep_tab is set, so text from a server can neither drive the local
// terminal nor reorder what is shown around it.
std::string sanitize_for_terminal(std::string_view s, bool keep_tab = false);

// sanitize_for_terminal for several lines: newlines and tabs are kept; a carriage return
// before a newline is dropped, any other becomes '?'.
std::string sanitize_text_for_terminal(std::string_view s);

// Whether a code point is a bidirectional formatting control: the marks (U+061C, U+200E,
// U+200F), embeddings and overrides (U+202A..U+202E) and isolates (U+2066..U+2069).
bool is_bidi_control(std::uint32_t cp);

// The code point of the valid UTF-8 sequence starting at s[i] and its length in bytes, or
// nullopt when the bytes there are not valid UTF-8 (overlong, surrogate, truncated).
struct CodePoint {
  std::uint32_t value;
  std::size_t length;
};
std::optional<CodePoint> decode_utf8(std::string_view s, std::size_t i);

// The number of terminal columns a sanitized string takes (UTF-8 code points; wide
// characters are not special-cased).
std::size_t display_width(std::string_view s);

// Shortens to at most `width` columns, ending with "…" when cut.
std::string truncate_display(std::string_view s, std::size_t width);

}  // namespace ec2dl::util
