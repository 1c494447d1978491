#include "ec2dl/core/profiles.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ec2dl/core/target.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::core {

namespace {

constexpr std::size_t k_max_config_bytes = 1u << 20;

bool bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// A TOML basic string: "..." with the escapes TOML requires.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string toml_key(std::string_view key) {
  return bare_key(key) ? std::string(key) : toml_string(key);
}

std::string render_section(const Profile& p) {
  std::string out = fmt::format("[hosts.{}]\n", toml_key(p.name));
  const auto str = [&out](std::string_view key, const std::string& value) {
    if (!value.empty()) {
      out += fmt::format("{} = {}\n", key, toml_string(value));
    }
  };
  str("host", p.host);
  str("user", p.user);
  if (p.port > 0) {
    out += fmt::format("port = {}\n", p.port);
  }
  str("identity", p.identity);
  str("workdir", p.workdir);
  str("python", p.python);
  str("remote_dir", p.remote_dir);
  if (!p.env.empty()) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : p.env) {
      parts.push_back(fmt::format("{} = {}", toml_key(k), toml_string(v)));
    }
    out += fmt::format("env = {{ {} }}\n", util::join(parts, ", "));
  }
  return out;
}

bool same_profile(const Profile& a, const Profile& b) {
  return a.name == b.name && a.host == b.host && a.user == b.user && a.port == b.port &&
         a.identity == b.identity && a.workdir == b.workdir && a.python == b.python &&
         a.remote_dir == b.remote_dir && a.env == b.env;
}

bool same_contents(const ProfileConfig& a, const ProfileConfig& b) {
  if (a.default_host() != b.default_host() || a.hosts().size() != b.hosts().size()) {
    return false;
  }
  for (const auto& p : a.hosts()) {
    const auto* q = b.find(p.name);
    if (q == nullptr || !same_profile(p, *q)) {
      return false;
    }
  }
  return true;
}

std::unexpected<Error> at(const std::string& path, const toml::source_region& where,
                          const std::string& problem) {
  return fail(ErrorKind::config, fmt::format("{}:{}: {}", path, where.begin.line, problem),
              fmt::format("fix the file by hand, or see 'man ec2dl' (FILES) for its format"));
}

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

Result<Profile> parse_profile(const std::string& path, const std::string& name,
                              const toml::node& node) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    return at(
        path, node.source(),
        fmt::format("hosts.{}: expected a table of settings, found {}", name, type_name(node)));
  }
  Profile p;
  p.name = name;
  p.line = static_cast<int>(table->source().begin.line);
  if (auto problem = profile_name_problem(name); !problem.empty()) {
    return at(path, table->source(), fmt::format("host name '{}': {}", name, problem));
  }
  for (const auto& [key_node, value] : *table) {
    const std::string key(key_node.str());
    const auto where = key_node.source().begin.line > 0 ? key_node.source() : value.source();
    const auto want_string = [&](std::string& field) -> Result<void> {
      const auto* s = value.as_string();
      if (s == nullptr) {
        return at(
            path, where,
            fmt::format("hosts.{}.{}: expected a string, found {}", name, key, type_name(value)));
      }
      field = s->get();
      if (field.find('\0') != std::string::npos) {
        return at(path, where, fmt::format("hosts.{}.{}: contains a NUL byte", name, key));
      }
      return ok();
    };
    if (key == "host") {
      EC2DL_TRY(want_string(p.host));
      auto spec = parse_host_spec(p.host);
      if (!spec) {
        return at(path, where, fmt::format("hosts.{}.host: {}", name, spec.error().message()));
      }
      if (!spec->user.empty() || spec->port != 0) {
        return at(path, where,
                  fmt::format("hosts.{}.host: '{}' holds a user or a port; write them as "
                              "user = \"...\" and port = N",
                              name, p.host));
      }
    } else if (key == "user") {
      EC2DL_TRY(want_string(p.user));
      if (p.user.empty() || p.user.find_first_of(" \t\n@:/'\"`$;&|<>\\") != std::string::npos) {
        return at(path, where, fmt::format("hosts.{}.user: '{}' is not a user name", name, p.user));
      }
    } else if (key == "port") {
      const auto* i = value.as_integer();
      if (i == nullptr || i->get() < 1 || i->get() > 65535) {
        return at(path, where,
                  fmt::format("hosts.{}.port: expected a number from 1 to 65535", name));
      }
      p.port = static_cast<int>(i->get());
    } else if (key == "identity") {
      EC2DL_TRY(want_string(p.identity));
    } else if (key == "workdir") {
      EC2DL_TRY(want_string(p.workdir));
    } else if (key == "python") {
      EC2DL_TRY(want_string(p.python));
    } else if (key == "remote_dir") {
      EC2DL_TRY(want_string(p.remote_dir));
    } else if (key == "env") {
      const auto* env = value.as_table();
      if (env == nullptr) {
        return at(path, where,
                  fmt::format("hosts.{}.env: expected a table (env = {{ NAME = \"value\" }}), "
                              "found {}",
                              name, type_name(value)));
      }
      for (const auto& [var_node, var_value] : *env) {
        const std::string var(var_node.str());
        const auto var_where = var_node.source().begin.line > 0 ? var_node.source() : where;
        if (!valid_env_name(var)) {
          return at(path, var_where,
                    fmt::format("hosts.{}.env: '{}' is not a variable name", name, var));
        }
        const auto* s = var_value.as_string();
        if (s == nullptr) {
          return at(path, var_where,
                    fmt::format("hosts.{}.env.{}: expected a string, found {}", name, var,
                                type_name(var_value)));
        }
        p.env[var] = s->get();
      }
    } else {
      return at(path, where,
                fmt::format("hosts.{}: unknown setting '{}' (known: host, user, port, identity, "
                            "workdir, python, remote_dir, env)",
                            name, key));
    }
  }
  if (p.host.empty()) {
    return at(path, table->source(), fmt::format("hosts.{}: no host = \"...\" given", name));
  }
  return p;
}

