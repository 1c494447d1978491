// Choosing the server, host keys and authentication against a real sshd.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "ec2dl/remote/quote.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

namespace fs = std::filesystem;

class Connect : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ec2dl-connect-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    sandbox().as_user("rm -f marker");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::string path(const std::string& name) const { return m_dir + "/" + name; }

  // Arguments that reach the sandbox without the client home's ssh config.
  std::vector<std::string> direct(const std::string& known_hosts) const {
    auto& sb = sandbox();
    return {"-H",
            sb.user() + "@127.0.0.1:" + std::to_string(sb.port()),
            "-i",
            sb.key(),
            "--known-hosts",
            known_hosts};
  }

  bool marker_exists() const { return sandbox().as_user("test -e marker").status == 0; }

  // Whether OpenSSH's ssh-keygen -F finds the sandbox's name in `file` (plain or hashed).
  static bool recorded_for_sandbox(const std::string& file) {
    const auto found = run_process(
        {"ssh-keygen", "-F", "[127.0.0.1]:" + std::to_string(sandbox().port()), "-f", file});
    return found.status == 0 && found.out.find("ssh-ed25519") != std::string::npos;
  }

  // A client home with nothing in ~/.ssh, so only what a test passes is used.
  RunOptions bare_home() const {
    fs::create_directories(m_dir + "/home/.ssh");
    RunOptions o;
    o.env["HOME"] = m_dir + "/home";
    return o;
  }

  std::string m_dir;
};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(Connect, UserHostPortWithIdentityAndKnownHosts) {
  auto r = sandbox().ec2dl(direct(sandbox().known_hosts()) +
                               std::vector<std::string>{"exec", "--", "sh", "-c", "echo $USER"},
                           bare_home());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, sandbox().user() + "\n");
}

TEST_F(Connect, GlobalOptionsAfterTheSubcommand) {
  auto r = sandbox().ec2dl({"exec", "-H", "sandbox-bash", "-c", "echo $USER"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, sandbox().user_bash() + "\n");
}

TEST_F(Connect, SshConfigAliasWithDashF) {
  auto& sb = sandbox();
  write_text(path("config"), "Host box\n  HostName 127.0.0.1\n  Port " + std::to_string(sb.port()) +
                                 "\n  User " + sb.user_bash() + "\n  IdentityFile " + sb.key() +
                                 "\n  UserKnownHostsFile " + sb.known_hosts() +
                                 "\n  ServerAliveInterval 5\n"
                                 "  ConnectTimeout 3\n");
  auto r = sb.ec2dl({"-F", path("config"), "-H", "box", "exec", "-c", "echo $USER"}, bare_home());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, sb.user_bash() + "\n");
  // The config's ServerAliveInterval and ConnectTimeout are the ones used (-v logs them).
  auto v = sb.ec2dl({"-F", path("config"), "-H", "box", "-v", "exec", "--", "true"}, bare_home());
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_NE(v.err.find("(connect timeout 3 s, keepalive every 5 s, 3 missed declare it dead)"),
            std::string::npos)
      << v.err;
  EXPECT_EQ(v.err.find("ssh_"), std::string::npos) << "libssh's own log is for -vv only";
  // -l on the command line beats the config's User.
  auto r2 =
      sb.ec2dl({"-F", path("config"), "-H", "box", "-l", sb.user(), "exec", "-c", "echo $USER"},
               bare_home());
  EXPECT_EQ(r2.out, sb.user() + "\n") << r2.err;
}

TEST_F(Connect, ProxyJumpThroughTheSandbox) {
  auto& sb = sandbox();
  // The jump host is the sandbox itself, reached with OpenSSH's client.
  write_text(path("config"),
             "Host jump\n  HostName 127.0.0.1\n  Port " + std::to_string(sb.port()) + "\n  User " +
                 sb.user() + "\n  IdentityFile " + sb.key() + "\n  UserKnownHostsFile " +
                 sb.known_hosts() +
                 "\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
                 "Host behind\n  HostName 127.0.0.1\n  Port " +
                 std::to_string(sb.port()) + "\n  User " + sb.user_bash() + "\n  IdentityFile " +
                 sb.key() + "\n  UserKnownHostsFile " + sb.known_hosts() + "\n  ProxyJump jump\n");
  auto r =
      sb.ec2dl({"-F", path("config"), "-H", "behind", "exec", "-c", "echo $USER"}, bare_home());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, sb.user_bash() + "\n");
}

