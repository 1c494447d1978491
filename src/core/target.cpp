#include "ec2dl/core/target.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>

#include "ec2dl/core/profiles.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

extern char** environ;

namespace ec2dl::core {

std::string to_string(HostKeyPolicy policy) {
  switch (policy) {
    case HostKeyPolicy::ask:
      return "ask";
    case HostKeyPolicy::accept_new:
      return "accept-new";
    case HostKeyPolicy::strict:
      return "strict";
  }
  return "strict";
}

std::optional<HostKeyPolicy> parse_host_key_policy(std::string_view text) {
  const auto lower = util::to_lower(text);
  if (lower == "ask") {
    return HostKeyPolicy::ask;
  }
  if (lower == "accept-new") {
    return HostKeyPolicy::accept_new;
  }
  if (lower == "strict" || lower == "yes") {
    return HostKeyPolicy::strict;
  }
  return std::nullopt;
}

Result<HostSpec> parse_host_spec(const std::string& text) {
  HostSpec spec;
  std::string rest = text;
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    spec.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (spec.user.empty()) {
      return fail(ErrorKind::usage, fmt::format("host '{}': empty user name before '@'", text));
    }
  }
  std::string port_text;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      return fail(ErrorKind::usage, fmt::format("host '{}': missing ']'", text));
    }
    spec.host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return fail(ErrorKind::usage, fmt::format("host '{}': unexpected text after ']'", text));
      }
      port_text = after.substr(1);
      has_port = true;
    }
  } else if (std::count(rest.begin(), rest.end(), ':') == 1) {
    const auto colon = rest.find(':');
    spec.host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    has_port = true;
  } else {
    spec.host = rest;  // a bare IPv6 address has several colons and no port
  }
  if (spec.host.empty()) {
    return fail(ErrorKind::usage, fmt::format("host '{}': empty host name", text));
  }
  if (spec.host.find_first_of(" \t\n\r'\"`$;&|<>\\") != std::string::npos) {
    return fail(ErrorKind::usage, fmt::format("host '{}': invalid character in host name", text));
  }
  if (has_port) {
    const auto port = util::parse_int(port_text);
    if (!port || *port < 1 || *port > 65535) {
      return fail(ErrorKind::usage,
                  fmt::format("host '{}': port must be a number from 1 to 65535", text));
    }
    spec.port = static_cast<int>(*port);
  }
  return spec;
}

std::string Target::display() const {
  const bool v6 = hostname.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + hostname + "]" : hostname;
  return fmt::format("{}@{}:{}", user, host, port);
}

std::string Target::known_hosts_name() const {
  const auto lower = util::to_lower(hostname);
  if (port == 22) {
    return lower;
  }
  return fmt::format("[{}]:{}", lower, port);
}

Environment Environment::from_process() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    env.vars.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  env.home = util::home_dir();
  if (passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) {
    env.local_user = pw->pw_name;
  } else if (auto user = env.get("USER")) {
    env.local_user = *user;
  }
  return env;
}

std::optional<std::string> Environment::get(const std::string& name) const {
  const auto it = vars.find(name);
  if (it == vars.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

std::string expand_ssh_tokens(const std::string& value, const Target& target,
                              const Environment& env) {
  std::string in = value;
  if (in == "~") {
    in = env.home;
  } else if (in.starts_with("~/")) {
    in = env.home + in.substr(1);
  }
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%' || i + 1 >= in.size()) {
      out += in[i];
      continue;
    }
    const char t = in[++i];
    switch (t) {
      case '%':
        out += '%';
        break;
      case 'd':
        out += env.home;
        break;
      case 'h':
        out += target.hostname;
        break;
      case 'p':
        out += std::to_string(target.port);
        break;
      case 'r':
        out += target.user;
        break;
      case 'u':
        out += env.local_user;
        break;
      case 'n':
        out += target.alias;
        break;
      default:
        out += '%';
        out += t;
        break;
    }
  }
  return out;
}

