#include "ec2dl/util/json.hpp"

#include <fmt/format.h>

#include "ec2dl/util/strings.hpp"

namespace ec2dl::util {

namespace {

bool needs_escape(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || is_bidi_control(cp);
}

}  // namespace

std::string escape_json_controls(std::string text) {
  // dump() writes these characters only inside strings (the rest of the text is ASCII), so
  // replacing each by its escape keeps the document's meaning.
  std::size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) {
    ++i;
  }
  if (i == text.size()) {
    return text;
  }
  std::string out(text, 0, i);
  out.reserve(text.size() + 16);
  while (i < text.size()) {
    const auto cp = decode_utf8(text, i);
    if (!cp) {  // cannot happen after dump(..., replace); keep the byte rather than lose it
      out += text[i++];
      continue;
    }
    if (needs_escape(cp->value)) {
      out += fmt::format("\\u{:04x}", cp->value);
    } else {
      out.append(text, i, cp->length);
    }
    i += cp->length;
  }
  return out;
}

}  // namespace ec2dl::util
