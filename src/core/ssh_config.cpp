#include "ec2dl/core/ssh_config.hpp"

#include <glob.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
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
    if (line[i] == '"' || line[i] == '\'') {
      const char quote = line[i];
      ++i;
      const auto end = line.find(quote, i);
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

// Why a Match line's criteria are malformed ("" when they are not), as OpenSSH checks them.
std::string match_problem(const std::vector<std::string>& criteria) {
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    auto attr = util::to_lower(criteria[i]);
    if (!attr.empty() && attr[0] == '!') {
      attr = attr.substr(1);
    }
    if (attr == "all" || attr == "canonical" || attr == "final") {
      continue;
    }
    if (attr == "host" || attr == "originalhost" || attr == "user" || attr == "localuser" ||
        attr == "exec") {
      if (i + 1 >= criteria.size()) {
        return fmt::format("missing argument for '{}'", criteria[i]);
      }
      ++i;
      continue;
    }
    return fmt::format("unsupported attribute '{}'", criteria[i]);
  }
  return {};
}

std::string local_hostname(bool shortened) {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) {
    return {};
  }
  std::string name = buf;
  if (shortened) {
    name = name.substr(0, name.find('.'));
  }
  return name;
}

// Expands the tokens OpenSSH expands in a Match exec command.
std::string expand_match_tokens(const std::string& cmd, const std::string& host,
                                const SshMatchInput& in, const std::string& user, int port) {
  std::string out;
  for (std::size_t i = 0; i < cmd.size(); ++i) {
    if (cmd[i] != '%' || i + 1 >= cmd.size()) {
      out += cmd[i];
      continue;
    }
    const char t = cmd[++i];
    switch (t) {
      case '%':
        out += '%';
        break;
      case 'h':
        out += host;
        break;
      case 'n':
        out += in.original_host;
        break;
      case 'p':
        out += std::to_string(port);
        break;
      case 'r':
        out += user;
        break;
      case 'u':
        out += in.local_user;
        break;
      case 'd':
        out += in.home;
        break;
      case 'l':
        out += local_hostname(false);
        break;
      case 'L':
        out += local_hostname(true);
        break;
      default:
        out += '%';
        out += t;
        break;
    }
  }
  return out;
}

// Replaces %h in a HostName value with `host`.
std::string expand_h(const std::string& value, const std::string& host) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 1 < value.size() && (value[i + 1] == 'h' || value[i + 1] == '%')) {
      out += value[i + 1] == 'h' ? host : "%";
      ++i;
    } else {
      out += value[i];
    }
  }
  return out;
}

