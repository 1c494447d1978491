#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace ec2dl::core {

// One "Keyword value" line of an OpenSSH client config, with where it came from.
struct SshConfigLine {
  std::string keyword;  // lower-cased
  std::vector<std::string> args;
  std::string file;
  int line = 0;
};

// A block: the lines after a Host or Match line, up to the next one.
struct SshConfigBlock {
  enum class Kind { global, host, match } kind = Kind::global;
  std::vector<std::string> patterns;  // Host patterns, or Match criteria tokens
  std::vector<SshConfigLine> lines;
};

// The settings that apply to one host, OpenSSH's way: for each keyword the first value
// seen wins, except IdentityFile, which accumulates.
struct SshHostConfig {
  std::map<std::string, std::vector<std::string>> values;  // keyword -> args of first line
  std::vector<std::string> identity_files;                 // unexpanded, in order
  std::vector<std::string> ignored;                        // keywords of unsupported Match lines

  std::optional<std::string> get(const std::string& keyword) const;
  std::optional<std::vector<std::string>> get_all(const std::string& keyword) const;
};

// An OpenSSH client configuration file (ssh_config(5)): Host and Match blocks, Include.
class SshConfig {
 public:
  // Parses `path`; a missing file is an empty config, an unreadable or malformed one an error
  // naming the file and line. Include paths are resolved against `ssh_dir`.
  static Result<SshConfig> load(const std::string& path, const std::string& ssh_dir);
  // Parses text directly (for tests); `name` is used in error messages.
  static Result<SshConfig> parse(const std::string& text, const std::string& name,
                                 const std::string& ssh_dir);

  // The settings for `host` (the name typed by the user). `remote_user` is used for Match user.
  SshHostConfig lookup(const std::string& host) const;

  // Host names declared without wildcards, for completion and listings.
  std::vector<std::string> aliases() const;

  bool empty() const { return m_blocks.empty(); }

 private:
  Result<void> parse_into(const std::string& text, const std::string& name, int depth);
  std::vector<SshConfigBlock> m_blocks;
  std::string m_ssh_dir;
};

// True when `host` matches an ssh_config pattern list ("*.aws !bastion"), negations included.
bool ssh_host_matches(const std::string& host, const std::vector<std::string>& patterns);

// Glob match with '*' and '?' only, as ssh_config patterns use.
bool ssh_pattern_match(const std::string& text, const std::string& pattern);

}  // namespace ec2dl::core
