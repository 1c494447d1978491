#include "ec2dl/core/target.hpp"

#include <gtest/gtest.h>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/ssh_config.hpp"

namespace ec2dl::core {
namespace {

Environment env_with(std::map<std::string, std::string> vars = {}) {
  Environment env;
  env.vars = std::move(vars);
  env.home = "/nonexistent-home";
  env.local_user = "me";
  return env;
}

TEST(HostSpec, ParsesUserHostAndPort) {
  auto a = parse_host_spec("ec2-user@54.218.86.47");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->user, "ec2-user");
  EXPECT_EQ(a->host, "54.218.86.47");
  EXPECT_EQ(a->port, 0);
  auto b = parse_host_spec("gpu1:2222");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "gpu1");
  EXPECT_EQ(b->port, 2222);
  auto c = parse_host_spec("root@[::1]:22");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 22);
  auto d = parse_host_spec("fe80::1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "fe80::1");
}

TEST(HostSpec, RejectsNonsenseWithUsageErrors) {
  for (const char* bad :
       {"", "@host", "host:", "host:0", "host:70000", "host:abc", "[::1", "a b", "h$(id)"}) {
    auto r = parse_host_spec(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::usage) << bad;
    EXPECT_EQ(r.error().exit_code(), 2);
  }
}

TEST(ResolveTarget, NoHostAnywhereIsAUsageError) {
  auto r = resolve_target({}, env_with(), false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code(), 2);
  EXPECT_NE(r.error().hint().find("EC2DL_HOST"), std::string::npos);
}

TEST(ResolveTarget, FlagsBeatEnvironmentBeatsDefaults) {
  GlobalOptions o;
  auto from_env = resolve_target(o, env_with({{"EC2DL_HOST", "alice@box:2200"}}), false);
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->hostname, "box");
  EXPECT_EQ(from_env->user, "alice");
  EXPECT_EQ(from_env->port, 2200);
  o.host = "bob@other";
  o.port = 2022;
  auto from_flags = resolve_target(o, env_with({{"EC2DL_HOST", "alice@box:2200"}}), false);
  ASSERT_TRUE(from_flags);
  EXPECT_EQ(from_flags->hostname, "other");
  EXPECT_EQ(from_flags->user, "bob");
  EXPECT_EQ(from_flags->port, 2022);
  o.user = "carol";
  EXPECT_EQ(resolve_target(o, env_with(), false)->user, "carol");
}

TEST(ResolveTarget, DefaultsWithoutConfig) {
  GlobalOptions o;
  o.host = "box";
  auto t = resolve_target(o, env_with(), false);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->user, "me");
  EXPECT_EQ(t->port, 22);
  EXPECT_EQ(t->connect_timeout_s, 10);
  EXPECT_EQ(t->keepalive_interval_s, 30);
  EXPECT_EQ(t->keepalive_count_max, 3);
  EXPECT_EQ(t->host_key_policy, HostKeyPolicy::strict);  // no terminal
  EXPECT_FALSE(t->identities_explicit);
  EXPECT_EQ(t->known_hosts_files.front(), "/nonexistent-home/.ssh/known_hosts");
  EXPECT_EQ(t->known_hosts_name(), "box");
  auto interactive = resolve_target(o, env_with(), true);
  EXPECT_EQ(interactive->host_key_policy, HostKeyPolicy::ask);
}

TEST(ResolveTarget, UnknownPolicyIsAUsageError) {
  GlobalOptions o;
  o.host = "box";
  o.host_key_check = "maybe";
  auto r = resolve_target(o, env_with(), true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code(), 2);
}

