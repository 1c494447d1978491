// ssh_config forms real users have, against a real sshd, with OpenSSH's own client run on the
// same config in the same test as the reference.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// keyword -> values, from `ssh -G` or `ec2dl config` output.
std::map<std::string, std::vector<std::string>> settings(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const auto line = text.substr(start, end - start);
    start = end + 1;
    const auto space = line.find(' ');
    if (space == std::string::npos) {
      continue;
    }
    out[line.substr(0, space)].push_back(line.substr(space + 1));
  }
  return out;
}

class SshConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::make_unique<TempDir>("ec2dl-sshcfg");
    fs::create_directories(path("home/.ssh"));
    // Known hosts for the sandbox under both names the jump tests use.
    auto kh = read_text(sandbox().known_hosts());
    const auto port = std::to_string(sandbox().port());
    const auto key = kh.substr(kh.find(' ') + 1);
    write_text(path("known_hosts"), kh + "[localhost]:" + port + " " + key);
  }

  std::string path(const std::string& name) const { return m_dir->path() + "/" + name; }

  // The lines every test config ends with: how to reach and trust the sandbox.
  std::string reach(const std::string& user) const {
    auto& sb = sandbox();
    return "  User " + user + "\n  IdentityFile " + sb.key() + "\n  UserKnownHostsFile " +
           path("known_hosts") + "\n  BatchMode yes\n  StrictHostKeyChecking yes\n";
  }

  std::string port() const { return std::to_string(sandbox().port()); }

  std::string config(const std::string& text) const {
    write_text(path("config"), text);
    return path("config");
  }

  RunOptions env(RunOptions o = {}) const {
    o.env["HOME"] = path("home");
    o.unset.push_back("EC2DL_HOST");
    return o;
  }

  // ec2dl -F CONFIG [args] exec -c 'echo $USER' HOST
  ProcessResult ec2dl_user(const std::string& host, RunOptions o = {},
                           const std::vector<std::string>& extra = {}) const {
    return sandbox().ec2dl(std::vector<std::string>{"-F", path("config"), "-H", host} + extra +
                               std::vector<std::string>{"exec", "-c", "echo $USER"},
                           env(std::move(o)));
  }
  ProcessResult ssh_user(const std::string& host, RunOptions o = {}) const {
    o.timeout_s = 60;
    return run_process({"ssh", "-F", path("config"), host, "echo $USER"}, o);
  }

  // Starts an ssh-agent on a socket in the test folder; stop_agent() ends it by its pid.
  std::string start_agent() {
    const auto sock = path("agent.sock");
    auto agent = run_process({"ssh-agent", "-a", sock});
    EXPECT_EQ(agent.status, 0) << agent.err;
    const auto at = agent.out.find("SSH_AGENT_PID=");
    EXPECT_NE(at, std::string::npos);
    m_agent_pid = std::stoi(agent.out.substr(at + 14));
    return sock;
  }
  void stop_agent() {
    if (m_agent_pid > 0) {
      ::kill(m_agent_pid, SIGTERM);
      EXPECT_TRUE(eventually([&] { return !fs::exists(path("agent.sock")); }, 10));
      m_agent_pid = -1;
    }
  }
  void TearDown() override { stop_agent(); }

  // Adds `n` fresh keys the server does not know to the agent, then `extra` ones.
  void add_keys(const std::string& sock, int n, const std::vector<std::string>& extra = {}) {
    RunOptions o;
    o.env["SSH_AUTH_SOCK"] = sock;
    for (int i = 0; i < n; ++i) {
      const auto k = path("wrong" + std::to_string(i));
      ASSERT_EQ(run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k}).status, 0);
      ASSERT_EQ(run_process({"ssh-add", "-q", k}, o).status, 0);
    }
    for (const auto& k : extra) {
      ASSERT_EQ(run_process({"ssh-add", "-q", k}, o).status, 0);
    }
  }

  std::unique_ptr<TempDir> m_dir;
  int m_agent_pid = -1;
};

