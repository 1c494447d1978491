#include "ec2dl/core/target.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
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
  env.run_exec = [](const std::string& command) {
    // As OpenSSH: /bin/sh -c COMMAND, stdin and stdout on /dev/null, stderr left alone.
    const pid_t pid = ::fork();
    if (pid < 0) {
      return false;
    }
    if (pid == 0) {
      const int null_fd = ::open("/dev/null", O_RDWR);
      if (null_fd >= 0) {
        ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
      }
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        return false;
      }
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  env.resolves = [](const std::string& name) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) {
      return false;
    }
    ::freeaddrinfo(res);
    return true;
  };
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

std::string quote(const std::string& word) {
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string hop_text(const JumpHop& hop) {
  std::string out = hop.user.empty() ? "" : hop.user + "@";
  const bool v6 = hop.host.find(':') != std::string::npos;
  out += v6 ? "[" + hop.host + "]" : hop.host;
  if (hop.port > 0) {
    out += ":" + std::to_string(hop.port);
  }
  return out;
}

bool is_address(const std::string& host) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) {
    return false;
  }
  ::freeaddrinfo(res);
  return true;
}

// ssh -G's spelling of a yes/no/ask StrictHostKeyChecking value.
std::string strict_text(const std::optional<std::string>& value) {
  if (!value) {
    return "ask";
  }
  const auto v = util::to_lower(*value);
  if (v == "yes" || v == "true") {
    return "true";
  }
  if (v == "no" || v == "false" || v == "off") {
    return "false";
  }
  return v;
}

std::string yes_no(const std::optional<std::string>& value, const std::string& fallback) {
  if (!value) {
    return fallback;
  }
  const auto v = util::to_lower(*value);
  return v == "yes" || v == "true" ? "yes" : "no";
}

// CanonicalizeHostname as OpenSSH 9.2 applies it: returns the new name, the name unchanged
// when no rule applies, or an error when it must resolve and does not.
Result<std::string> canonicalize(const std::string& host, const SshHostConfig& cfg, bool direct,
                                 const Environment& env, Target& target) {
  const auto mode = util::to_lower(cfg.get("canonicalizehostname").value_or("no"));
  if (mode != "yes" && mode != "always" && mode != "true") {
    return host;
  }
  if (!direct && mode != "always") {
    return host;  // a proxy resolves the name
  }
  if (host.empty() || is_address(host)) {
    return host;
  }
  const bool fallback = yes_no(cfg.get("canonicalizefallbacklocal"), "yes") == "yes";
  auto resolves = [&](const std::string& name) { return env.resolves && env.resolves(name); };
  if (host.back() == '.') {
    const auto bare = host.substr(0, host.size() - 1);
    if (resolves(host)) {
      return bare;
    }
  } else {
    const auto dots = std::count(host.begin(), host.end(), '.');
    const auto max_dots = util::parse_int(cfg.get("canonicalizemaxdots").value_or("1")).value_or(1);
    if (dots > max_dots) {
      return host;
    }
    for (const auto& domain :
         cfg.get_all("canonicaldomains").value_or(std::vector<std::string>{})) {
      if (util::to_lower(domain) == "none") {
        break;
      }
      const auto full = host + "." + domain;
      if (resolves(full + ".")) {
        target.config_trail.push_back(fmt::format("canonicalized \"{}\" => \"{}\"", host, full));
        return util::to_lower(full);
      }
    }
  }
  if (!fallback) {
    return fail(ErrorKind::config, fmt::format("Could not resolve host \"{}\"", host),
                "CanonicalizeFallbackLocal is no and no CanonicalDomains entry resolves");
  }
  return host;
}

}  // namespace