// Evaluates a Match line as OpenSSH 9.2 does: every criterion must hold; exec is skipped
// (and does not run) once an earlier criterion failed.
bool match_block(const SshConfigBlock& block, const SshMatchInput& in, SshHostConfig& out) {
  const auto& c = block.patterns;
  bool result = true;
  const auto hostname = out.get("hostname");
  const std::string host = hostname ? expand_h(*hostname, in.host) : in.host;
  const std::string user = !in.user.empty() ? in.user : out.get("user").value_or(in.local_user);
  int port = in.port;
  if (port == 0) {
    port = static_cast<int>(util::parse_int(out.get("port").value_or("22")).value_or(22));
  }
  std::vector<std::string> notes;
  for (std::size_t i = 0; i < c.size(); ++i) {
    auto attr = util::to_lower(c[i]);
    const bool negate = !attr.empty() && attr[0] == '!';
    if (negate) {
      attr = attr.substr(1);
    }
    if (attr == "all") {
      if (negate) {
        result = false;
      }
      continue;
    }
    if (attr == "canonical" || attr == "final") {
      if (attr == "final") {
        out.want_final_pass = true;
      }
      if (in.final_pass == negate) {
        result = false;
      }
      continue;
    }
    const std::string arg = i + 1 < c.size() ? c[++i] : std::string();
    bool r = false;
    if (attr == "host") {
      r = ssh_host_matches(host, util::split(arg, ','), true);
    } else if (attr == "originalhost") {
      r = ssh_host_matches(in.original_host, util::split(arg, ','), true);
    } else if (attr == "user") {
      r = ssh_host_matches(user, util::split(arg, ','));
    } else if (attr == "localuser") {
      r = ssh_host_matches(in.local_user, util::split(arg, ','));
    } else if (attr == "exec") {
      if (!result) {
        notes.push_back(fmt::format("exec \"{}\" skipped", arg));
        continue;
      }
      const auto cmd = expand_match_tokens(arg, host, in, user, port);
      r = in.exec ? in.exec(cmd) : false;
      notes.push_back(fmt::format("exec \"{}\" {}", cmd, r ? "exited 0" : "failed"));
    }
    if (r == negate) {
      result = false;
    }
  }
  out.trail.push_back(fmt::format("{}:{}: Match {}: {}{}{}", block.file, block.line,
                                  util::join(c, " "), result ? "matched" : "not matched",
                                  notes.empty() ? "" : "; ", util::join(notes, "; ")));
  return result;
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

bool ssh_host_matches(const std::string& host, const std::vector<std::string>& patterns,
                      bool fold_case) {
  bool matched = false;
  const auto subject = fold_case ? util::to_lower(host) : host;
  for (const auto& raw : patterns) {
    if (raw.empty()) {
      continue;
    }
    const bool negated = raw[0] == '!';
    const auto body = negated ? raw.substr(1) : raw;
    const auto pattern = fold_case ? util::to_lower(body) : body;
    if (ssh_pattern_match(subject, pattern)) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

bool ssh_keyword_known(const std::string& keyword) {
  // OpenSSH 9.2's client keywords (readconf.c), Debian's GSSAPI ones and the deprecated and
  // unsupported ones it still accepts quietly.
  static const std::vector<std::string> k_known = {"addkeystoagent",
                                                   "addressfamily",
                                                   "batchmode",
                                                   "bindaddress",
                                                   "bindinterface",
                                                   "canonicaldomains",
                                                   "canonicalizefallbacklocal",
                                                   "canonicalizehostname",
                                                   "canonicalizemaxdots",
                                                   "canonicalizepermittedcnames",
                                                   "casignaturealgorithms",
                                                   "certificatefile",
                                                   "challengeresponseauthentication",
                                                   "checkhostip",
                                                   "cipher",
                                                   "ciphers",
                                                   "clearallforwardings",
                                                   "compression",
                                                   "compressionlevel",
                                                   "connectionattempts",
                                                   "connecttimeout",
                                                   "controlmaster",
                                                   "controlpath",
                                                   "controlpersist",
                                                   "dsaauthentication",
                                                   "dynamicforward",
                                                   "enableescapecommandline",
                                                   "enablesshkeysign",
                                                   "escapechar",
                                                   "exitonforwardfailure",
                                                   "fallbacktorsh",
                                                   "fingerprinthash",
                                                   "forkafterauthentication",
                                                   "forwardagent",
                                                   "forwardx11",
                                                   "forwardx11timeout",
                                                   "forwardx11trusted",
                                                   "gatewayports",
                                                   "globalknownhostsfile",
                                                   "globalknownhostsfile2",
                                                   "gssapiauthentication",
                                                   "gssapiclientidentity",
                                                   "gssapidelegatecredentials",
                                                   "gssapikeyexchange",
                                                   "gssapikexalgorithms",
                                                   "gssapirenewalforcesrekey",
                                                   "gssapiserveridentity",
                                                   "gssapitrustdns",
                                                   "hashknownhosts",
                                                   "host",
                                                   "hostbasedacceptedalgorithms",
                                                   "hostbasedauthentication",
                                                   "hostbasedkeytypes",
                                                   "hostkeyalgorithms",
                                                   "hostkeyalias",
                                                   "hostname",
                                                   "identitiesonly",
                                                   "identityagent",
                                                   "identityfile",
                                                   "identityfile2",
                                                   "ignoreunknown",
                                                   "include",
                                                   "ipqos",
                                                   "kbdinteractiveauthentication",
                                                   "kbdinteractivedevices",
                                                   "keepalive",
                                                   "kexalgorithms",
                                                   "knownhostscommand",
                                                   "localcommand",
                                                   "localforward",
                                                   "loglevel",
                                                   "logverbose",
                                                   "macs",
                                                   "match",
                                                   "nohostauthenticationforlocalhost",
                                                   "numberofpasswordprompts",
                                                   "passwordauthentication",
                                                   "permitlocalcommand",
                                                   "permitremoteopen",
                                                   "pkcs11provider",
                                                   "port",
                                                   "preferredauthentications",
                                                   "protocol",
                                                   "proxycommand",
                                                   "proxyjump",
                                                   "proxyusefdpass",
                                                   "pubkeyacceptedalgorithms",
                                                   "pubkeyacceptedkeytypes",
                                                   "pubkeyauthentication",
                                                   "rekeylimit",
                                                   "remotecommand",
                                                   "remoteforward",
                                                   "requesttty",
                                                   "requiredrsasize",
                                                   "revokedhostkeys",
                                                   "rhostsauthentication",
                                                   "rhostsrsaauthentication",
                                                   "rsaauthentication",
                                                   "securitykeyprovider",
                                                   "sendenv",
                                                   "serveralivecountmax",
                                                   "serveraliveinterval",
                                                   "sessiontype",
                                                   "setenv",
                                                   "skeyauthentication",
                                                   "smartcarddevice",
                                                   "stdinnull",
                                                   "streamlocalbindmask",
                                                   "streamlocalbindunlink",
                                                   "stricthostkeychecking",
                                                   "syslogfacility",
                                                   "tcpkeepalive",
                                                   "tisauthentication",
                                                   "tunnel",
                                                   "tunneldevice",
                                                   "updatehostkeys",
                                                   "useblacklistedkeys",
                                                   "useprivilegedport",
                                                   "user",
                                                   "userknownhostsfile",
                                                   "userknownhostsfile2",
                                                   "useroaming",
                                                   "usersh",
                                                   "verifyhostkeydns",
                                                   "visualhostkey",
                                                   "xauthlocation"};
  return std::find(k_known.begin(), k_known.end(), keyword) != k_known.end();
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
    if (keyword == "proxycommand" || keyword == "localcommand" || keyword == "remotecommand" ||
        keyword == "knownhostscommand") {
      // OpenSSH keeps these as the raw rest of the line, quotes included, for sh -c.
      std::string_view rest = line;
      rest.remove_prefix(std::min(rest.size(), (*words)[0].size()));
      while (!rest.empty() &&
             (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '=')) {
        rest.remove_prefix(1);
      }
      args = {std::string(rest)};
    }
    if (keyword == "host" || keyword == "match") {
      if (args.empty()) {
        return fail(ErrorKind::config,
                    fmt::format("{}:{}: {} needs an argument", name, line_no, (*words)[0]));
      }
      SshConfigBlock block;
      block.kind = keyword == "host" ? SshConfigBlock::Kind::host : SshConfigBlock::Kind::match;
      if (block.kind == SshConfigBlock::Kind::match) {
        if (auto problem = match_problem(args); !problem.empty()) {
          return fail(ErrorKind::config, fmt::format("{}:{}: Match: {}", name, line_no, problem));
        }
      }
      block.patterns = std::move(args);
      block.file = name;
      block.line = line_no;
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
        const int globbed = ::glob(pattern.c_str(), 0, nullptr, &g);
        std::vector<std::string> found;
        for (std::size_t k = 0; globbed == 0 && k < g.gl_pathc; ++k) {
          found.emplace_back(g.gl_pathv[k]);
        }
        m_include_trail.push_back(
            fmt::format("{}:{}: Include {}: {}", name, line_no, arg,
                        found.empty() ? "no file matches" : "read " + util::join(found, ", ")));
        if (globbed == 0) {
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
    m_blocks.back().lines.push_back({keyword, std::move(args), name, line_no, (*words)[0]});
  }
  return ok();
}

void SshConfig::apply(const SshMatchInput& in, SshHostConfig& out) const {
  if (!in.final_pass) {
    out.trail.insert(out.trail.end(), m_include_trail.begin(), m_include_trail.end());
  }
  for (const auto& block : m_blocks) {
    bool applies = true;
    if (block.kind == SshConfigBlock::Kind::host) {
      applies = ssh_host_matches(in.host, block.patterns);
      if (applies) {
        out.trail.push_back(fmt::format("{}:{}: Host {}: matched '{}'", block.file, block.line,
                                        util::join(block.patterns, " "), in.host));
      }
    } else if (block.kind == SshConfigBlock::Kind::match) {
      applies = match_block(block, in, out);
    }
    for (const auto& line : block.lines) {
      if (!ssh_keyword_known(line.keyword)) {
        const auto ignore = out.get_all("ignoreunknown");
        std::vector<std::string> patterns;
        for (const auto& arg : ignore.value_or(std::vector<std::string>{})) {
          for (const auto& p : util::split(arg, ',')) {
            patterns.push_back(p);
          }
        }
        if (!ssh_host_matches(line.keyword, patterns, true)) {
          auto warning = fmt::format(
              "{}:{}: unknown ssh_config keyword '{}' ignored (OpenSSH refuses it; add "
              "'IgnoreUnknown {}' before it)",
              line.file, line.line, line.spelled, line.spelled);
          if (std::find(out.warnings.begin(), out.warnings.end(), warning) == out.warnings.end()) {
            out.warnings.push_back(std::move(warning));
          }
        }
        continue;
      }
      if (!applies) {
        continue;
      }
      if (line.keyword == "identityfile") {
        if (std::find(out.identity_files.begin(), out.identity_files.end(), line.args.front()) ==
            out.identity_files.end()) {
          out.identity_files.push_back(line.args.front());
        }
        continue;
      }
      // ProxyCommand and ProxyJump exclude each other: the first one given wins.
      if ((line.keyword == "proxycommand" && out.values.contains("proxyjump")) ||
          (line.keyword == "proxyjump" && out.values.contains("proxycommand"))) {
        continue;
      }
      out.values.emplace(line.keyword, line.args);  // first value wins
    }
  }
}

SshHostConfig SshConfig::lookup(const std::string& host) const {
  SshMatchInput in;
  in.host = host;
  in.original_host = host;
  SshHostConfig out;
  apply(in, out);
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

namespace {

bool valid_host_name(const std::string& host) {
  if (host.empty() || host.front() == '-') {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) != 0 || ch == '.' || ch == '-' || ch == '_' || ch == ':' || ch == '%';
  });
}

Result<JumpHop> parse_hop(const std::string& text) {
  std::string rest = text;
  const bool uri = util::to_lower(rest).starts_with("ssh://");
  if (uri) {
    rest = rest.substr(6);
    if (!rest.empty() && rest.back() == '/') {
      rest.pop_back();
    }
    if (rest.find('/') != std::string::npos) {
      return fail(ErrorKind::config, fmt::format("ProxyJump '{}': a path in an ssh:// URI", text));
    }
    if (rest.find('[') != std::string::npos) {
      // OpenSSH 9.2 refuses these too; write the hop as user@[addr]:port.
      return fail(ErrorKind::config,
                  fmt::format("ProxyJump '{}': an IPv6 address in an ssh:// URI", text));
    }
  }
  JumpHop hop;
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    hop.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (hop.user.empty() || hop.user.find_first_of(" \t'\"`$;&|<>\\()") != std::string::npos) {
      return fail(ErrorKind::config, fmt::format("ProxyJump '{}': invalid user name", text));
    }
  }
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      return fail(ErrorKind::config, fmt::format("ProxyJump '{}': missing ']'", text));
    }
    hop.host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return fail(ErrorKind::config, fmt::format("ProxyJump '{}': text after ']'", text));
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return fail(ErrorKind::config, fmt::format("ProxyJump '{}': empty port", text));
      }
    }
  } else if (const auto colon = rest.find(':'); colon != std::string::npos) {
    hop.host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (port_text.empty()) {
      return fail(ErrorKind::config, fmt::format("ProxyJump '{}': empty port", text));
    }
  } else {
    hop.host = rest;
  }
  if (!valid_host_name(hop.host)) {
    return fail(ErrorKind::config, fmt::format("ProxyJump '{}': invalid host name", text));
  }
  if (!port_text.empty()) {
    const auto port = util::parse_int(port_text);
    if (!port || *port < 1 || *port > 65535) {
      return fail(ErrorKind::config,
                  fmt::format("ProxyJump '{}': port must be a number from 1 to 65535", text));
    }
    hop.port = static_cast<int>(*port);
  }
  return hop;
}

}  // namespace

Result<std::vector<JumpHop>> parse_proxy_jump(const std::string& value) {
  std::vector<JumpHop> hops;
  if (util::to_lower(value) == "none") {
    return hops;
  }
  for (const auto& part : util::split(value, ',')) {
    if (part.empty()) {
      return fail(ErrorKind::config, fmt::format("ProxyJump '{}': empty hop", value));
    }
    auto hop = parse_hop(part);
    if (!hop) {
      return fail(hop.error());
    }
    hops.push_back(std::move(*hop));
  }
  if (hops.empty()) {
    return fail(ErrorKind::config, "ProxyJump: empty value");
  }
  return hops;
}

}  // namespace ec2dl::core