TEST(SshConfig, FirstValueWinsAndIdentityFilesAccumulate) {
  auto cfg = SshConfig::parse(
      "# comment\n"
      "Host gpu1 gpu2\n"
      "  HostName 54.218.86.47\n"
      "  User ec2-user\n"
      "  IdentityFile ~/.ssh/aws-keypair.pem\n"
      "  ServerAliveInterval 15\n"
      "Host gpu*\n"
      "  User nobody\n"
      "  Port=2222\n"
      "  IdentityFile \"/keys/second key\"\n"
      "Host *\n"
      "  ConnectTimeout 7\n",
      "config", "/h/.ssh");
  ASSERT_TRUE(cfg);
  auto h = cfg->lookup("gpu1");
  EXPECT_EQ(h.get("hostname"), "54.218.86.47");
  EXPECT_EQ(h.get("user"), "ec2-user");
  EXPECT_EQ(h.get("port"), "2222");
  EXPECT_EQ(h.get("connecttimeout"), "7");
  EXPECT_EQ(h.get("serveraliveinterval"), "15");
  ASSERT_EQ(h.identity_files.size(), 2u);
  EXPECT_EQ(h.identity_files[1], "/keys/second key");
  auto other = cfg->lookup("db");
  EXPECT_FALSE(other.get("hostname"));
  EXPECT_EQ(other.get("connecttimeout"), "7");
  EXPECT_EQ(cfg->aliases(), (std::vector<std::string>{"gpu1", "gpu2"}));
}

TEST(SshConfig, NegatedPatternsAndMatch) {
  auto cfg = SshConfig::parse(
      "Host *.aws !bastion.aws\n  User ec2-user\n"
      "Match host db*\n  Port 5\n"
      "Match exec \"true\"\n  Port 6\n",
      "config", "/h/.ssh");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->lookup("a.aws").get("user"), "ec2-user");
  EXPECT_FALSE(cfg->lookup("bastion.aws").get("user"));
  EXPECT_EQ(cfg->lookup("db1").get("port"), "5");
  EXPECT_FALSE(cfg->lookup("web").get("port"));  // lookup() runs no Match exec command
}

TEST(SshConfig, MalformedLinesNameFileAndLine) {
  auto r = SshConfig::parse("Host a\n  HostName \"unterminated\n", "myconfig", "/h");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "myconfig:2: unterminated quote");
  auto r2 = SshConfig::parse("Host\n", "myconfig", "/h");
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message().find("myconfig:1"), std::string::npos);
}

TEST(SshPattern, Globs) {
  EXPECT_TRUE(ssh_pattern_match("gpu12", "gpu*"));
  EXPECT_TRUE(ssh_pattern_match("gpu1", "gpu?"));
  EXPECT_FALSE(ssh_pattern_match("gpu12", "gpu?"));
  EXPECT_TRUE(ssh_pattern_match("a.b.c", "*.c"));
  EXPECT_TRUE(ssh_pattern_match("", "*"));
}

TEST(ExpandTokens, PercentAndTilde) {
  Target t;
  t.hostname = "h";
  t.port = 22;
  t.user = "u";
  t.alias = "al";
  auto env = env_with();
  EXPECT_EQ(expand_ssh_tokens("~/.ssh/%h-%p-%r-%u-%n%%", t, env),
            "/nonexistent-home/.ssh/h-22-u-me-al%");
}

TEST(ErrorKinds, MapToDocumentedExitStatuses) {
  EXPECT_EQ(Error(ErrorKind::usage, "").exit_code(), 2);
  EXPECT_EQ(Error(ErrorKind::connect, "").exit_code(), 255);
  EXPECT_EQ(Error(ErrorKind::auth, "").exit_code(), 255);
  EXPECT_EQ(Error(ErrorKind::host_key, "").exit_code(), 255);
  EXPECT_EQ(Error(ErrorKind::timeout, "").exit_code(), 255);
  EXPECT_EQ(Error(ErrorKind::interrupted, "").exit_code(), 130);
  EXPECT_EQ(Error(ErrorKind::remote, "").exit_code(), 1);
  EXPECT_EQ(Error(ErrorKind::not_found, "").exit_code(), 1);
  EXPECT_EQ(Error(ErrorKind::connect, "refused").context("connect to h:22").message(),
            "connect to h:22: refused");
}

}  // namespace
}  // namespace ec2dl::core
