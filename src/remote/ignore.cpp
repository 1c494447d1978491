#include "ec2dl/remote/ignore.hpp"

#include <algorithm>

#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

namespace {

// Matches a bracket expression at pattern[pi] ('[') against c; sets `end` past the ']'.
// Returns false with end = npos when the bracket is not closed (then '[' is literal).
bool match_class(std::string_view pattern, std::size_t pi, char c, std::size_t& end) {
  std::size_t i = pi + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size()) {
      lo = pattern[++i];
    }
    char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = pattern[i + 2];
      if (hi == '\\' && i + 3 < pattern.size()) {
        hi = pattern[i + 3];
        ++i;
      }
      i += 2;
    }
    const auto uc = static_cast<unsigned char>(c);
    if (uc >= static_cast<unsigned char>(lo) && uc <= static_cast<unsigned char>(hi)) {
      matched = true;
    }
    ++i;
  }
  if (i >= pattern.size()) {
    end = std::string_view::npos;
    return false;
  }
  end = i + 1;
  return c != '/' && matched != negate;
}

bool match_from(std::string_view p, std::size_t pi, std::string_view t, std::size_t ti) {
  while (pi < p.size()) {
    const char c = p[pi];
    if (c == '*') {
      const bool dbl = pi + 1 < p.size() && p[pi + 1] == '*';
      if (dbl) {
        const bool at_start = pi == 0 || p[pi - 1] == '/';
        std::size_t next = pi + 2;
        const bool slash_after = next < p.size() && p[next] == '/';
        if (at_start && slash_after) {
          // "**/": zero or more whole folders.
          if (match_from(p, next + 1, t, ti)) {
            return true;
          }
          for (std::size_t k = ti; k < t.size(); ++k) {
            if (t[k] == '/' && match_from(p, next + 1, t, k + 1)) {
              return true;
            }
          }
          return false;
        }
        // "**" elsewhere (e.g. a trailing "/**"): anything, "/" included.
        for (std::size_t k = t.size() + 1; k-- > ti;) {
          if (match_from(p, next, t, k)) {
            return true;
          }
        }
        return false;
      }
      // "*": anything but "/".
      for (std::size_t k = ti;; ++k) {
        if (match_from(p, pi + 1, t, k)) {
          return true;
        }
        if (k >= t.size() || t[k] == '/') {
          return false;
        }
      }
    }
    if (ti >= t.size()) {
      return false;
    }
    if (c == '?') {
      if (t[ti] == '/') {
        return false;
      }
      ++pi;
      ++ti;
      continue;
    }
    if (c == '[') {
      std::size_t end = 0;
      const bool m = match_class(p, pi, t[ti], end);
      if (end != std::string_view::npos) {
        if (!m) {
          return false;
        }
        pi = end;
        ++ti;
        continue;
      }
      // An unclosed '[' is an ordinary character.
    }
    char literal = c;
    if (c == '\\' && pi + 1 < p.size()) {
      literal = p[++pi];
    }
    if (t[ti] != literal) {
      return false;
    }
    ++pi;
    ++ti;
  }
  return ti == t.size();
}

std::size_t depth_of(std::string_view base) {
  if (base.empty()) {
    return 0;
  }
  return static_cast<std::size_t>(std::count(base.begin(), base.end(), '/')) + 1;
}

std::string_view basename_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? rel : rel.substr(slash + 1);
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return match_from(pattern, 0, text, 0);
}

bool IgnoreRules::parse_line(std::string_view line, Rule& rule) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  // Trailing spaces go unless escaped with a backslash.
  while (!line.empty() && line.back() == ' ' &&
         !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
    line.remove_suffix(1);
  }
  if (line.empty() || line.front() == '#') {
    return false;
  }
  rule = Rule{};
  if (line.front() == '!') {
    rule.negate = true;
    line.remove_prefix(1);
  } else if (line.starts_with("\\!") || line.starts_with("\\#")) {
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    rule.dir_only = true;
    while (!line.empty() && line.back() == '/') {
      line.remove_suffix(1);
    }
  }
  if (line.empty()) {
    return false;
  }
  if (line.find('/') != std::string_view::npos) {
    rule.anchored = true;
    while (line.starts_with('/')) {
      line.remove_prefix(1);
    }
  }
  if (line.empty()) {
    return false;
  }
  rule.glob = std::string(line);
  return true;
}

void IgnoreRules::add_file(std::string_view base, std::string_view text) {
  Source source;
  source.base = std::string(base);
  source.depth = depth_of(base);
  for (const auto& line : util::split(text, '\n')) {
    Rule rule;
    if (parse_line(line, rule)) {
      source.rules.push_back(std::move(rule));
    }
  }
  if (source.rules.empty()) {
    return;
  }
  const auto at =
      std::upper_bound(m_sources.begin(), m_sources.end(), source.depth,
                       [](std::size_t depth, const Source& s) { return depth < s.depth; });
  m_sources.insert(at, std::move(source));
}

void IgnoreRules::add_pattern(std::string_view pattern) {
  Rule rule;
  if (parse_line(pattern, rule)) {
    m_patterns.push_back(std::move(rule));
  }
}

bool IgnoreRules::rule_matches(const Rule& rule, std::string_view rel, bool is_dir) {
  if (rule.dir_only && !is_dir) {
    return false;
  }
  if (rule.anchored) {
    return glob_match(rule.glob, rel);
  }
  return glob_match(rule.glob, basename_of(rel));
}

int IgnoreRules::decide(const std::vector<Rule>& rules, std::string_view rel, bool is_dir,
                        int state) {
  for (const auto& rule : rules) {
    if (rule_matches(rule, rel, is_dir)) {
      state = rule.negate ? 0 : 1;
    }
  }
  return state;
}

bool IgnoreRules::matches(std::string_view rel, bool is_dir) const {
  int state = -1;
  for (const auto& source : m_sources) {
    std::string_view sub = rel;
    if (!source.base.empty()) {
      if (!(rel.size() > source.base.size() && rel.starts_with(source.base) &&
            rel[source.base.size()] == '/')) {
        continue;
      }
      sub = rel.substr(source.base.size() + 1);
    }
    state = decide(source.rules, sub, is_dir, state);
  }
  state = decide(m_patterns, rel, is_dir, state);
  return state == 1;
}

bool IgnoreRules::excluded(std::string_view rel, bool is_dir) const {
  if (empty()) {
    return false;
  }
  for (std::size_t slash = rel.find('/'); slash != std::string_view::npos;
       slash = rel.find('/', slash + 1)) {
    if (matches(rel.substr(0, slash), true)) {
      return true;
    }
  }
  return matches(rel, is_dir);
}

}  // namespace ec2dl::remote
