// ssh_config forms real users have: Match, canonicalisation, ProxyJump, IgnoreUnknown.
#include <gtest/gtest.h>

#include "ec2dl/core/ssh_config.hpp"
#include "ec2dl/core/target.hpp"
#include "support/process.hpp"

namespace ec2dl::core {
namespace {

// An environment whose Match exec runs nothing but records the commands, and whose resolver
// knows the names in `resolvable`.
struct FakeEnv {
  std::vector<std::string> commands;
  std::vector<std::string> resolvable;
  bool exec_result = true;
  Environment env() {
    Environment e;
    e.home = "/home/me";
    e.local_user = "me";
    e.run_exec = [this](const std::string& c) {
      commands.push_back(c);
      return exec_result;
    };
    e.resolves = [this](const std::string& n) {
      return std::find(resolvable.begin(), resolvable.end(), n) != resolvable.end();
    };
    return e;
  }
};

std::string write_config(const std::string& text) {
  static int n = 0;
  const auto path =
      "/tmp/ec2dl-unit-sshcfg-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  test::write_text(path, text);
  return path;
}

Result<Target> resolve(const std::string& config, const std::string& host, FakeEnv& fake,
                       GlobalOptions o = {}) {
  o.ssh_config = write_config(config);
  o.host = host;
  auto t = resolve_target(o, fake.env(), false);
  std::remove(o.ssh_config.c_str());
  return t;
}

std::string setting(const Target& t, const std::string& key) {
  for (const auto& [k, v] : t.ssh_settings) {
    if (k == key) {
      return v;
    }
  }
  return "<unset>";
}

TEST(SshConfigMatch, HostPatternsAreCaseSensitiveMatchHostIsNot) {
  FakeEnv fake;
  const std::string cfg =
      "Host Gpu1\n  Port 1\nHost gpu1\n  Port 2\nMatch originalhost GPU*\n  User orig\n";
  auto lower = resolve(cfg, "gpu1", fake);
  ASSERT_TRUE(lower) << lower.error().message();
  EXPECT_EQ(lower->port, 2);
  EXPECT_EQ(lower->user, "orig");
  auto upper = resolve(cfg, "GPU1", fake);
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->port, 22);
  EXPECT_EQ(upper->user, "orig");
  EXPECT_EQ(upper->hostname, "gpu1");  // lower-cased, as ssh -G shows
}

TEST(SshConfigMatch, ExecRunsWithTokensOnlyWhenEarlierCriteriaHold) {
  FakeEnv fake;
  const std::string cfg =
      "Match host nomatch exec \"never %h\"\n  Port 5\n"
      "Match host box exec \"probe %h %p %r %n %u %%\"\n  Port 6\n";
  auto t = resolve(cfg, "box", fake);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 6);
  ASSERT_EQ(fake.commands.size(), 1u);
  EXPECT_EQ(fake.commands[0], "probe box 22 me box me %");
  fake.exec_result = false;
  fake.commands.clear();
  auto f = resolve(cfg, "box", fake);
  EXPECT_EQ(f->port, 22);
  auto neg = resolve("Match !exec \"false\"\n  Port 9\n", "box", fake);
  EXPECT_EQ(neg->port, 9);
}

TEST(SshConfigMatch, ShellTextInTheUserNameRunsNothing) {
  FakeEnv fake;
  GlobalOptions o;
  o.user = "$(touch x)";
  auto r = resolve("Match exec \"echo %r\"\n  Port 5\n", "box", fake, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code(), 2);
  EXPECT_TRUE(fake.commands.empty());
  auto spec = resolve("Match exec \"echo %r\"\n  Port 5\n", "a;b@box", fake);
  ASSERT_FALSE(spec);
  EXPECT_TRUE(fake.commands.empty());
}

TEST(SshConfigMatch, UserLocalUserAllAndNegation) {
  FakeEnv fake;
  const std::string cfg =
      "Match user root\n  Port 1\n"
      "Match localuser me !user admin\n  IdentityFile /k/me\n"
      "Match all\n  ConnectTimeout 4\n";
  auto t = resolve(cfg, "box", fake);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 22);
  EXPECT_EQ(t->identity_files, (std::vector<std::string>{"/k/me"}));
  EXPECT_EQ(t->connect_timeout_s, 4);
  GlobalOptions o;
  o.user = "root";  // Match user sees the command line's user
  auto r = resolve(cfg, "box", fake, o);
  EXPECT_EQ(r->port, 1);
}