std::string local_user() {
  passwd* pw = ::getpwuid(::getuid());
  return pw != nullptr ? pw->pw_name : "";
}

// For every keyword ec2dl config prints, ssh -G prints the same value(s) on the same config.
TEST_F(SshConfigTest, ConfigPrintsWhatSshGPrints) {
  auto& sb = sandbox();
  write_text(path("flag"), "");
  const std::string cfg =
      std::string(
          "IgnoreUnknown UseKeychain,AddKeysToMacKeychain\n"
          "Host *\n  UseKeychain yes\n"
          "Host Gpu1\n  Port 1001\n"
          "Host gpu1\n  Port 1002\n  HostName Real-GPU1.Example\n"
          "Match originalhost GPU* !user nobody\n  User orig\n") +
      "Match host real-gpu1.example exec \"test -e " + path("flag") +
      " && test %h = real-gpu1.example\"\n"
      "  IdentityFile " +
      path("id_match") +
      "\n"
      "Match exec \"test -e " +
      path("noflag") +
      "\"\n  ConnectTimeout 99\n"
      "Match localuser " +
      local_user() +
      " host jump+*\n"
      "  ProxyCommand ssh -W %h:%p login\n"
      "Match user alice\n  Port 2001\n"
      "Match !final\n  ServerAliveInterval 7\n"
      "Match final host canon*\n  ServerAliveCountMax 9\n"
      "Host canon*\n  CanonicalizeHostname yes\n  CanonicalDomains nowhere.invalid\n"
      "  CanonicalizeMaxDots 0\n"
      "Host jumps\n  ProxyJump alice@bastion:2222,bob@[::1]:44,ssh://carol@gw:2200\n  "
      "IdentitiesOnly yes\n"
      "  IdentityAgent none\n  IdentityFile /k/one\n  IdentityFile /k/two\n"
      "Host agentsock\n  IdentityAgent /run/agent.sock\n  StrictHostKeyChecking accept-new\n"
      "Host agentenv\n  IdentityAgent SSH_AUTH_SOCK\n  StrictHostKeyChecking no\n"
      "  ProxyCommand none\n  ProxyJump j1\n"
      "Host *\n  UserKnownHostsFile " +
      path("kh1") + " " + path("kh2") + "\n  GlobalKnownHostsFile " + path("gkh") +
      "\n  ConnectTimeout 5\n";
  write_text(path("included.conf"), "Host included-alias\n  Port 4444\n");
  config(cfg + "Include " + path("inc*.conf") + "\n");
  for (const auto& [host, flags] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"gpu1", {}},
           {"GPU1", {}},
           {"jump+node7", {}},
           {"jump+node7", {"-l", "alice"}},
           {"jumps", {}},
           {"agentsock", {"-p", "2022"}},
           {"agentenv", {}},
           {"canonhost", {}},
           {"canon.dotted", {}},
           {"included-alias", {}}}) {
    SCOPED_TRACE(host);
    auto ours = sb.ec2dl(std::vector<std::string>{"-F", path("config")} + flags +
                             std::vector<std::string>{"config", host},
                         env());
    ASSERT_EQ(ours.status, 0) << ours.err;
    EXPECT_EQ(ours.err, "") << "warnings are for -v";
    RunOptions o;
    auto theirs = run_process(std::vector<std::string>{"ssh", "-G", "-F", path("config")} + flags +
                                  std::vector<std::string>{host},
                              o);
    ASSERT_EQ(theirs.status, 0) << theirs.err;
    const auto a = settings(ours.out);
    const auto b = settings(theirs.out);
    ASSERT_GT(a.size(), 15u);
    for (const auto& [key, values] : a) {
      if (key == "identityfile" && a.at(key).size() == 3 && b.at(key).size() == 7) {
        continue;  // the defaults: ec2dl tries the three key types libssh reads
      }
      ASSERT_TRUE(b.contains(key)) << key;
      EXPECT_EQ(values, b.at(key)) << key;
    }
    for (const char* key : {"proxyjump", "proxycommand", "identityagent"}) {
      EXPECT_EQ(a.contains(key), b.contains(key)) << key;
    }
  }
  // The trail names the Match lines under -v.
  auto v = sb.ec2dl({"-v", "-F", path("config"), "config", "gpu1"}, env());
  EXPECT_NE(v.err.find("Match host real-gpu1.example exec"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("matched"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("Include " + path("inc*.conf") + ": read " + path("included.conf")),
            std::string::npos)
      << v.err;
}

TEST_F(SshConfigTest, CanonicalizeFallbackLocalNoFailsLikeSsh) {
  config(
      "CanonicalizeHostname yes\nCanonicalDomains nowhere.invalid\n"
      "CanonicalizeFallbackLocal no\n");
  auto ours = sandbox().ec2dl({"-F", path("config"), "config", "nohost"}, env());
  auto theirs = run_process({"ssh", "-G", "-F", path("config"), "nohost"});
  EXPECT_NE(theirs.status, 0);
  EXPECT_EQ(ours.status, 1) << ours.err;
  EXPECT_NE(ours.err.find("Could not resolve host \"nohost\""), std::string::npos) << ours.err;
  EXPECT_NE(theirs.err.find("Could not resolve host \"nohost\""), std::string::npos) << theirs.err;
  // An address and a name with more dots than CanonicalizeMaxDots are used as they are.
  EXPECT_EQ(sandbox().ec2dl({"-F", path("config"), "config", "127.0.0.1"}, env()).status, 0);
  EXPECT_EQ(sandbox().ec2dl({"-F", path("config"), "config", "a.b.c"}, env()).status, 0);
  EXPECT_EQ(run_process({"ssh", "-G", "-F", path("config"), "a.b.c"}).status, 0);
}

TEST_F(SshConfigTest, MatchExecChoosesThePortLikeSsh) {
  auto& sb = sandbox();
  config("Host box\n  HostName 127.0.0.1\n" + reach(sb.user()) + "Match exec \"test -e " +
         path("flag") + "\"\n  Port " + port() + "\nHost *\n  Port 1\n");
  // Without the flag file the Match does not hold: port 1, refused by both.
  EXPECT_EQ(ssh_user("box").status, 255);
  EXPECT_EQ(ec2dl_user("box").status, 255);
  write_text(path("flag"), "");
  auto theirs = ssh_user("box");
  EXPECT_EQ(theirs.status, 0) << theirs.err;
  auto ours = ec2dl_user("box");
  EXPECT_EQ(ours.status, 0) << ours.err;
  EXPECT_EQ(ours.out, sb.user() + "\n");
  EXPECT_EQ(ours.out, theirs.out);
}

TEST_F(SshConfigTest, MatchUserLocalUserFinalAndCanonicalReachTheServer) {
  auto& sb = sandbox();
  config(
      "Host box\n  HostName 127.0.0.1\n  CanonicalizeHostname yes\n"
      "  CanonicalDomains nowhere.invalid\n"
      "Match canonical final localuser " +
      local_user() + " host 127.0.0.1\n  Port " + port() + "\nMatch user " + sb.user_bash() + "\n" +
      reach(sb.user_bash()) + "Host *\n" + reach(sb.user()));
  auto theirs = ssh_user("box");
  EXPECT_EQ(theirs.status, 0) << theirs.err;
  auto ours = ec2dl_user("box");
  EXPECT_EQ(ours.status, 0) << ours.err;
  EXPECT_EQ(ours.out, theirs.out);
  EXPECT_EQ(ours.out, sb.user() + "\n");
  // -l sets the user Match user sees.
  RunOptions none;
  auto bash_ours = ec2dl_user("box", none, {"-l", sb.user_bash()});
  EXPECT_EQ(bash_ours.out, sb.user_bash() + "\n") << bash_ours.err;
}

TEST_F(SshConfigTest, IdentitiesOnlyWithSixWrongAgentKeys) {
  auto& sb = sandbox();
  const auto sock = start_agent();
  add_keys(sock, 6);
  RunOptions o;
  o.env["SSH_AUTH_SOCK"] = sock;
  const std::string box = "Host box\n  HostName 127.0.0.1\n  Port " + port() + "\n";
  // Without IdentitiesOnly, OpenSSH offers the file first too; make the agent hold the
  // right key last and the file absent, so the six wrong ones exhaust MaxAuthTries.
  add_keys(sock, 0, {sb.key()});
  config(box + "  User " + sb.user() + "\n  UserKnownHostsFile " + path("known_hosts") +
         "\n  IdentityFile " + path("missing") + "\n  BatchMode yes\n");
  auto theirs_many = ssh_user("box", o);
  auto ours_many = ec2dl_user("box", o);
  EXPECT_EQ(theirs_many.status, 255) << theirs_many.out;
  EXPECT_NE(theirs_many.err.find("Too many authentication failures"), std::string::npos)
      << theirs_many.err;
  EXPECT_EQ(ours_many.status, 255) << ours_many.out;
  // IdentitiesOnly yes: only the file's key is offered, and both get in.
  config(box + reach(sb.user()) + "  IdentitiesOnly yes\n");
  auto theirs = ssh_user("box", o);
  EXPECT_EQ(theirs.status, 0) << theirs.err;
  auto ours = ec2dl_user("box", o);
  EXPECT_EQ(ours.status, 0) << ours.err;
  EXPECT_EQ(ours.out, sb.user() + "\n");
  // IdentitiesOnly with no usable file and an agent holding only the right key: that key is
  // not offered by either (without IdentitiesOnly both get in).
  ASSERT_EQ(run_process({"ssh-add", "-q", "-D"}, o).status, 0);
  add_keys(sock, 0, {sb.key()});
  config(box + "  User " + sb.user() + "\n  UserKnownHostsFile " + path("known_hosts") +
         "\n  IdentityFile " + path("missing") + "\n  BatchMode yes\n");
  EXPECT_EQ(ssh_user("box", o).status, 0);
  EXPECT_EQ(ec2dl_user("box", o).status, 0);
  config(box + "  User " + sb.user() + "\n  UserKnownHostsFile " + path("known_hosts") +
         "\n  IdentityFile " + path("missing") + "\n  IdentitiesOnly yes\n  BatchMode yes\n");
  EXPECT_EQ(ssh_user("box", o).status, 255);
  auto only = ec2dl_user("box", o);
  EXPECT_EQ(only.status, 255) << only.out;
  stop_agent();
}

TEST_F(SshConfigTest, IdentityAgentNoneAndNamedSocket) {
  auto& sb = sandbox();
  const auto sock = start_agent();
  add_keys(sock, 0, {sb.key()});
  const std::string base = "Host box\n  HostName 127.0.0.1\n  Port " + port() + "\n  User " +
                           sb.user() + "\n  UserKnownHostsFile " + path("known_hosts") +
                           "\n  IdentityFile " + path("missing") + "\n  BatchMode yes\n";
  RunOptions with_env;
  with_env.env["SSH_AUTH_SOCK"] = sock;
  // IdentityAgent none: the agent in SSH_AUTH_SOCK is not asked.
  config(base + "  IdentityAgent none\n");
  EXPECT_EQ(ssh_user("box", with_env).status, 255);
  EXPECT_EQ(ec2dl_user("box", with_env).status, 255);
  // A named socket, with SSH_AUTH_SOCK unset: that agent is asked.
  RunOptions no_env;
  no_env.unset.push_back("SSH_AUTH_SOCK");
  config(base + "  IdentityAgent " + sock + "\n");
  EXPECT_EQ(ssh_user("box", no_env).status, 0);
  auto ours = ec2dl_user("box", no_env);
  EXPECT_EQ(ours.status, 0) << ours.err;
  // The SSH_AUTH_SOCK token means the environment's socket.
  config(base + "  IdentityAgent SSH_AUTH_SOCK\n");
  EXPECT_EQ(ec2dl_user("box", with_env).status, 0);
  EXPECT_EQ(ec2dl_user("box", no_env).status, 255);
  stop_agent();
}

TEST_F(SshConfigTest, ProxyJumpUserHostPortAndATwoHopChain) {
  auto& sb = sandbox();
  const std::string trust = "Host 127.0.0.1 localhost\n" + reach(sb.user());
  config("Host behind\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user_bash()) +
         "  ProxyJump " + sb.user() + "@127.0.0.1:" + port() +
         "\nHost chain\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user_bash()) +
         "  ProxyJump " + sb.user() + "@127.0.0.1:" + port() + ",ssh://" + sb.user() +
         "@localhost:" + port() + "\n" + trust);
  for (const char* host : {"behind", "chain"}) {
    SCOPED_TRACE(host);
    auto theirs = ssh_user(host);
    EXPECT_EQ(theirs.status, 0) << theirs.err;
    auto ours = ec2dl_user(host);
    EXPECT_EQ(ours.status, 0) << ours.err;
    EXPECT_EQ(ours.out, sb.user_bash() + "\n");
    EXPECT_EQ(ours.out, theirs.out);
  }
  // Both jumps really happened: the sshd saw logins of the jump user.
  EXPECT_NE(sb.sshd_log().find("Accepted publickey for " + sb.user()), std::string::npos);
}

TEST_F(SshConfigTest, AFailingJumpShowsItsOwnError) {
  config("Host broken\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sandbox().user()) +
         "  ProxyJump nosuchhost.invalid\n");
  auto theirs = ssh_user("broken");
  EXPECT_NE(theirs.err.find("Could not resolve hostname nosuchhost.invalid"), std::string::npos)
      << theirs.err;
  auto ours = ec2dl_user("broken");
  EXPECT_EQ(ours.status, 255);
  EXPECT_NE(ours.err.find("Could not resolve hostname nosuchhost.invalid"), std::string::npos)
      << ours.err;
}

TEST_F(SshConfigTest, ShellTextInProxyValuesRunsOnlyWhatSshRuns) {
  auto& sb = sandbox();
  const auto pwned = path("pwned");
  // ProxyJump is never given to a shell: both refuse the value and run nothing.
  config("Host box\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user()) +
         "  ProxyJump $(touch${IFS}" + pwned + ")\n");
  auto ours = ec2dl_user("box");
  EXPECT_NE(ours.status, 0);
  EXPECT_NE(ours.err.find("ProxyJump"), std::string::npos) << ours.err;
  EXPECT_FALSE(fs::exists(pwned));
  EXPECT_NE(ssh_user("box").status, 0);
  EXPECT_FALSE(fs::exists(pwned));
  // A HostName with shell text, reached through a ProxyJump: it stays inside quotes.
  config("Host box\n  HostName 'x$(touch " + pwned + ")'\n  Port " + port() + "\n" +
         reach(sb.user()) + "  ProxyJump " + sb.user() + "@127.0.0.1:" + port() + "\n" +
         "Host 127.0.0.1\n" + reach(sb.user()));
  EXPECT_NE(ec2dl_user("box").status, 0);
  EXPECT_FALSE(fs::exists(pwned));
  EXPECT_NE(ssh_user("box").status, 0);
  EXPECT_FALSE(fs::exists(pwned));
  // ProxyCommand is run by a shell, by OpenSSH and by ec2dl alike (exec sh -c).
  const auto ran = path("ran");
  config("Host box\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user()) +
         "  ProxyCommand sh -c \"touch " + ran + "; exec ssh -F " + path("config") +
         " -W %h:%p jump\"\nHost jump\n  HostName 127.0.0.1\n  Port " + port() + "\n" +
         reach(sb.user()));
  EXPECT_EQ(ssh_user("box").status, 0);
  ASSERT_TRUE(fs::exists(ran));
  fs::remove(ran);
  auto pc = ec2dl_user("box");
  EXPECT_EQ(pc.status, 0) << pc.err;
  EXPECT_TRUE(fs::exists(ran));
}

TEST_F(SshConfigTest, UnknownKeywordsWarnUnderVerboseAndIgnoreUnknownSilences) {
  auto& sb = sandbox();
  config("Host box\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user()) +
         "  UseKeychain yes\n");
  auto theirs = ssh_user("box");
  EXPECT_EQ(theirs.status, 255);
  EXPECT_NE(theirs.err.find("Bad configuration option: usekeychain"), std::string::npos)
      << theirs.err;
  auto quiet = ec2dl_user("box");
  EXPECT_EQ(quiet.status, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("UseKeychain"), std::string::npos) << quiet.err;
  RunOptions none;
  auto verbose = ec2dl_user("box", none, {"-v"});
  EXPECT_EQ(verbose.status, 0) << verbose.err;
  EXPECT_NE(verbose.err.find("warning: " + path("config") +
                             ":9: unknown ssh_config keyword "
                             "'UseKeychain' ignored"),
            std::string::npos)
      << verbose.err;
  config("IgnoreUnknown UseKeychain\nHost box\n  HostName 127.0.0.1\n  Port " + port() + "\n" +
         reach(sb.user()) + "  UseKeychain yes\n");
  EXPECT_EQ(ssh_user("box").status, 0);
  auto ignored = ec2dl_user("box", none, {"-v"});
  EXPECT_EQ(ignored.status, 0) << ignored.err;
  EXPECT_EQ(ignored.err.find("UseKeychain"), std::string::npos) << ignored.err;
  // A malformed Match is refused by both, with the file and line.
  config("Match nonsense x\n  Port 1\n");
  EXPECT_EQ(ssh_user("box").status, 255);
  auto bad = ec2dl_user("box");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find(path("config") + ":1: Match: unsupported attribute 'nonsense'"),
            std::string::npos)
      << bad.err;
}