TEST_F(Connect, MissingTargetIsAUsageErrorNamingTheWays) {
  RunOptions o;
  o.unset.push_back("EC2DL_HOST");
  auto r = sandbox().ec2dl({"exec", "--", "true"}, o);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("-H"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("EC2DL_HOST"), std::string::npos) << r.err;
}

TEST_F(Connect, UnknownHostUnderStrictIsRefusedAndNothingRuns) {
  write_text(path("known_hosts"), "");
  auto r = sandbox().ec2dl(
      direct(path("known_hosts")) +
          std::vector<std::string>{"--host-key-check", "strict", "exec", "--", "touch", "marker"},
      bare_home());
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find("not a known host"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SHA256:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("accept-new"), std::string::npos) << r.err;
  EXPECT_FALSE(marker_exists());
  EXPECT_EQ(read_text(path("known_hosts")), "");
  // Without a terminal the default is strict.
  auto d = sandbox().ec2dl(
      direct(path("known_hosts")) + std::vector<std::string>{"exec", "--", "touch", "marker"},
      bare_home());
  EXPECT_EQ(d.status, 255);
  EXPECT_FALSE(marker_exists());
}

TEST_F(Connect, AcceptNewRecordsTheKeyThenStrictAcceptsIt) {
  write_text(path("known_hosts"), "# my hosts\n");
  ::chmod(path("known_hosts").c_str(), 0644);
  auto r = sandbox().ec2dl(
      direct(path("known_hosts")) +
          std::vector<std::string>{"--host-key-check", "accept-new", "exec", "--", "true"},
      bare_home());
  EXPECT_EQ(r.status, 0) << r.err;
  // Recorded after what was there, under the host's name (hashed when ssh config's
  // HashKnownHosts says so, as Debian's /etc/ssh/ssh_config does).
  const auto text = read_text(path("known_hosts"));
  EXPECT_EQ(text.rfind("# my hosts\n", 0), 0u) << text;
  EXPECT_NE(text.find(" ssh-ed25519 AAAA"), std::string::npos) << text;
  EXPECT_TRUE(recorded_for_sandbox(path("known_hosts"))) << text;
  struct stat st {};
  ASSERT_EQ(::stat(path("known_hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // the file's mode is kept
  // OpenSSH trusts what ec2dl recorded, and ec2dl under strict too.
  auto ssh =
      run_process({"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                   "UserKnownHostsFile=" + path("known_hosts"), "-i", sandbox().key(), "-p",
                   std::to_string(sandbox().port()), sandbox().user() + "@127.0.0.1", "true"});
  EXPECT_EQ(ssh.status, 0) << ssh.err;
  auto again = sandbox().ec2dl(
      direct(path("known_hosts")) +
          std::vector<std::string>{"--host-key-check", "strict", "exec", "--", "true"},
      bare_home());
  EXPECT_EQ(again.status, 0) << again.err;
}

// Trust carries over from OpenSSH too: a key ssh recorded (hashed, as Debian's ssh_config
// does by default) is accepted by ec2dl under strict.
TEST_F(Connect, KeysRecordedByOpenSshAreTrusted) {
  write_text(path("known_hosts"), "");
  auto ssh =
      run_process({"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o",
                   "HashKnownHosts=yes", "-o", "UserKnownHostsFile=" + path("known_hosts"), "-i",
                   sandbox().key(), "-p", std::to_string(sandbox().port()),
                   sandbox().user() + "@127.0.0.1", "true"});
  ASSERT_EQ(ssh.status, 0) << ssh.err;
  const auto recorded = read_text(path("known_hosts"));
  ASSERT_EQ(recorded.rfind("|1|", 0), 0u) << recorded;  // hashed host name
  auto r = sandbox().ec2dl(
      direct(path("known_hosts")) +
          std::vector<std::string>{"--host-key-check", "strict", "exec", "--", "touch", "marker"},
      bare_home());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(marker_exists());
  EXPECT_EQ(read_text(path("known_hosts")), recorded);  // nothing added
}

// --host-key-check ask on a terminal, as OpenSSH asks: the key type and SHA256 fingerprint,
// then yes/no. "no" refuses (255, nothing runs, nothing recorded); "yes" records and runs.
TEST_F(Connect, AskShowsTheFingerprintAndHonoursTheAnswer) {
  auto& sb = sandbox();
  const auto fingerprint = run_process({"ssh-keygen", "-l", "-E", "sha256", "-f",
                                        sb.dir() + "/etc/ssh_host_ed25519_key.pub"})
                               .out;
  const auto fp_start = fingerprint.find("SHA256:");
  ASSERT_NE(fp_start, std::string::npos) << fingerprint;
  const auto fp = fingerprint.substr(fp_start, fingerprint.find(' ', fp_start) - fp_start);
  write_text(path("known_hosts"), "");
  std::string socket;
  auto tmux = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"tmux", "-L", socket};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  };
  for (const std::string answer : {"no", "yes"}) {
    // A socket of its own per round: the last round's server may still be going away.
    socket = "ec2dl-ask-" + std::to_string(::getpid()) + "-" + answer;
    fs::remove(path("rc"));
    std::string command = "env HOME=" + remote::shell_quote(m_dir + "/home") + " " +
                          remote::shell_quote(EC2DL_BINARY);
    for (const auto& arg : direct(path("known_hosts"))) {
      command += " " + remote::shell_quote(arg);
    }
    command += " --host-key-check ask exec -- touch marker; echo $? >" +
               remote::shell_quote(path("rc.tmp")) + "; mv " + remote::shell_quote(path("rc.tmp")) +
               " " + remote::shell_quote(path("rc")) + "; sleep 30";
    bare_home();
    ASSERT_EQ(tmux({"new-session", "-d", "-x", "120", "-y", "20",
                    "sh -c " + remote::shell_quote(command)})
                  .status,
              0);
    const auto screen = [&] { return tmux({"capture-pane", "-p", "-J"}).out; };
    ASSERT_TRUE(eventually([&] { return screen().find("(yes/no)?") != std::string::npos; }))
        << screen();
    EXPECT_NE(screen().find("ED25519 key fingerprint is " + fp), std::string::npos) << screen();
    tmux({"send-keys", answer, "Enter"});
    ASSERT_TRUE(eventually([&] { return fs::exists(path("rc")); })) << screen();
    tmux({"kill-server"});
    if (answer == "no") {
      EXPECT_EQ(read_text(path("rc")), "255\n");
      EXPECT_FALSE(marker_exists());
      EXPECT_EQ(read_text(path("known_hosts")), "");
    } else {
      EXPECT_EQ(read_text(path("rc")), "0\n");
      EXPECT_TRUE(marker_exists());
      EXPECT_NE(read_text(path("known_hosts")).find(" ssh-ed25519 AAAA"), std::string::npos);
      EXPECT_TRUE(recorded_for_sandbox(path("known_hosts")));
    }
  }
}

TEST_F(Connect, AcceptNewNeverReplacesADeviceOrALink) {
  // A copy of /dev/null: recording a key there must leave it a character device.
  ASSERT_EQ(run_process({"mknod", "-m", "666", path("nulldev"), "c", "1", "3"}).status, 0);
  auto r = sandbox().ec2dl(
      direct(path("nulldev")) +
          std::vector<std::string>{"--host-key-check", "accept-new", "exec", "--", "true"},
      bare_home());
  EXPECT_EQ(r.status, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::lstat(path("nulldev").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  // A symlinked known_hosts stays a symlink; its target gets the key.
  write_text(path("real_known_hosts"), "");
  fs::create_symlink(path("real_known_hosts"), path("link_known_hosts"));
  auto l = sandbox().ec2dl(
      direct(path("link_known_hosts")) +
          std::vector<std::string>{"--host-key-check", "accept-new", "exec", "--", "true"},
      bare_home());
  EXPECT_EQ(l.status, 0) << l.err;
  EXPECT_TRUE(fs::is_symlink(path("link_known_hosts")));
  EXPECT_NE(read_text(path("real_known_hosts")).find("ssh-ed25519"), std::string::npos);
}

TEST_F(Connect, ChangedHostKeyIsRefusedUnderEveryMode) {
  // A known_hosts line for the sandbox's address with some other ed25519 key.
  ASSERT_EQ(
      run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path("other")}).status, 0);
  const auto other = read_text(path("other.pub"));
  const auto name = "[127.0.0.1]:" + std::to_string(sandbox().port());
  write_text(path("known_hosts"),
             "# first line\n" + name + " " + other.substr(0, other.find(' ', 12)) + "\n");
  for (const char* mode : {"ask", "accept-new", "strict"}) {
    auto r = sandbox().ec2dl(
        direct(path("known_hosts")) +
            std::vector<std::string>{"--host-key-check", mode, "exec", "--", "touch", "marker"},
        bare_home());
    EXPECT_EQ(r.status, 255) << mode;
    EXPECT_NE(r.err.find("HOST KEY CHANGED"), std::string::npos) << mode << r.err;
    EXPECT_NE(r.err.find(path("known_hosts") + ":2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ssh-keygen -f"), std::string::npos) << r.err;
    // Both fingerprints are named.
    const auto first = r.err.find("SHA256:");
    ASSERT_NE(first, std::string::npos);
    EXPECT_NE(r.err.find("SHA256:", first + 1), std::string::npos) << r.err;
    EXPECT_FALSE(marker_exists()) << mode;
  }
}

// Without -i or IdentityFile, the default keys in ~/.ssh are tried, as OpenSSH does.
TEST_F(Connect, DefaultKeyInDotSshIsUsed) {
  auto options = bare_home();
  fs::copy_file(sandbox().key(), m_dir + "/home/.ssh/id_ed25519");
  ::chmod((m_dir + "/home/.ssh/id_ed25519").c_str(), 0600);
  auto r =
      sandbox().ec2dl({"-H", sandbox().user() + "@127.0.0.1:" + std::to_string(sandbox().port()),
                       "--known-hosts", sandbox().known_hosts(), "exec", "--", "true"},
                      options);
  EXPECT_EQ(r.status, 0) << r.err;
  fs::remove(m_dir + "/home/.ssh/id_ed25519");
  auto none =
      sandbox().ec2dl({"-H", sandbox().user() + "@127.0.0.1:" + std::to_string(sandbox().port()),
                       "--known-hosts", sandbox().known_hosts(), "exec", "--", "true"},
                      options);
  EXPECT_EQ(none.status, 255) << none.err;
}

// A server that accepts the TCP connection and then says nothing (a wedged sshd, a
// half-open firewall): --connect-timeout gives up with 255, never a hang.
TEST_F(Connect, SilentServerTimesOutWith255) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);  // the kernel completes the handshake; nobody answers
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const auto port = std::to_string(ntohs(addr.sin_port));
  auto options = bare_home();
  options.timeout_s = 60;  // a hang fails the test here
  auto r = sandbox().ec2dl({"-H", "nobody@127.0.0.1:" + port, "--connect-timeout", "2",
                            "--known-hosts", path("kh"), "exec", "--", "true"},
                           options);
  ::close(fd);
  EXPECT_EQ(r.status, 255) << r.err;
  EXPECT_EQ(r.err.rfind("ec2dl: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
}

TEST_F(Connect, ConnectionRefusedIs255) {
  // Find a port with nothing listening: bind one, note it, close it.
  auto r = sandbox().ec2dl(
      {"-H", "nobody@127.0.0.1:1", "--known-hosts", sandbox().known_hosts(), "exec", "--", "true"},
      bare_home());
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find("connect to 127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

TEST_F(Connect, BadUserIs255) {
  auto args = direct(sandbox().known_hosts());
  args[1] = "nosuchuser@127.0.0.1:" + std::to_string(sandbox().port());
  auto r = sandbox().ec2dl(args + std::vector<std::string>{"exec", "--", "true"}, bare_home());
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find("authentication failed for nosuchuser@"), std::string::npos) << r.err;
}

TEST_F(Connect, UnauthorizedKeyIs255) {
  ASSERT_EQ(
      run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path("stranger")}).status,
      0);
  auto args = direct(sandbox().known_hosts());
  args[3] = path("stranger");
  auto r = sandbox().ec2dl(args + std::vector<std::string>{"exec", "--", "touch", "marker"},
                           bare_home());
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find("authentication failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path("stranger")), std::string::npos) << r.err;
  EXPECT_FALSE(marker_exists());
}

TEST_F(Connect, KeyReadableByOthersIsRefusedWithTheChmodHint) {
  fs::copy_file(sandbox().key(), path("open.pem"));
  ::chmod(path("open.pem").c_str(), 0644);
  auto args = direct(sandbox().known_hosts());
  args[3] = path("open.pem");
  auto r = sandbox().ec2dl(args + std::vector<std::string>{"exec", "--", "touch", "marker"},
                           bare_home());
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find("too open"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chmod 600 " + path("open.pem")), std::string::npos) << r.err;
  EXPECT_FALSE(marker_exists());
}

TEST_F(Connect, EncryptedKeyWithoutATerminalIsAClearError) {
  auto& sb = sandbox();
  ASSERT_EQ(
      run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "secret words", "-f", path("locked")})
          .status,
      0);
  // Authorize it for the bash user only, next to the sandbox's own key.
  const auto auth = sb.dir() + "/etc/authorized_keys/" + sb.user_bash();
  const auto saved = read_text(auth);
  write_text(auth, saved + read_text(path("locked.pub")));
  auto args = direct(sb.known_hosts());
  args[1] = sb.user_bash() + "@127.0.0.1:" + std::to_string(sb.port());
  args[3] = path("locked");
  auto r = sb.ec2dl(args + std::vector<std::string>{"exec", "--", "true"}, bare_home());
  write_text(auth, saved);
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find("passphrase"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no terminal"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ssh-add"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret words"), std::string::npos);
}

TEST_F(Connect, AgentAuthentication) {
  auto& sb = sandbox();
  const auto sock = path("agent.sock");
  auto agent = run_process({"ssh-agent", "-a", sock});
  ASSERT_EQ(agent.status, 0) << agent.err;
  const auto pid_pos = agent.out.find("SSH_AGENT_PID=");
  ASSERT_NE(pid_pos, std::string::npos);
  const auto agent_pid = std::stoi(agent.out.substr(pid_pos + 14));
  RunOptions add;
  add.env["SSH_AUTH_SOCK"] = sock;
  EXPECT_EQ(run_process({"ssh-add", sb.key()}, add).status, 0);
  // No identity file anywhere: only the agent holds the key.
  auto o = bare_home();
  o.env["SSH_AUTH_SOCK"] = sock;
  auto r = sb.ec2dl({"-H", sb.user() + "@127.0.0.1:" + std::to_string(sb.port()), "--known-hosts",
                     sb.known_hosts(), "exec", "-c", "echo via-agent"},
                    o);
  // The agent removes its socket as it exits: wait for that, so TearDown
  // does not race it over the same directory.
  ::kill(agent_pid, SIGTERM);
  EXPECT_TRUE(eventually([&] { return !fs::exists(sock); }, 10));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "via-agent\n");
}