TEST(SshConfigMatch, FinalAndCanonicalMatchInTheSecondPassOnly) {
  FakeEnv fake;
  const std::string cfg =
      "Host box\n  HostName real.example\n"
      "Match canonical host real.example\n  User canon\n"
      "Match !final\n  Port 7\n"
      "Match final\n  ConnectTimeout 3\n";
  auto t = resolve(cfg, "box", fake);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->user, "canon");
  EXPECT_EQ(t->port, 7);
  EXPECT_EQ(t->connect_timeout_s, 3);
  auto without = resolve("Match canonical\n  User canon\n", "box", fake);
  EXPECT_EQ(without->user, "me");  // no final pass without Match final or canonicalisation
}

TEST(SshConfigCanonical, DomainsMaxDotsFallbackAndProxy) {
  FakeEnv fake;
  fake.resolvable = {"gpu1.lab.example."};
  const std::string base =
      "CanonicalizeHostname yes\nCanonicalDomains nowhere.example lab.example\n"
      "Host gpu1.lab.example\n  Port 2222\n";
  auto t = resolve(base, "GPU1", fake);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->hostname, "gpu1.lab.example");
  EXPECT_EQ(t->port, 2222);  // the second pass matched the canonical name
  EXPECT_EQ(setting(*t, "canonicalizehostname"), "true");
  // More dots than CanonicalizeMaxDots: used as is.
  auto dotted = resolve(base, "a.b.c", fake);
  EXPECT_EQ(dotted->hostname, "a.b.c");
  // Not found, no fallback: an error naming the host.
  auto strict = resolve("CanonicalizeFallbackLocal no\n" + base, "other", fake);
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.error().message().find("Could not resolve host \"other\""), std::string::npos);
  EXPECT_EQ(strict.error().exit_code(), 1);
  // Addresses are never canonicalised; with a proxy only under "always".
  EXPECT_TRUE(resolve("CanonicalizeFallbackLocal no\n" + base, "127.0.0.1", fake));
  auto proxied =
      resolve("CanonicalizeHostname yes\nCanonicalDomains lab.example\nProxyCommand nc %h %p\n",
              "gpu1", fake);
  EXPECT_EQ(proxied->hostname, "gpu1");
  auto always =
      resolve("CanonicalizeHostname always\nCanonicalDomains lab.example\nProxyCommand nc %h %p\n",
              "gpu1", fake);
  EXPECT_EQ(always->hostname, "gpu1.lab.example");
}

TEST(SshConfigAlias, PlusInAnAliasIsAName) {
  FakeEnv fake;
  auto t = resolve("Host *+*\n  ProxyCommand ssh -W %h:%p jump\n", "login+node7", fake);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->hostname, "login+node7");
  EXPECT_EQ(t->proxy_command, "exec ssh -W login+node7:22 jump");
}

TEST(SshConfigUnknown, WarnsUnlessIgnoreUnknownNamesIt) {
  FakeEnv fake;
  auto t = resolve("Host *\n  UseKeychain yes\n  AddKeysToAgent yes\n", "box", fake);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->notes.size(), 1u);
  EXPECT_NE(t->notes[0].find("'UseKeychain'"), std::string::npos) << t->notes[0];
  EXPECT_NE(t->notes[0].find("IgnoreUnknown"), std::string::npos);
  auto ignored = resolve("IgnoreUnknown UseKeychain,Foo*\nHost *\n  UseKeychain yes\n  FooBar 1\n",
                         "box", fake);
  EXPECT_TRUE(ignored->notes.empty());
  // IgnoreUnknown after the line does not cover it (OpenSSH reads in order).
  auto late = resolve("UseKeychain yes\nIgnoreUnknown UseKeychain\n", "box", fake);
  EXPECT_EQ(late->notes.size(), 1u);
}

