#include "ec2dl/core/ssh_config.hpp"

#include <glob.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::core {

namespace {

constexpr int k_max_include_depth = 8;

// Splits a config line into words: whitespace separated, "double quotes" group, and the
// first word may end with '=' ("Port=22").
Result<std::vector<std::string>> tokenize(std::string_view line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  bool first = true;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || (first && line[i] == '='))) {
      ++i;
    }
    if (i >= line.size()) {
      break;
    }
    if (line[i] == '#') {
      break;
    }
    std::string word;
    if (line[i] == '"') {
      ++i;
      const auto end = line.find('"', i);
      if (end == std::string_view::npos) {
        return fail(ErrorKind::config, "unterminated quote");
      }
      word = std::string(line.substr(i, end - i));
      i = end + 1;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
        if (words.empty() && line[i] == '=') {
          break;
        }
        word += line[i];
        ++i;
      }
    }
    if (words.empty()) {
      // "Keyword=value": consume the '=' and any spaces after it.
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
        ++i;
      }
      if (i < line.size() && line[i] == '=') {
        ++i;
      }
    }
    words.push_back(std::move(word));
    first = false;
  }
  return words;
}

bool match_criteria(const std::vector<std::string>& criteria, const std::string& host,
                    bool* unsupported) {
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    const auto c = util::to_lower(criteria[i]);
    if (c == "all") {
      continue;
    }
    if ((c == "host" || c == "originalhost") && i + 1 < criteria.size()) {
      if (!ssh_host_matches(host, util::split(criteria[i + 1], ','))) {
        return false;
      }
      ++i;
      continue;
    }
    // exec, user, localuser, canonical, final ...: not evaluated; the block is skipped.
    *unsupported = true;
    return false;
  }
  return true;
}

}  // namespace

bool ssh_pattern_match(const std::string& text, const std::string& pattern) {
  // Iterative glob with backtracking on the last '*'.
  std::size_t t = 0;
  std::size_t p = 0;
  std::size_t star = std::string::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool ssh_host_matches(const std::string& host, const std::vector<std::string>& patterns) {
  bool matched = false;
  const auto lower = util::to_lower(host);
  for (const auto& raw : patterns) {
    if (raw.empty()) {
      continue;
    }
    const bool negated = raw[0] == '!';
    const auto pattern = util::to_lower(negated ? raw.substr(1) : raw);
    if (ssh_pattern_match(lower, pattern)) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

std::optional<std::string> SshHostConfig::get(const std::string& keyword) const {
  const auto it = values.find(keyword);
  if (it == values.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second.front();
}

std::optional<std::vector<std::string>> SshHostConfig::get_all(const std::string& keyword) const {
  const auto it = values.find(keyword);
  if (it == values.end()) {
    return std::nullopt;
  }
  return it->second;
}

Result<SshConfig> SshConfig::load(const std::string& path, const std::string& ssh_dir) {
  SshConfig config;
  config.m_ssh_dir = ssh_dir;
  errno = 0;
  const auto text = util::read_file(path, 1u << 20);
  if (!text) {
    if (errno == ENOENT) {
      return config;
    }
    return fail(ErrorKind::config, fmt::format("read {}: {}", path, std::strerror(errno)));
  }
  EC2DL_TRY(config.parse_into(*text, path, 0));
  return config;
}

Result<SshConfig> SshConfig::parse(const std::string& text, const std::string& name,
                                   const std::string& ssh_dir) {
  SshConfig config;
  config.m_ssh_dir = ssh_dir;
  EC2DL_TRY(config.parse_into(text, name, 0));
  return config;
}

Result<void> SshConfig::parse_into(const std::string& text, const std::string& name, int depth) {
  if (m_blocks.empty()) {
    m_blocks.push_back({});
  }
  int line_no = 0;
  for (const auto& raw_line : util::split(text, '\n')) {
    ++line_no;
    const auto line = util::trim(raw_line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto words = tokenize(line);
    if (!words) {
      return fail(ErrorKind::config,
                  fmt::format("{}:{}: {}", name, line_no, words.error().message()));
    }
    if (words->empty()) {
      continue;
    }
    const auto keyword = util::to_lower((*words)[0]);
    std::vector<std::string> args(words->begin() + 1, words->end());
    if (keyword == "host" || keyword == "match") {
      if (args.empty()) {
        return fail(ErrorKind::config,
                    fmt::format("{}:{}: {} needs an argument", name, line_no, (*words)[0]));
      }
      SshConfigBlock block;
      block.kind = keyword == "host" ? SshConfigBlock::Kind::host : SshConfigBlock::Kind::match;
      block.patterns = std::move(args);
      m_blocks.push_back(std::move(block));
      continue;
    }
    if (keyword == "include") {
      if (depth >= k_max_include_depth) {
        return fail(ErrorKind::config,
                    fmt::format("{}:{}: Include nested too deeply", name, line_no));
      }
      for (const auto& arg : args) {
        std::string pattern = util::expand_tilde(arg);
        if (!pattern.empty() && pattern[0] != '/') {
          pattern = m_ssh_dir + "/" + pattern;
        }
        glob_t g{};
        if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
          for (std::size_t k = 0; k < g.gl_pathc; ++k) {
            const std::string included = g.gl_pathv[k];
            const auto contents = util::read_file(included, 1u << 20);
            if (!contents) {
              continue;
            }
            // The included lines continue the including block; afterwards the including
            // block goes on, as in OpenSSH.
            const auto outer_index = m_blocks.size() - 1;
            auto r = parse_into(*contents, included, depth + 1);
            if (!r) {
              ::globfree(&g);
              return r;
            }
            if (m_blocks.size() - 1 != outer_index) {
              SshConfigBlock resumed = m_blocks[outer_index];
              resumed.lines.clear();
              m_blocks.push_back(std::move(resumed));
            }
          }
        }
        ::globfree(&g);
      }
      continue;
    }
    if (args.empty()) {
      return fail(ErrorKind::config,
                  fmt::format("{}:{}: {} needs a value", name, line_no, (*words)[0]));
    }
    m_blocks.back().lines.push_back({keyword, std::move(args), name, line_no});
  }
  return ok();
}

SshHostConfig SshConfig::lookup(const std::string& host) const {
  SshHostConfig out;
  for (const auto& block : m_blocks) {
    bool applies = true;
    if (block.kind == SshConfigBlock::Kind::host) {
      applies = ssh_host_matches(host, block.patterns);
    } else if (block.kind == SshConfigBlock::Kind::match) {
      bool unsupported = false;
      applies = match_criteria(block.patterns, host, &unsupported);
      if (unsupported) {
        out.ignored.push_back("Match " + util::join(block.patterns, " "));
      }
    }
    if (!applies) {
      continue;
    }
    for (const auto& line : block.lines) {
      if (line.keyword == "identityfile") {
        out.identity_files.push_back(line.args.front());
        continue;
      }
      out.values.emplace(line.keyword, line.args);  // first value wins
    }
  }
  return out;
}

std::vector<std::string> SshConfig::aliases() const {
  std::vector<std::string> out;
  for (const auto& block : m_blocks) {
    if (block.kind != SshConfigBlock::Kind::host) {
      continue;
    }
    for (const auto& p : block.patterns) {
      if (p.empty() || p[0] == '!' || p.find_first_of("*?") != std::string::npos) {
        continue;
      }
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace ec2dl::core
