#include "ec2dl/remote/manifest.hpp"

#include <fmt/format.h>
#include <optional>

#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

using core::ErrorKind;
using core::fail;

std::string escape_line(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\0{:03o}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string unescape_line(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 4 < line.size() && line[i + 1] == '0') {
      int value = 0;
      bool ok = true;
      for (std::size_t k = 2; k < 5; ++k) {
        const char d = line[i + k];
        if (d < '0' || d > '7') {
          ok = false;
          break;
        }
        value = value * 8 + (d - '0');
      }
      if (ok && value < 256) {
        out += static_cast<char>(value);
        i += 4;
        continue;
      }
    }
    out += line[i];
  }
  return out;
}

std::string manifest_request(RequestKind kind, std::size_t index, std::string_view path) {
  return fmt::format("{}{}:{}\n", static_cast<char>(kind), index, escape_line(path));
}

FileType file_type_from_find(char letter) {
  switch (letter) {
    case 'f':
      return FileType::file;
    case 'd':
      return FileType::dir;
    case 'l':
    case 'N':  // a dangling symlink under -L: copied as the link it is
      return FileType::symlink;
    default:
      return FileType::other;
  }
}

namespace {

// Reads NUL-terminated fields one after another.
class Fields {
 public:
  explicit Fields(std::string_view data) : m_data(data) {}
  bool done() const { return m_pos >= m_data.size(); }
  std::optional<std::string_view> next() {
    if (m_pos >= m_data.size()) {
      return std::nullopt;
    }
    const auto end = m_data.find('\0', m_pos);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    auto field = m_data.substr(m_pos, end - m_pos);
    m_pos = end + 1;
    return field;
  }

 private:
  std::string_view m_data;
  std::size_t m_pos = 0;
};

std::optional<std::int64_t> parse_epoch(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole = util::parse_int(text.substr(0, dot));
  if (!whole) {
    return std::nullopt;
  }
  std::int64_t seconds = *whole;
  if (dot != std::string_view::npos) {
    const auto frac = text.substr(dot + 1);
    const bool nonzero = frac.find_first_not_of('0') != std::string_view::npos;
    if (text.starts_with('-') && nonzero) {
      --seconds;  // -4.5 is in second -5, as the local stat() reports it
    }
  }
  return seconds;
}

std::optional<std::uint32_t> parse_octal(std::string_view text) {
  if (text.empty() || text.size() > 6) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '7') {
      return std::nullopt;
    }
    value = value * 8 + static_cast<std::uint32_t>(c - '0');
  }
  return value & 07777;
}

}  // namespace

core::Result<Manifest> parse_manifest(std::string_view output) {
  Manifest manifest;
  Fields fields(output);
  auto bad = [](std::string_view what) {
    return fail(ErrorKind::remote,
                fmt::format("unexpected file listing from the server ({})", what));
  };
  auto index_of = [](std::optional<std::string_view> f) -> std::optional<std::size_t> {
    if (!f) {
      return std::nullopt;
    }
    auto v = util::parse_uint(*f);
    if (!v) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(*v);
  };
  while (!fields.done()) {
    const auto tag = fields.next();
    if (!tag) {
      return bad("truncated record");
    }
    if (*tag == "J") {
      const auto used = fields.next();
      if (!used) {
        return bad("J");
      }
      manifest.job_used = *used == "1";
    } else if (*tag == "H") {
      const auto home = fields.next();
      if (!home) {
        return bad("H");
      }
      manifest.home = std::string(*home);
    } else if (*tag == "W") {
      const auto dir = fields.next();
      if (!dir) {
        return bad("W");
      }
      manifest.workdir = std::string(*dir);
    } else if (*tag == "R") {
      const auto index = index_of(fields.next());
      const auto path = fields.next();
      if (!index || !path) {
        return bad("R");
      }
      ManifestRoot root;
      root.request = *index;
      root.path = std::string(*path);
      manifest.roots.push_back(std::move(root));
    } else if (*tag == "E") {
      const auto type = fields.next();
      const auto size = fields.next();
      const auto mtime = fields.next();
      const auto mode = fields.next();
      const auto rel = fields.next();
      const auto link = fields.next();
      if (!link || manifest.roots.empty() || type->size() != 1) {
        return bad("E");
      }
      ManifestEntry entry;
      entry.rel = std::string(*rel);
      entry.info.type = file_type_from_find((*type)[0]);
      const auto s = util::parse_uint(*size);
      const auto t = parse_epoch(*mtime);
      const auto m = parse_octal(*mode);
      if (!s || !t || !m) {
        return bad("E fields");
      }
      entry.info.size = *s;
      entry.info.mtime = *t;
      entry.info.mode = *m;
      entry.info.link = std::string(*link);
      manifest.roots.back().entries.push_back(std::move(entry));
    } else if (*tag == "I") {
      const auto rel = fields.next();
      const auto text = fields.next();
      if (!text || manifest.roots.empty()) {
        return bad("I");
      }
      manifest.roots.back().ignore_files.emplace_back(std::string(*rel), std::string(*text));
    } else if (*tag == "N") {
      const auto index = index_of(fields.next());
      const auto request = fields.next();
      if (!index || !request) {
        return bad("N");
      }
      manifest.unmatched.emplace_back(*index, std::string(*request));
    } else if (*tag == "F") {
      const auto index = index_of(fields.next());
      if (!index) {
        return bad("F");
      }
      for (auto& root : manifest.roots) {
        if (root.request == *index) {
          root.complete = false;
        }
      }
    } else {
      return bad(fmt::format("record '{}'", util::sanitize_for_terminal(*tag)));
    }
  }
  return manifest;
}

std::vector<std::pair<std::string, std::string>> parse_sha256sum(std::string_view output) {
  std::vector<std::pair<std::string, std::string>> result;
  for (const auto& raw : util::split(output, '\n')) {
    std::string_view line = raw;
    const bool escaped = line.starts_with('\\');
    if (escaped) {
      line.remove_prefix(1);
    }
    if (line.size() < 66 || line.substr(64, 2) != "  ") {
      continue;
    }
    const auto hash = line.substr(0, 64);
    if (hash.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      continue;
    }
    std::string name;
    const auto rest = line.substr(66);
    if (!escaped) {
      name = std::string(rest);
    } else {
      for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
          const char n = rest[++i];
          name += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
        } else {
          name += rest[i];
        }
      }
    }
    result.emplace_back(std::move(name), std::string(hash));
  }
  return result;
}

}  // namespace ec2dl::remote
