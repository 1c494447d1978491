#include "ec2dl/remote/quote.hpp"

namespace ec2dl::remote {

namespace {

bool is_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/' || c == ',' || c == ':' || c == '+' || c == '@' ||
         c == '%';
}

}  // namespace

std::string shell_quote(std::string_view word) {
  if (word.empty()) {
    return "''";
  }
  bool safe = true;
  for (const char c : word) {
    if (!is_safe(c)) {
      safe = false;
      break;
    }
  }
  // A leading '=' or '-' is harmless to sh; '~' is excluded above so no tilde expansion.
  if (safe) {
    return std::string(word);
  }
  std::string out;
  out.reserve(word.size() + 8);
  out += '\'';
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += shell_quote(words[i]);
  }
  return out;
}

std::string shell_quote_path(std::string_view path) {
  if (path == "~") {
    return "~";
  }
  if (path.starts_with("~/")) {
    const auto rest = path.substr(2);
    return rest.empty() ? std::string("~/") : "~/" + shell_quote(rest);
  }
  return shell_quote(path);
}

std::string sh_command(std::string_view script, const std::vector<std::string>& args,
                       std::string_view name) {
  std::string out = "exec /bin/sh -c ";
  out += shell_quote(script);
  out += ' ';
  out += shell_quote(name);
  for (const auto& arg : args) {
    out += ' ';
    out += shell_quote(arg);
  }
  return out;
}

}  // namespace ec2dl::remote