TEST(SshConfigMatch, MalformedMatchIsAConfigError) {
  for (const char* bad : {"Match exec\n", "Match nonsense x\n", "Match host\n"}) {
    auto r = SshConfig::parse(bad, "cfg", "/h");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::config);
    EXPECT_NE(r.error().message().find("cfg:1: Match"), std::string::npos);
  }
}

TEST(ProxyJump, ParsesHopsAsOpenSsh) {
  auto hops = parse_proxy_jump("alice@bastion:2222,bob@[::1]:44,gw,ssh://h2");
  ASSERT_TRUE(hops) << hops.error().message();
  ASSERT_EQ(hops->size(), 4u);
  EXPECT_EQ((*hops)[0].user, "alice");
  EXPECT_EQ((*hops)[0].host, "bastion");
  EXPECT_EQ((*hops)[0].port, 2222);
  EXPECT_EQ((*hops)[1].host, "::1");
  EXPECT_EQ((*hops)[1].port, 44);
  EXPECT_EQ((*hops)[2].host, "gw");
  EXPECT_EQ((*hops)[2].port, 0);
  EXPECT_EQ((*hops)[3].host, "h2");
  EXPECT_TRUE(parse_proxy_jump("none")->empty());
  for (const char* bad : {"h:0", "h:x", "a,,b", "$(touch${IFS}pwned)", "u@", "@h", "h;id",
                          "ssh://h/path", "[::1", "ssh://u@[::1]:22"}) {
    auto r = parse_proxy_jump(bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST(ProxyJump, CommandQuotesEveryWordAndPassesUserAndPort) {
  auto hops = parse_proxy_jump("first:2201,alice@last:2222");
  ASSERT_TRUE(hops);
  EXPECT_EQ(proxy_jump_command(*hops, "target", 22, "/c f"),
            "ssh -F '/c f' -l 'alice' -p 2222 -J 'first:2201' -W '[target]:22' 'last'");
  // A HostName with quotes stays one word.
  auto one = parse_proxy_jump("j");
  EXPECT_EQ(proxy_jump_command(*one, "x'y", 22, ""), "ssh -W '[x'\\''y]:22' 'j'");
}

TEST(ProxyJump, ProxyCommandAndProxyJumpFirstOneWins) {
  FakeEnv fake;
  auto t = resolve("Host *\n  ProxyJump u@j:2\n  ProxyCommand nc %h %p\n", "box", fake);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->proxy_command.starts_with("ssh -F '/tmp/")) << t->proxy_command;
  EXPECT_TRUE(t->proxy_command.ends_with("' -l 'u' -p 2 -W '[box]:22' 'j'")) << t->proxy_command;
  EXPECT_EQ(setting(*t, "proxycommand"), "<unset>");
  auto bad = resolve("ProxyJump 'a;b'\n", "box", fake);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::config);
}

TEST(IdentityAgent, NoneSocketVariableAndIdentitiesOnly) {
  FakeEnv fake;
  GlobalOptions o;
  auto env_sock = [&](const std::string& cfg) {
    o.ssh_config = write_config(cfg);
    o.host = "box";
    auto e = fake.env();
    e.vars["SSH_AUTH_SOCK"] = "/run/agent.sock";
    e.vars["OTHER_SOCK"] = "/run/other.sock";
    auto t = resolve_target(o, e, false);
    std::remove(o.ssh_config.c_str());
    return t;
  };
  EXPECT_EQ(env_sock("")->identity_agent, "/run/agent.sock");
  EXPECT_EQ(env_sock("IdentityAgent none\n")->identity_agent, "");
  EXPECT_EQ(env_sock("IdentityAgent SSH_AUTH_SOCK\n")->identity_agent, "/run/agent.sock");
  EXPECT_EQ(env_sock("IdentityAgent $OTHER_SOCK\n")->identity_agent, "/run/other.sock");
  EXPECT_EQ(env_sock("IdentityAgent ~/a.sock\n")->identity_agent, "/home/me/a.sock");
  auto only = env_sock("IdentitiesOnly yes\nIdentityFile /k/a\n");
  EXPECT_TRUE(only->identities_only);
  EXPECT_EQ(setting(*only, "identitiesonly"), "yes");
  EXPECT_FALSE(env_sock("")->identities_only);
}

}  // namespace
}  // namespace ec2dl::core