namespace {

std::optional<int> config_int(const SshHostConfig& cfg, const std::string& key) {
  if (auto v = cfg.get(key)) {
    if (auto n = util::parse_int(*v); n && *n >= 0 && *n <= 1000000) {
      return static_cast<int>(*n);
    }
  }
  return std::nullopt;
}

// ProxyJump "[user@]host[:port][,...]" -> an OpenSSH ProxyCommand, as libssh 0.10 does.
std::string proxy_jump_command(const std::string& jumps, const std::string& config_file) {
  const auto hops = util::split(jumps, ',');
  std::string cmd = "ssh";
  if (!config_file.empty()) {
    cmd += " -F '" + config_file + "'";
  }
  if (hops.size() > 1) {
    std::vector<std::string> rest(hops.begin(), hops.end() - 1);
    cmd += " -J " + util::join(rest, ",");
  }
  cmd += " -W '[%h]:%p' " + hops.back();
  return cmd;
}

}  // namespace

Result<Target> resolve_target(const GlobalOptions& options, const Environment& env,
                              bool interactive, const Profile* profile) {
  Target target;
  target.interactive = interactive;
  target.ssh_dir = env.home + "/.ssh";

  std::string host_text = options.host;
  if (host_text.empty()) {
    host_text = env.get("EC2DL_HOST").value_or("");
  }
  if (host_text.empty() && profile != nullptr) {
    host_text = profile->name;  // the config's default host
  }
  if (host_text.empty()) {
    return fail(ErrorKind::usage, "no server given",
                "name one with -H/--host [user@]host[:port] or an ~/.ssh/config alias, set "
                "EC2DL_HOST, or save one with 'ec2dl hosts add NAME [user@]host -i KEY'");
  }
  auto spec = parse_host_spec(host_text);
  if (!spec) {
    return fail(spec.error());
  }
  target.alias = spec->host;
  // A profile stands between the name typed and ssh config: its host is what is looked up.
  if (profile != nullptr && profile->name != spec->host) {
    profile = nullptr;
  }
  const std::string lookup_host = profile != nullptr ? profile->host : spec->host;

  // ssh config: -F replaces the user and system files, as with OpenSSH.
  std::vector<std::string> config_files;
  if (!options.ssh_config.empty()) {
    config_files.push_back(util::expand_tilde(options.ssh_config));
    struct stat st {};
    if (::stat(config_files.back().c_str(), &st) != 0) {
      return fail(ErrorKind::config,
                  fmt::format("ssh config {}: no such file", config_files.back()));
    }
  } else {
    config_files.push_back(target.ssh_dir + "/config");
    config_files.push_back("/etc/ssh/ssh_config");
  }
  SshHostConfig cfg;
  for (const auto& file : config_files) {
    auto parsed = SshConfig::load(file, target.ssh_dir);
    if (!parsed) {
      return fail(parsed.error());
    }
    auto part = parsed->lookup(lookup_host);
    for (auto& [k, v] : part.values) {
      cfg.values.emplace(k, v);
    }
    for (auto& f : part.identity_files) {
      cfg.identity_files.push_back(f);
    }
    for (auto& i : part.ignored) {
      target.notes.push_back(fmt::format("{}: ignored unsupported '{}'", file, i));
    }
  }

  target.hostname = cfg.get("hostname").value_or(lookup_host);
  // HostName may itself use %h.
  if (target.hostname.find('%') != std::string::npos) {
    Target tmp = target;
    tmp.hostname = lookup_host;
    target.hostname = expand_ssh_tokens(target.hostname, tmp, env);
  }

  // user: -l > user@ in -H > profile > config User > local user.
  if (!options.user.empty()) {
    target.user = options.user;
  } else if (!spec->user.empty()) {
    target.user = spec->user;
  } else if (profile != nullptr && !profile->user.empty()) {
    target.user = profile->user;
  } else if (auto u = cfg.get("user")) {
    target.user = *u;
  } else {
    target.user = env.local_user;
  }

  // port: -p > :port in -H > profile > config Port > 22.
  if (options.port > 0) {
    target.port = options.port;
  } else if (spec->port > 0) {
    target.port = spec->port;
  } else if (profile != nullptr && profile->port > 0) {
    target.port = profile->port;
  } else if (auto p = config_int(cfg, "port"); p && *p > 0 && *p <= 65535) {
    target.port = *p;
  }

  // identities: -i first, then the profile's, then config IdentityFile; defaults only when
  // none is given.
  if (!options.identity.empty()) {
    target.identity_files.push_back(util::expand_tilde(options.identity));
  }
  if (profile != nullptr && !profile->identity.empty()) {
    target.identity_files.push_back(expand_ssh_tokens(profile->identity, target, env));
  }
  for (const auto& f : cfg.identity_files) {
    target.identity_files.push_back(expand_ssh_tokens(f, target, env));
  }
  target.identities_explicit = !target.identity_files.empty();
  if (!target.identities_explicit) {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      target.identity_files.push_back(target.ssh_dir + "/" + name);
    }
  }

  // known hosts: --known-hosts > UserKnownHostsFile > ~/.ssh/known_hosts{,2}.
  if (!options.known_hosts.empty()) {
    target.known_hosts_files.push_back(util::expand_tilde(options.known_hosts));
  } else if (auto files = cfg.get_all("userknownhostsfile")) {
    for (const auto& f : *files) {
      target.known_hosts_files.push_back(expand_ssh_tokens(f, target, env));
    }
  } else {
    target.known_hosts_files.push_back(target.ssh_dir + "/known_hosts");
    target.known_hosts_files.push_back(target.ssh_dir + "/known_hosts2");
  }
  if (auto files = cfg.get_all("globalknownhostsfile")) {
    for (const auto& f : *files) {
      target.global_known_hosts_files.push_back(expand_ssh_tokens(f, target, env));
    }
  } else {
    target.global_known_hosts_files = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};
  }

  // proxy: ProxyCommand, else ProxyJump.
  if (auto pc = cfg.get_all("proxycommand"); pc && util::to_lower(pc->front()) != "none") {
    target.proxy_command = expand_ssh_tokens(util::join(*pc, " "), target, env);
  } else if (auto pj = cfg.get("proxyjump"); pj && util::to_lower(*pj) != "none") {
    target.proxy_command = expand_ssh_tokens(
        proxy_jump_command(*pj, options.ssh_config.empty() ? "" : config_files.front()), target,
        env);
  }

  // agent: IdentityAgent > SSH_AUTH_SOCK.
  if (auto agent = cfg.get("identityagent")) {
    if (util::to_lower(*agent) == "none") {
      target.identity_agent.clear();
    } else if (*agent == "SSH_AUTH_SOCK") {
      target.identity_agent = env.get("SSH_AUTH_SOCK").value_or("");
    } else {
      target.identity_agent = expand_ssh_tokens(*agent, target, env);
    }
  } else {
    target.identity_agent = env.get("SSH_AUTH_SOCK").value_or("");
  }

  // host key policy: flag > config StrictHostKeyChecking > ask on a terminal, strict without.
  if (!options.host_key_check.empty()) {
    auto policy = parse_host_key_policy(options.host_key_check);
    if (!policy || options.host_key_check == "yes") {
      return fail(ErrorKind::usage,
                  fmt::format("--host-key-check: '{}' is not one of ask, accept-new, strict",
                              options.host_key_check));
    }
    target.host_key_policy = *policy;
  } else if (auto shkc = cfg.get("stricthostkeychecking")) {
    const auto v = util::to_lower(*shkc);
    if (v == "yes") {
      target.host_key_policy = HostKeyPolicy::strict;
    } else if (v == "accept-new" || v == "no" || v == "off") {
      // "no" would accept changed keys in OpenSSH; ec2dl never does, so it means accept-new.
      target.host_key_policy = HostKeyPolicy::accept_new;
    } else {
      target.host_key_policy = interactive ? HostKeyPolicy::ask : HostKeyPolicy::strict;
    }
  } else {
    target.host_key_policy = interactive ? HostKeyPolicy::ask : HostKeyPolicy::strict;
  }
  if (target.host_key_policy == HostKeyPolicy::ask && !interactive) {
    target.host_key_policy = HostKeyPolicy::strict;
  }
  if (auto hash = cfg.get("hashknownhosts")) {
    target.hash_known_hosts = util::to_lower(*hash) == "yes";
  }

  // timeouts.
  if (options.connect_timeout > 0) {
    target.connect_timeout_s = options.connect_timeout;
  } else if (auto t = config_int(cfg, "connecttimeout"); t && *t > 0) {
    target.connect_timeout_s = *t;
  }
  if (options.keepalive >= 0) {
    target.keepalive_interval_s = options.keepalive;
  } else if (auto k = config_int(cfg, "serveraliveinterval")) {
    target.keepalive_interval_s = *k;
  }
  if (auto c = config_int(cfg, "serveralivecountmax"); c && *c > 0) {
    target.keepalive_count_max = *c;
  }
  return target;
}

}  // namespace ec2dl::core
