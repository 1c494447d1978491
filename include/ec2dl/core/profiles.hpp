#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace ec2dl::core {

struct Environment;
struct GlobalOptions;

// One named server of the ec2dl config file ([hosts.NAME]); empty/0 fields are unset.
struct Profile {
  std::string name;
  std::string host;  // a host name, an address, or an ~/.ssh/config alias
  std::string user;
  int port = 0;
  std::string identity;    // private key file, as written (a leading ~ is kept)
  std::string workdir;     // remote working folder for run, push and pull
  std::string python;      // interpreter that runs .py scripts ("python3" when unset)
  std::string remote_dir;  // job registry base on the server
  std::map<std::string, std::string> env;  // exported to jobs
  int line = 0;                            // where [hosts.NAME] starts in the file (0: new)

  // "user@host:port" with only the parts that are set, for listings.
  std::string display() const;
};

// The ec2dl config file (config.toml): a default host and the host profiles, in file order.
class ProfileConfig {
 public:
  // Reads `path`; a missing file is an empty config. A malformed file, an unknown key or a
  // value of the wrong type is a config error naming the file, the line and the problem.
  static Result<ProfileConfig> load(const std::string& path);
  // Parses text directly; `path` is used in messages and kept for save().
  static Result<ProfileConfig> parse(const std::string& text, const std::string& path);

  const std::string& path() const { return m_path; }
  bool exists() const { return m_exists; }
  const std::string& default_host() const { return m_default; }
  const std::vector<Profile>& hosts() const { return m_hosts; }
  const Profile* find(const std::string& name) const;

  // Adds or replaces (same name) a profile; sets or clears the default (must name a host).
  void put(Profile profile);
  bool remove(const std::string& name);
  void set_default(std::string name) { m_default = std::move(name); }

  // The file's text for the current contents. When the config was loaded from text, that
  // text is edited in place (comments and layout kept) where the edit is unambiguous.
  std::string render() const;

  // Writes render() to path() atomically, creating the file 0600 and its folder 0700.
  Result<void> save() const;

 private:
  std::string render_fresh() const;
  std::string m_path;
  bool m_exists = false;
  std::string m_text;  // as loaded, for in-place edits
  std::string m_default;
  std::vector<Profile> m_hosts;
  std::vector<std::string> m_touched;  // names added, replaced or removed since loading
};

// Where the config file is: $EC2DL_CONFIG, else $XDG_CONFIG_HOME/ec2dl/config.toml (an
// absolute XDG_CONFIG_HOME only), else ~/.config/ec2dl/config.toml.
std::string profile_config_path(const Environment& env);

// Checks a profile name: letters, digits, '.', '_' and '-', not starting with '-' or '.',
// at most 64 characters. Returns the problem, or empty when the name is good.
std::string profile_name_problem(const std::string& name);

// Checks an environment variable name for a profile's env ([A-Za-z_][A-Za-z0-9_]*).
bool valid_env_name(const std::string& name);

// The profile the command line selects: -H NAME (or user@NAME:port), else $EC2DL_HOST, else
// the config's default host. nullopt when the chosen host is not a profile name. Fails when
// the config cannot be read or its default names no profile.
Result<std::optional<Profile>> select_profile(const ProfileConfig& config,
                                              const GlobalOptions& options, const Environment& env);

}  // namespace ec2dl::core
