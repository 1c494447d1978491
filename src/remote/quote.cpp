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

namespace {

// Bytes that sh, bash, zsh, fish and csh/tcsh all read literally inside single quotes: not
// a backslash (fish), '!' (csh history), a newline (csh), control or non-ASCII bytes.
bool literal_in_every_shell(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\' || c == '!') {
      return false;
    }
  }
  return true;
}

std::string base64(std::string_view bytes) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += k_alphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) {
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? k_alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string sh_command(std::string_view script, const std::vector<std::string>& args,
                       std::string_view name) {
  std::string out = "exec /bin/sh -c ";
  out += shell_quote(script);
  out += ' ';
  out += shell_quote(name);
  bool literal = literal_in_every_shell(script) && literal_in_every_shell(name);
  for (const auto& arg : args) {
    out += ' ';
    out += shell_quote(arg);
    literal = literal && literal_in_every_shell(arg);
  }
  if (literal) {
    return out;
  }
  // sshd hands the command to the user's login shell, which may not be of the sh family. A
  // command that such a shell would read differently travels base64-encoded in the
  // environment (only letters, digits, "+/=") and is decoded and run by /bin/sh; the
  // user's stdin is left alone.
  return "exec env EC2DL_SH=" + base64(out) +
         " /bin/sh -c 'command -v base64 >/dev/null || { echo \"ec2dl: the server has no "
         "base64 command (install coreutils)\" >&2; exit 127; }; "
         "s=$(printf %s \"$EC2DL_SH\" | base64 -d) && unset EC2DL_SH && eval \"$s\"' " +
         (literal_in_every_shell(name) ? shell_quote(name) : std::string("ec2dl"));
}

}  // namespace ec2dl::remote