bool is_header(std::string_view line) {
  const auto t = util::trim(line);
  return !t.empty() && t.front() == '[';
}

// The header names that open the section of `name` and its sub-tables.
bool opens_section(std::string_view line, const std::string& name, bool* sub) {
  auto t = std::string(util::trim(line));
  if (const auto hash = t.find('#');
      hash != std::string::npos && t.find('"') == std::string::npos) {
    t = std::string(util::trim(t.substr(0, hash)));
  }
  for (const auto& key : {name, toml_string(name)}) {
    if (t == "[hosts." + key + "]") {
      *sub = false;
      return true;
    }
    if (t.starts_with("[hosts." + key + ".")) {
      *sub = true;
      return true;
    }
  }
  return false;
}

// [first, last) line indexes of the section for `name` (header and sub-tables), or nullopt.
std::optional<std::pair<std::size_t, std::size_t>> find_section(
    const std::vector<std::string>& lines, const std::string& name) {
  std::optional<std::size_t> first;
  std::size_t last = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_header(lines[i])) {
      continue;
    }
    bool sub = false;
    if (opens_section(lines[i], name, &sub)) {
      if (!first) {
        first = i;
      }
      last = lines.size();
      continue;
    }
    if (first) {
      last = i;
      // A later sub-table of the same host would make the span ambiguous: let the caller's
      // re-parse check catch it.
      break;
    }
  }
  if (!first) {
    return std::nullopt;
  }
  // Blank lines and comments just above the next table belong to it: keep them.
  while (last > *first + 1) {
    const auto t = util::trim(lines[last - 1]);
    if (!t.empty() && t.front() != '#') {
      break;
    }
    --last;
  }
  return std::make_pair(*first, last);
}

