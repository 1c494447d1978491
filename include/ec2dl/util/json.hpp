#pragma once

#include <string>

#include <nlohmann/json.hpp>

// JSON text as ec2dl prints it: whatever a server sent, the text is valid UTF-8 (invalid
// bytes become U+FFFD) and carries no raw character that drives or reorders a terminal
// when a user looks at it with `cat` or `less -R`: C1 controls, the bidirectional
// controls and the JavaScript line breaks U+2028/U+2029 are written as \uXXXX escapes
// (the C0 controls already are). Other non-ASCII characters stay as they are.
namespace ec2dl::util {

// Rewrites the characters above as \uXXXX in text produced by nlohmann's dump().
std::string escape_json_controls(std::string text);

template <typename Json>
std::string json_text(const Json& value, int indent = -1) {
  return escape_json_controls(value.dump(indent, ' ', false, Json::error_handler_t::replace));
}

}  // namespace ec2dl::util
