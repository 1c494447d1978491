#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/ssh_config.hpp"

namespace ec2dl::core {

enum class HostKeyPolicy { ask, accept_new, strict };

std::string to_string(HostKeyPolicy policy);
std::optional<HostKeyPolicy> parse_host_key_policy(std::string_view text);

// Options that choose and reach the server, as given on the command line (empty/0 = unset).
struct GlobalOptions {
  std::string host;            // -H/--host
  std::string identity;        // -i/--identity
  std::string user;            // -l/--user
  int port = 0;                // -p/--port
  std::string ssh_config;      // -F/--ssh-config
  std::string known_hosts;     // --known-hosts
  int connect_timeout = 0;     // --connect-timeout (default 10)
  int keepalive = -1;          // --keepalive SECS (default 30; 0 disables)
  std::string host_key_check;  // --host-key-check ask|accept-new|strict
  std::string remote_dir;      // --remote-dir (job registry base on the server)
  int verbosity = 0;           // -v, -vv
  bool quiet = false;          // -q
  bool json = false;           // --json
  bool no_color = false;       // --no-color
};

// `[user@]host[:port]`, with IPv6 literals in brackets ("[::1]:2222").
struct HostSpec {
  std::string user;
  std::string host;
  int port = 0;
};
Result<HostSpec> parse_host_spec(const std::string& text);

// Everything needed to open and keep an ssh connection, fully resolved.
struct Target {
  std::string alias;     // the name the user typed (-H), for messages
  std::string hostname;  // what is connected to
  std::string user;
  int port = 22;
  std::vector<std::string> identity_files;     // explicit ones (-i, IdentityFile) or the defaults
  bool identities_explicit = false;            // true when identity_files came from -i or config
  std::vector<std::string> known_hosts_files;  // user files; the first one is written
  std::vector<std::string> global_known_hosts_files;  // read only
  std::string proxy_command;                          // empty: direct TCP
  std::string identity_agent;                         // socket path; empty: none
  bool identities_only = false;  // IdentitiesOnly: offer no agent key but the identity files'
  // The resolved settings under ssh -G's names and in its notation ("hostname", "port", ...),
  // in the order `ec2dl config` prints them.
  std::vector<std::pair<std::string, std::string>> ssh_settings;
  std::vector<std::string> config_trail;  // the Host/Match lines that were evaluated, for -v
  HostKeyPolicy host_key_policy = HostKeyPolicy::strict;
  bool hash_known_hosts = false;  // ssh config HashKnownHosts: record new keys hashed
  int connect_timeout_s = 10;
  int keepalive_interval_s = 30;  // 0: no keepalive
  int keepalive_count_max = 3;
  std::string ssh_dir;
  bool interactive = false;        // a terminal is available for prompts
  std::vector<std::string> notes;  // things worth telling the user at -v (ignored config lines)

  // "user@host:port" for messages.
  std::string display() const;
  // How OpenSSH names this host in known_hosts: "host" or "[host]:port".
  std::string known_hosts_name() const;
};

// The parts of the environment that resolution reads.
struct Environment {
  std::map<std::string, std::string> vars;
  std::string home;
  std::string local_user;
  // Runs a Match exec command with /bin/sh -c: true when it exits 0. Unset: never matches.
  std::function<bool(const std::string&)> run_exec;
  // True when a fully qualified name ("host.example.com.") resolves (CanonicalDomains).
  std::function<bool(const std::string&)> resolves;
  static Environment from_process();
  std::optional<std::string> get(const std::string& name) const;
};

struct Profile;

// Resolves the target from flags, environment, the ec2dl host profile and ssh config (flags >
// environment > profile > ssh config > defaults). `profile` is the one select_profile() chose:
// its host is what ssh config is looked up for, and its user, port and identity come below
// the flags. Fails with a usage error when no host is given anywhere.
Result<Target> resolve_target(const GlobalOptions& options, const Environment& env,
                              bool interactive, const Profile* profile = nullptr);

// The ProxyCommand that reaches `target` through a ProxyJump chain with OpenSSH's client:
// ssh [-F CONFIG] [-l USER] [-p PORT] [-J HOPS] -W '[HOST]:PORT' LASTHOP, every word quoted.
std::string proxy_jump_command(const std::vector<JumpHop>& hops, const std::string& hostname,
                               int port, const std::string& config_file);

// Expands %d %h %p %r %u %% and a leading ~ in an ssh_config path value.
std::string expand_ssh_tokens(const std::string& value, const Target& target,
                              const Environment& env);

}  // namespace ec2dl::core