std::vector<std::string> split_lines(const std::string& text) {
  auto lines = util::split(text, '\n');
  if (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace

std::string Profile::display() const {
  std::string out;
  if (!user.empty()) {
    out += user + "@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port > 0) {
    out += fmt::format(":{}", port);
  }
  return out;
}

std::string profile_name_problem(const std::string& name) {
  if (name.empty()) {
    return "empty name";
  }
  if (name.size() > 64) {
    return "longer than 64 characters";
  }
  if (name.front() == '-' || name.front() == '.') {
    return "must not start with '-' or '.'";
  }
  for (const char c : name) {
    const bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!good) {
      return "use only letters, digits, '.', '_' and '-'";
    }
  }
  return {};
}

bool valid_env_name(const std::string& name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string profile_config_path(const Environment& env) {
  if (auto path = env.get("EC2DL_CONFIG")) {
    return util::expand_tilde(*path);
  }
  if (auto xdg = env.get("XDG_CONFIG_HOME"); xdg && xdg->starts_with('/')) {
    return *xdg + "/ec2dl/config.toml";
  }
  return env.home + "/.config/ec2dl/config.toml";
}

Result<ProfileConfig> ProfileConfig::load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      ProfileConfig empty;
      empty.m_path = path;
      return empty;
    }
    return fail(ErrorKind::config, fmt::format("{}: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorKind::config, fmt::format("{}: not a regular file", path));
  }
  if (static_cast<std::size_t>(st.st_size) > k_max_config_bytes) {
    return fail(ErrorKind::config, fmt::format("{}: larger than 1 MiB; not a config file", path));
  }
  const auto text = util::read_file(path, k_max_config_bytes);
  if (!text) {
    return fail(ErrorKind::config, fmt::format("{}: {}", path, std::strerror(errno)));
  }
  auto config = parse(*text, path);
  if (config) {
    config->m_exists = true;
  }
  return config;
}

Result<ProfileConfig> ProfileConfig::parse(const std::string& text, const std::string& path) {
  ProfileConfig config;
  config.m_path = path;
  config.m_text = text;
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    return fail(ErrorKind::config,
                fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column,
                            e.description()),
                "fix the file by hand; ec2dl does not rewrite a file it cannot read");
  }
  std::optional<toml::source_region> default_where;
  for (const auto& [key_node, value] : root) {
    const std::string key(key_node.str());
    const auto where = key_node.source().begin.line > 0 ? key_node.source() : value.source();
    if (key == "default") {
      const auto* s = value.as_string();
      if (s == nullptr) {
        return at(
            path, where,
            fmt::format("default: expected a host name in quotes, found {}", type_name(value)));
      }
      config.m_default = s->get();
      default_where = where;
    } else if (key == "hosts") {
      const auto* hosts = value.as_table();
      if (hosts == nullptr) {
        return at(path, where, fmt::format("hosts: expected a table, found {}", type_name(value)));
      }
      for (const auto& [name_node, host] : *hosts) {
        auto profile = parse_profile(path, std::string(name_node.str()), host);
        if (!profile) {
          return fail(profile.error());
        }
        config.m_hosts.push_back(std::move(*profile));
      }
    } else {
      return at(path, where,
                fmt::format("unknown setting '{}' (known: default, [hosts.NAME])", key));
    }
  }
  std::stable_sort(config.m_hosts.begin(), config.m_hosts.end(),
                   [](const Profile& a, const Profile& b) { return a.line < b.line; });
  if (!config.m_default.empty() && config.find(config.m_default) == nullptr) {
    return at(path, *default_where,
              fmt::format("default: no host named '{}' in this file", config.m_default));
  }
  return config;
}