TEST_F(SshConfigTest, PlusInAnAliasResolvesThroughTheConfig) {
  auto& sb = sandbox();
  config("Host login+*\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user()));
  auto theirs = ssh_user("login+node7");
  EXPECT_EQ(theirs.status, 0) << theirs.err;
  auto ours = ec2dl_user("login+node7");
  EXPECT_EQ(ours.status, 0) << ours.err;
  EXPECT_EQ(ours.out, theirs.out);
}

// The HPC centres' form: no HostName, a ProxyCommand that takes `jump+TARGET` apart. The name
// is never a DNS name, so only the proxy sees it; the host key is looked up under it.
TEST_F(SshConfigTest, PlusAliasWithoutHostNameGoesThroughItsProxyCommand) {
  auto& sb = sandbox();
  const auto key = read_text(sb.known_hosts());
  write_text(path("known_hosts"),
             key + "[jump+127.0.0.1]:" + port() + " " + key.substr(key.find(' ') + 1));
  config("Host direct\n  HostName 127.0.0.1\n  Port " + port() + "\n" + reach(sb.user()) +
         "Host jump+*\n  Port " + port() + "\n  ProxyCommand ssh -F " + path("config") +
         " -W \"$(echo %h | cut -d+ -f2)\":%p direct\n" + reach(sb.user()));
  auto theirs = ssh_user("jump+127.0.0.1");
  EXPECT_EQ(theirs.status, 0) << theirs.err;
  auto ours = ec2dl_user("jump+127.0.0.1");
  EXPECT_EQ(ours.status, 0) << ours.err;
  EXPECT_EQ(ours.out, sb.user() + "\n");
  EXPECT_EQ(ours.out, theirs.out);
  // Host keys are looked up under that name: without an entry for it, strict refuses.
  write_text(path("known_hosts"), key);
  auto unknown = ec2dl_user("jump+127.0.0.1");
  EXPECT_EQ(unknown.status, 255) << unknown.err;
}

}  // namespace
}  // namespace ec2dl::test