TEST_F(Connect, DeadConnectionIsDetectedByKeepalive) {
  auto& sb = sandbox();
  BackgroundProcess client({EC2DL_BINARY, "--keepalive", "1", "exec", "--", "sleep", "120"},
                           sb.ec2dl_env());
  // Wait for the session to be up, then freeze the server side of it: the TCP connection
  // stays open but nothing answers any more, as with a dead NAT or a cut cable. The sshd
  // processes are this session's: the "sshd: ..." ancestors of its sleep.
  const std::string find_sshd =
      "p=$(pgrep -u " + sb.user() +
      " -x sleep -n) || exit 1; "
      "while [ -n \"$p\" ] && [ \"$p\" -gt 1 ]; do "
      "case $(tr '\\0' ' ' </proc/$p/cmdline) in 'sshd: '*) printf '%s ' \"$p\";; esac; "
      "p=$(ps -o ppid= -p \"$p\" | tr -d ' '); done";
  std::string pids;
  ASSERT_TRUE(eventually([&] {
    pids = run_process({"sh", "-c", find_sshd}).out;
    return pids.find(' ') != pids.rfind(' ');  // two: the user's child and the monitor
  })) << pids;
  run_process({"sh", "-c", "kill -STOP " + pids});
  const auto status = client.wait(60);
  run_process({"sh", "-c", "kill -CONT " + pids + "; kill " + pids});
  ASSERT_TRUE(status.has_value()) << "ec2dl hung on a dead connection";
  EXPECT_EQ(*status, 255);
  EXPECT_NE(client.err().find("keepalive"), std::string::npos) << client.err();
}

}  // namespace
}  // namespace ec2dl::test