const Profile* ProfileConfig::find(const std::string& name) const {
  for (const auto& p : m_hosts) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

void ProfileConfig::put(Profile profile) {
  m_touched.push_back(profile.name);
  for (auto& p : m_hosts) {
    if (p.name == profile.name) {
      profile.line = p.line;
      p = std::move(profile);
      return;
    }
  }
  profile.line = 0;
  m_hosts.push_back(std::move(profile));
}

bool ProfileConfig::remove(const std::string& name) {
  const auto it = std::find_if(m_hosts.begin(), m_hosts.end(),
                               [&](const Profile& p) { return p.name == name; });
  if (it == m_hosts.end()) {
    return false;
  }
  m_hosts.erase(it);
  m_touched.push_back(name);
  if (m_default == name) {
    m_default.clear();
  }
  return true;
}

std::string ProfileConfig::render_fresh() const {
  std::string out = "# ec2dl host profiles: see 'man ec2dl' (FILES). Edited by 'ec2dl hosts'.\n";
  if (!m_default.empty()) {
    out += fmt::format("default = {}\n", toml_string(m_default));
  }
  for (const auto& p : m_hosts) {
    out += "\n" + render_section(p);
  }
  return out;
}

std::string ProfileConfig::render() const {
  if (m_text.empty() || util::trim(m_text).empty()) {
    return render_fresh();
  }
  auto lines = split_lines(m_text);
  bool removed = false;  // lines went away: blank lines may now meet
  // Replace, remove or append each host section that changed.
  std::vector<std::string> done;
  for (const auto& name : m_touched) {
    if (std::find(done.begin(), done.end(), name) != done.end()) {
      continue;
    }
    done.push_back(name);
    const auto span = find_section(lines, name);
    const auto* profile = find(name);
    std::vector<std::string> replacement;
    if (profile != nullptr) {
      replacement = split_lines(render_section(*profile));
    }
    if (span) {
      removed = removed || replacement.empty();
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(span->first),
                  lines.begin() + static_cast<std::ptrdiff_t>(span->second));
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(span->first), replacement.begin(),
                   replacement.end());
    } else if (!replacement.empty()) {
      if (!lines.empty() && !util::trim(lines.back()).empty()) {
        lines.emplace_back();
      }
      lines.insert(lines.end(), replacement.begin(), replacement.end());
    }
  }
  // The top-level default line, before the first table header.
  std::size_t first_header = lines.size();
  std::optional<std::size_t> default_line;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (is_header(lines[i])) {
      first_header = i;
      break;
    }
    const auto t = util::trim(lines[i]);
    if (t.starts_with("default") && util::trim(t.substr(7)).starts_with("=")) {
      default_line = i;
    }
  }
  const std::string wanted =
      m_default.empty() ? std::string() : fmt::format("default = {}", toml_string(m_default));
  if (default_line) {
    if (wanted.empty()) {
      removed = true;
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(*default_line));
    } else {
      lines[*default_line] = wanted;
    }
  } else if (!wanted.empty()) {
    std::size_t pos = first_header;
    // Keep one blank line between the default and the first table.
    if (pos > 0 && util::trim(lines[pos - 1]).empty()) {
      --pos;
    }
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pos), wanted);
    if (pos == first_header && pos + 1 < lines.size()) {
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pos + 1), std::string());
    }
  }
  // Removed lines may leave blank lines next to each other: keep one.
  if (removed) {
    std::vector<std::string> tidy;
    for (auto& l : lines) {
      if (util::trim(l).empty() && (tidy.empty() || util::trim(tidy.back()).empty())) {
        continue;
      }
      tidy.push_back(std::move(l));
    }
    while (!tidy.empty() && util::trim(tidy.back()).empty()) {
      tidy.pop_back();
    }
    lines = std::move(tidy);
  }
  auto edited = join_lines(lines);
  // Only keep the edit when it reads back as exactly what was meant.
  auto check = parse(edited, m_path);
  if (check && same_contents(*check, *this)) {
    return edited;
  }
  return render_fresh();
}

Result<void> ProfileConfig::save() const {
  const std::filesystem::path path(m_path);
  const auto dir = path.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    // Create missing folders 0700 (each one we make), like ssh does for ~/.ssh.
    std::vector<std::filesystem::path> missing;
    for (auto d = dir; !d.empty() && !std::filesystem::exists(d, ec); d = d.parent_path()) {
      missing.push_back(d);
      if (d == d.parent_path()) {
        break;
      }
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
        return fail(ErrorKind::config,
                    fmt::format("create {}: {}", it->string(), std::strerror(errno)));
      }
    }
  }
  mode_t mode = 0600;
  struct stat st {};
  if (::stat(m_path.c_str(), &st) == 0) {
    mode = st.st_mode & 0777;
  }
  // Never write what could not be read back.
  const auto text = render();
  if (auto check = parse(text, m_path); !check || !same_contents(*check, *this)) {
    return fail(ErrorKind::internal,
                fmt::format("{}: the new contents would not read back; nothing written", m_path));
  }
  if (const int err = util::write_file_atomic(path, text, mode); err != 0) {
    return fail(ErrorKind::config, fmt::format("write {}: {}", m_path, std::strerror(err)));
  }
  return ok();
}

Result<std::optional<Profile>> select_profile(const ProfileConfig& config,
                                              const GlobalOptions& options,
                                              const Environment& env) {
  std::string host_text = options.host;
  if (host_text.empty()) {
    host_text = env.get("EC2DL_HOST").value_or("");
  }
  if (host_text.empty()) {
    if (config.default_host().empty()) {
      return std::optional<Profile>();
    }
    const auto* p = config.find(config.default_host());
    if (p == nullptr) {
      return fail(ErrorKind::config, fmt::format("{}: default host '{}' is not defined",
                                                 config.path(), config.default_host()));
    }
    return std::optional<Profile>(*p);
  }
  auto spec = parse_host_spec(host_text);
  if (!spec) {
    return fail(spec.error());
  }
  if (const auto* p = config.find(spec->host)) {
    return std::optional<Profile>(*p);
  }
  return std::optional<Profile>();
}

}  // namespace ec2dl::core
