#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ec2dl::remote {

// Exclusion rules in the style of .gitignore, for one transferred tree. Paths are relative
// to the top of the tree ("a/b/c"). Supported: blank lines and "#" comments, "!" to
// re-include, a trailing "/" for folders only, a "/" at the start or in the middle to anchor
// the pattern to the folder of its file (otherwise it matches a name at any depth), "*" "?"
// "[a-z]" "[!x]" within one name, "**" across folders ("**/x", "x/**", "a/**/b"), and "\" to
// escape. The last matching rule wins; rules of deeper files beat those of their parents,
// and patterns given with add_pattern beat every file. As in git, nothing under an excluded
// folder can be included again.
class IgnoreRules {
 public:
  // Adds the lines of an ignore file found in folder `base` ("" = the top of the tree).
  void add_file(std::string_view base, std::string_view text);
  // Adds one pattern (e.g. from --exclude), as if written in a file at the top of the tree.
  void add_pattern(std::string_view pattern);

  // Whether `rel` itself is excluded by the rules (its folders are not looked at).
  bool matches(std::string_view rel, bool is_dir) const;
  // Whether `rel` or one of the folders above it is excluded.
  bool excluded(std::string_view rel, bool is_dir) const;

  bool empty() const { return m_sources.empty() && m_patterns.empty(); }

 private:
  struct Rule {
    std::string glob;
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;
  };
  struct Source {
    std::string base;
    std::size_t depth = 0;
    std::vector<Rule> rules;
  };
  static bool parse_line(std::string_view line, Rule& rule);
  static bool rule_matches(const Rule& rule, std::string_view rel, bool is_dir);
  // -1: no rule matched, 0: included by a "!" rule, 1: excluded.
  static int decide(const std::vector<Rule>& rules, std::string_view rel, bool is_dir, int state);

  std::vector<Source> m_sources;  // sorted by depth, shallow first
  std::vector<Rule> m_patterns;
};

// Matches a gitignore-style glob against a path: "*" and "?" never match "/", "**" matches
// across folders. Exposed for tests.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace ec2dl::remote
