#pragma once

#include <functional>
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
  std::string spelled;  // the keyword as written, for messages
};

// A block: the lines after a Host or Match line, up to the next one.
struct SshConfigBlock {
  enum class Kind { global, host, match } kind = Kind::global;
  std::vector<std::string> patterns;  // Host patterns, or Match criteria tokens
  std::vector<SshConfigLine> lines;
  std::string file;
  int line = 0;
};

// What Host patterns and Match criteria are evaluated against, OpenSSH's way.
struct SshMatchInput {
  std::string host;  // Host patterns: the name as typed; the canonical one in the final pass
  std::string original_host;  // Match originalhost, %n
  std::string user;           // the remote user from the command line; empty: config User or local
  int port = 0;               // from the command line; 0: config Port or 22 (for %p)
  std::string local_user;     // Match localuser, %u
  std::string home;           // %d
  bool final_pass = false;    // Match canonical and Match final hold only in this pass
  // Runs a Match exec command (after %-token expansion) with /bin/sh -c; true when it exits 0.
  std::function<bool(const std::string&)> exec;
};

// The settings that apply to one host, OpenSSH's way: for each keyword the first value
// seen wins, except IdentityFile, which accumulates.
struct SshHostConfig {
  std::map<std::string, std::vector<std::string>> values;  // keyword -> args of first line
  std::vector<std::string> identity_files;                 // unexpanded, in order
  std::vector<std::string> ignored;                        // kept for callers; always empty now
  std::vector<std::string> trail;     // "file:line: Match ...: matched" lines, for -v
  std::vector<std::string> warnings;  // unknown keywords not covered by IgnoreUnknown
  bool want_final_pass = false;       // a Match final/canonical line was seen

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

  // Applies the blocks that match `in` to `out`, keeping what `out` already holds (first value
  // wins), as one pass of OpenSSH's reading does.
  void apply(const SshMatchInput& in, SshHostConfig& out) const;

  // One pass for `host` with no Match exec and no command-line user (for tests and listings).
  SshHostConfig lookup(const std::string& host) const;

  // Host names declared without wildcards, for completion and listings.
  std::vector<std::string> aliases() const;

  bool empty() const { return m_blocks.empty(); }

 private:
  Result<void> parse_into(const std::string& text, const std::string& name, int depth);
  std::vector<SshConfigBlock> m_blocks;
  std::vector<std::string> m_include_trail;  // "file:line: Include PATTERN: read ..."
  std::string m_ssh_dir;
};

// True when `host` matches an ssh_config pattern list ("*.aws !bastion"), negations included.
// Case-sensitive, as OpenSSH's Host lines; `fold_case` lower-cases host and patterns first, as
// its Match host and Match originalhost do.
bool ssh_host_matches(const std::string& host, const std::vector<std::string>& patterns,
                      bool fold_case = false);

// Glob match with '*' and '?' only, as ssh_config patterns use.
bool ssh_pattern_match(const std::string& text, const std::string& pattern);

// True when OpenSSH 9.2's client knows `keyword` (lower-cased).
bool ssh_keyword_known(const std::string& keyword);

// One ProxyJump hop: "[user@]host[:port]" or "ssh://[user@]host[:port]".
struct JumpHop {
  std::string user;
  std::string host;
  int port = 0;
};

// Parses a ProxyJump value (comma-separated hops); "none" gives an empty list. Fails on a hop
// OpenSSH would refuse, or a host name with characters no host name has.
Result<std::vector<JumpHop>> parse_proxy_jump(const std::string& value);

}  // namespace ec2dl::core