std::string proxy_jump_command(const std::vector<JumpHop>& hops, const std::string& hostname,
                               int port, const std::string& config_file) {
  std::string cmd = "ssh";
  if (!config_file.empty()) {
    cmd += " -F " + quote(config_file);
  }
  const auto& last = hops.back();
  if (!last.user.empty()) {
    cmd += " -l " + quote(last.user);
  }
  if (last.port > 0) {
    cmd += " -p " + std::to_string(last.port);
  }
  if (hops.size() > 1) {
    std::vector<std::string> rest;
    for (std::size_t i = 0; i + 1 < hops.size(); ++i) {
      rest.push_back(hop_text(hops[i]));
    }
    cmd += " -J " + quote(util::join(rest, ","));
  }
  cmd += " -W " + quote("[" + hostname + "]" + ":" + std::to_string(port));
  cmd += " " + quote(last.host);
  return cmd;
}

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
  std::vector<SshConfig> configs;
  for (const auto& file : config_files) {
    auto parsed = SshConfig::load(file, target.ssh_dir);
    if (!parsed) {
      return fail(parsed.error());
    }
    configs.push_back(std::move(*parsed));
  }
  // What Match sees: the user and port given outside ssh config (flags, -H, the profile).
  SshMatchInput in;
  in.host = lookup_host;
  in.original_host = lookup_host;
  in.user = !options.user.empty() ? options.user
            : !spec->user.empty() ? spec->user
            : profile != nullptr  ? profile->user
                                  : std::string();
  in.port = options.port > 0     ? options.port
            : spec->port > 0     ? spec->port
            : profile != nullptr ? profile->port
                                 : 0;
  // A user name reaches Match exec (%r) and ProxyCommand (%r) through a shell: refuse shell
  // syntax in it before anything runs, as OpenSSH 9.6 does (libssh refuses it later anyway).
  if (in.user.find_first_of(" \t\n'\"`$;&|<>\\(){}*?") != std::string::npos) {
    return fail(
        ErrorKind::usage,
        fmt::format("invalid user name '{}': shell metacharacters are not allowed", in.user));
  }
  in.local_user = env.local_user;
  in.home = env.home;
  in.exec = env.run_exec;
  SshHostConfig cfg;
  for (const auto& config : configs) {
    config.apply(in, cfg);
  }
  // OpenSSH takes HostName (with %h) into use, lower-cases it, canonicalises it if asked, and
  // reads the files a second time when it did or a Match final/canonical asked for it.
  std::string host = lookup_host;
  if (auto hn = cfg.get("hostname")) {
    Target tmp = target;
    tmp.hostname = lookup_host;
    host = expand_ssh_tokens(*hn, tmp, env);
  }
  if (!is_address(host)) {
    host = util::to_lower(host);
  }
  const auto proxy_set = [&](const char* key) {
    auto v = cfg.get(key);
    return v && util::to_lower(*v) != "none";
  };
  const bool direct = !proxy_set("proxycommand") && !proxy_set("proxyjump");
  auto canonical = canonicalize(host, cfg, direct, env, target);
  if (!canonical) {
    return fail(canonical.error());
  }
  host = *canonical;
  const auto canon_mode = util::to_lower(cfg.get("canonicalizehostname").value_or("no"));
  const bool canon_on = canon_mode == "yes" || canon_mode == "always" || canon_mode == "true";
  if (canon_on || cfg.want_final_pass) {
    cfg.values["hostname"] = {host};
    cfg.trail.push_back(fmt::format("reading the ssh config again for '{}' (final pass)", host));
    in.host = host;
    in.final_pass = true;
    for (const auto& config : configs) {
      config.apply(in, cfg);
    }
  }
  for (auto& line : cfg.trail) {
    target.config_trail.push_back(std::move(line));
  }
  for (auto& w : cfg.warnings) {
    target.notes.push_back(std::move(w));
  }
  target.hostname = host;

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

  // proxy: ProxyCommand or ProxyJump, whichever the config gave first (apply() keeps one).
  if (auto pc = cfg.get_all("proxycommand"); pc && util::to_lower(pc->front()) != "none") {
    target.proxy_command = "exec " + expand_ssh_tokens(util::join(*pc, " "), target, env);
  } else if (auto pj = cfg.get("proxyjump"); pj && util::to_lower(*pj) != "none") {
    auto hops = parse_proxy_jump(*pj);
    if (!hops) {
      return fail(hops.error());
    }
    target.proxy_command =
        proxy_jump_command(*hops, target.hostname, target.port,
                           options.ssh_config.empty() ? std::string() : config_files.front());
  }

  // agent: IdentityAgent (none, SSH_AUTH_SOCK, $VAR or a path) > SSH_AUTH_SOCK.
  target.identities_only = yes_no(cfg.get("identitiesonly"), "no") == "yes";
  if (auto agent = cfg.get("identityagent")) {
    if (util::to_lower(*agent) == "none") {
      target.identity_agent.clear();
    } else if (*agent == "SSH_AUTH_SOCK") {
      target.identity_agent = env.get("SSH_AUTH_SOCK").value_or("");
    } else if (agent->starts_with("$")) {
      target.identity_agent = env.get(agent->substr(1)).value_or("");
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

  // What `ec2dl config` prints, in ssh -G's notation.
  auto& out = target.ssh_settings;
  out.emplace_back("host", lookup_host);
  out.emplace_back("user", target.user);
  out.emplace_back("hostname", target.hostname);
  out.emplace_back("port", std::to_string(target.port));
  out.emplace_back("identitiesonly", target.identities_only ? "yes" : "no");
  out.emplace_back("stricthostkeychecking", strict_text(cfg.get("stricthostkeychecking")));
  out.emplace_back("canonicalizehostname", canon_mode == "yes" || canon_mode == "true" ? "true"
                                           : canon_mode == "always"                    ? "always"
                                                                                       : "false");
  out.emplace_back("canonicalizefallbacklocal",
                   yes_no(cfg.get("canonicalizefallbacklocal"), "yes"));
  out.emplace_back("canonicalizemaxdots", cfg.get("canonicalizemaxdots").value_or("1"));
  out.emplace_back(
      "canonicaldomains",
      util::join(cfg.get_all("canonicaldomains").value_or(std::vector<std::string>{"none"}), " "));
  if (auto agent = cfg.get("identityagent")) {
    out.emplace_back("identityagent", *agent);
  }
  if (!options.identity.empty()) {
    out.emplace_back("identityfile", options.identity);
  }
  if (profile != nullptr && !profile->identity.empty()) {
    out.emplace_back("identityfile", profile->identity);
  }
  for (const auto& f : cfg.identity_files) {
    out.emplace_back("identityfile", f);
  }
  if (!target.identities_explicit) {
    for (const auto& f : target.identity_files) {
      out.emplace_back("identityfile", f);
    }
  }
  out.emplace_back("userknownhostsfile", util::join(target.known_hosts_files, " "));
  out.emplace_back("globalknownhostsfile", util::join(target.global_known_hosts_files, " "));
  if (auto pj = cfg.get("proxyjump"); pj && util::to_lower(*pj) != "none") {
    // As ssh -G: the hops before the last as written, the last one parsed.
    const auto comma = pj->rfind(',');
    auto hops = parse_proxy_jump(*pj);
    const auto last = hops ? hop_text(hops->back()) : *pj;
    out.emplace_back("proxyjump",
                     comma == std::string::npos ? last : pj->substr(0, comma + 1) + last);
  }
  if (auto pc = cfg.get_all("proxycommand"); pc && util::to_lower(pc->front()) != "none") {
    out.emplace_back("proxycommand", util::join(*pc, " "));
  }
  out.emplace_back("connecttimeout", cfg.get("connecttimeout").value_or("none"));
  out.emplace_back("serveraliveinterval", cfg.get("serveraliveinterval").value_or("0"));
  out.emplace_back("serveralivecountmax", cfg.get("serveralivecountmax").value_or("3"));
  return target;
}

}  // namespace ec2dl::core
