#include "ec2dl/remote/script.hpp"

#include <cstdio>
#include <cstdlib>

#include "ec2dl/remote/quote.hpp"

namespace ec2dl::remote {

namespace {

bool is_input_key(std::string_view key) {
  if (key.empty()) {
    return false;
  }
  for (const char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ScriptCall::command() const {
  std::string text;
  for (const auto& [key, value] : inputs) {
    if (!is_input_key(key)) {
      // Keys are written in the source, never taken from user input.
      std::fprintf(stderr, "ec2dl: internal error: bad script input name '%s'\n", key.c_str());
      std::abort();
    }
    text += "in_" + key + "=" + shell_quote(value) + "\n";
  }
  text += script.text;
  return sh_command(text, args, "ec2dl-" + std::string(script.name));
}

}  // namespace ec2dl::remote
