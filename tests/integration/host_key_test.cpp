// Host keys that cannot be bypassed, proven against a real sshd and checked against the
// OpenSSH client on the same files: a host with any recorded key is known, so an impostor
// offering a key of another type is refused as changed under every mode, for every command
// and on every reconnect; @revoked keys are refused; a host known only through
// @cert-authority is not trusted; HashKnownHosts records lines OpenSSH finds.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ec2dl/remote/quote.hpp"
#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

namespace fs = std::filesystem;

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// "ssh-ed25519 AAAA..." of a .pub file.
std::string public_key(const std::string& pub_file) {
  const auto text = read_text(pub_file);
  const auto first = text.find(' ');
  return text.substr(0, text.find_first_of(" \n", first + 1));
}

class HostKeys : public ::testing::Test {
 protected:
  // Every test leaves the real server with the ed25519 key `start` made, recorded.
  void TearDown() override { sandbox().control("host-key", "ed25519"); }

  static std::string name() { return "[127.0.0.1]:" + std::to_string(sandbox().port()); }

  // Both known_hosts files a sandbox command could write (the alias's and the client home's).
  static std::string known_hosts_files() {
    auto& sb = sandbox();
    return read_text(sb.known_hosts()) + "\n--\n" +
           read_text(sb.client_home() + "/.ssh/known_hosts");
  }

  // Logins sshd granted or started to grant: a client that stops at the host key adds none.
  static int logins() {
    const auto log = sandbox().sshd_log();
    return count(log, "Accepted publickey") + count(log, "Postponed publickey");
  }

  // What a test asked the server to do, if any of it happened.
  static std::string traces() { return sandbox().as_user("ls -d hk-* 2>/dev/null; true").out; }

  // Arguments that reach the sandbox without any ssh config alias.
  static std::vector<std::string> direct(const std::string& known_hosts) {
    auto& sb = sandbox();
    return {"-H",
            sb.user() + "@127.0.0.1:" + std::to_string(sb.port()),
            "-i",
            sb.key(),
            "--known-hosts",
            known_hosts};
  }

  // The OpenSSH client on the same known_hosts file (no config files), running a command
  // that would leave a trace.
  static ProcessResult openssh(const std::string& strict, const std::string& known_hosts) {
    auto& sb = sandbox();
    return run_process(
        {"ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=" + strict,
         "-o", "UserKnownHostsFile=" + known_hosts, "-o", "GlobalKnownHostsFile=/dev/null", "-i",
         sb.key(), "-p", std::to_string(sb.port()), sb.user() + "@127.0.0.1", "touch hk-openssh"});
  }
};

struct Swap {
  const char* recorded;  // the real server's key type, the only one in known_hosts
  const char* impostor;  // the impostor's, another type
  const char* recorded_label;
  const char* impostor_label;
};

class ImpostorOfAnotherType : public HostKeys, public ::testing::WithParamInterface<Swap> {};

TEST_P(ImpostorOfAnotherType, IsRefusedForEveryCommandModeAndReconnect) {
  auto& sb = sandbox();
  const auto swap = GetParam();
  sb.control("host-key", swap.recorded);
  sb.as_user("rm -rf hk-*; echo remote-data > remote.txt");
  ASSERT_EQ(sb.ec2dl({"--host-key-check", "strict", "exec", "--", "true"}).status, 0);

  // A job to follow, started on the real server; tail -f is following it when the server is
  // swapped for the impostor.
  auto run = sb.ec2dl({"run", "-q", "--", "sh", "-c",
                       "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line $i; sleep 0.1; "
                       "done"});
  ASSERT_EQ(run.status, 0) << run.err;
  const auto id = run.out.substr(0, run.out.find('\n'));
  BackgroundProcess tail({EC2DL_BINARY, "--host-key-check", "accept-new", "--keepalive", "1",
                          "tail", "-n", "1000000", "-f", id},
                         sb.ec2dl_env());
  ASSERT_TRUE(eventually([&] { return contains(tail.out(), "line 3\n"); })) << tail.err();

  const auto known = known_hosts_files();
  const auto logins_before = logins();
  sb.control("impostor", swap.impostor);

  const auto tail_status = tail.wait(120);
  ASSERT_TRUE(tail_status.has_value()) << tail.err();
  EXPECT_EQ(*tail_status, 255) << tail.err();
  EXPECT_TRUE(contains(tail.err(), "HOST KEY CHANGED")) << tail.err();
  EXPECT_FALSE(contains(tail.err(), "permanently added")) << tail.err();

  const TempDir local;
  write_text(local.path() + "/secret.bin", std::string(1 << 16, 's'));
  RunOptions in_local;
  in_local.cwd = local.path();
  const auto config = local.path() + "/config";
  write_text(config, read_text(sb.ssh_config()) + "\nHost *\n  StrictHostKeyChecking accept-new\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> modes = {
      {"strict", {"--host-key-check", "strict"}},
      {"accept-new", {"--host-key-check", "accept-new"}},
      {"ask (no terminal)", {"--host-key-check", "ask"}},
      {"StrictHostKeyChecking accept-new", {"-F", config}},
  };
  const std::vector<std::vector<std::string>> commands = {
      {"exec", "--", "touch", "hk-exec"},
      {"push", "secret.bin", "~/hk-pushed/"},
      {"pull", "~/remote.txt", "."},
      {"run", "-q", "--", "touch", "hk-run"},
      {"ps"},
      {"gpu"},
      {"top"},
      {"gpu", "--watch", "1"},
      {"doctor"},
  };
  for (const auto& [mode, flags] : modes) {
    for (const auto& command : commands) {
      const auto what = mode + ": " + command.front();
      const auto r = sb.ec2dl(flags + command, in_local);
      const auto text = r.out + r.err;
      // doctor reports a failed check with 1; every other command is an ssh-level failure.
      EXPECT_EQ(r.status, command.front() == "doctor" ? 1 : 255) << what << "\n" << text;
      EXPECT_TRUE(contains(text, "HOST KEY CHANGED")) << what << "\n" << text;
      EXPECT_TRUE(contains(text, sb.known_hosts() + ":1")) << what << "\n" << text;
      EXPECT_TRUE(contains(text, std::string(swap.recorded_label) + " key SHA256:")) << what << "\n"
                                                                                     << text;
      EXPECT_TRUE(contains(text, std::string(swap.impostor_label) + " key SHA256:")) << what << "\n"
                                                                                     << text;
      EXPECT_FALSE(contains(text, "not known")) << what << "\n" << text;
      EXPECT_FALSE(contains(text, "not a known host")) << what << "\n" << text;
      EXPECT_FALSE(contains(text, "permanently added")) << what << "\n" << text;
    }
  }
  EXPECT_FALSE(fs::exists(local.path() + "/remote.txt"));

  // The OpenSSH client refuses the same impostor on the same file, in every mode.
  for (const char* strict : {"accept-new", "yes", "ask"}) {
    const auto ssh = openssh(strict, sb.known_hosts());
    EXPECT_EQ(ssh.status, 255) << strict << ": " << ssh.err;
    EXPECT_TRUE(contains(ssh.err, "REMOTE HOST IDENTIFICATION HAS CHANGED")) << ssh.err;
  }

  // Nothing was recorded, no user key reached the impostor, nothing ran.
  EXPECT_EQ(known_hosts_files(), known);
  EXPECT_EQ(logins(), logins_before);
  sb.control("restart-sshd");
  EXPECT_EQ(traces(), "");
  EXPECT_EQ(sb.ec2dl({"--host-key-check", "strict", "kill", id}).status, 0);
}

INSTANTIATE_TEST_SUITE_P(Types, ImpostorOfAnotherType,
                         ::testing::Values(Swap{"ed25519", "ecdsa", "ED25519", "ECDSA"},
                                           Swap{"ecdsa", "ed25519", "ECDSA", "ED25519"},
                                           Swap{"ed25519", "rsa", "ED25519", "RSA"}),
                         [](const ::testing::TestParamInfo<Swap>& param_info) {
                           return std::string(param_info.param.recorded) + "_then_" +
                                  param_info.param.impostor;
                         });

// ask on a real terminal: a key of another type is refused at once, with no first-contact
// prompt.
TEST_F(HostKeys, AskOnATerminalRefusesAnotherTypeWithoutPrompting) {
  auto& sb = sandbox();
  const TempDir dir;
  const auto known = known_hosts_files();
  const auto logins_before = logins();
  sb.control("impostor", "ecdsa");
  const std::string socket = "ec2dl-hk-ask-" + std::to_string(::getpid());
  const std::string command =
      "env -u SSH_AUTH_SOCK HOME=" + remote::shell_quote(sb.client_home()) +
      " EC2DL_HOST=sandbox LC_ALL=C.UTF-8 " + remote::shell_quote(EC2DL_BINARY) +
      " --host-key-check ask exec -- touch hk-ask 2>" + remote::shell_quote(dir.path() + "/err") +
      "; echo $? >" + remote::shell_quote(dir.path() + "/rc.tmp") + "; mv " +
      remote::shell_quote(dir.path() + "/rc.tmp") + " " + remote::shell_quote(dir.path() + "/rc") +
      "; exec cat";
  ASSERT_EQ(run_process({"tmux", "-L", socket, "new-session", "-d", "-x", "120", "-y", "30",
                         "sh -c " + remote::shell_quote(command)})
                .status,
            0);
  const bool done = eventually([&] { return fs::exists(dir.path() + "/rc"); });
  const auto screen = run_process({"tmux", "-L", socket, "capture-pane", "-p", "-J"}).out;
  run_process({"tmux", "-L", socket, "kill-server"});
  ASSERT_TRUE(done) << screen;
  EXPECT_EQ(read_text(dir.path() + "/rc"), "255\n");
  EXPECT_FALSE(contains(screen, "(yes/no)")) << screen;
  EXPECT_TRUE(contains(read_text(dir.path() + "/err"), "HOST KEY CHANGED"))
      << read_text(dir.path() + "/err");
  EXPECT_EQ(known_hosts_files(), known);
  EXPECT_EQ(logins(), logins_before);
  sb.control("restart-sshd");
  EXPECT_EQ(traces(), "");
}

// A hashed entry (|1|salt|hash) makes the host known just as a plain one does.
TEST_F(HostKeys, HashedEntryOfAnotherTypeMakesTheHostKnown) {
  auto& sb = sandbox();
  sb.control("host-key", "ecdsa");
  const TempDir dir;
  const auto kh = dir.path() + "/known_hosts";
  fs::copy_file(sb.known_hosts(), kh);
  ASSERT_EQ(run_process({"ssh-keygen", "-q", "-H", "-f", kh}).status, 0);
  ASSERT_EQ(read_text(kh).rfind("|1|", 0), 0u) << read_text(kh);
  ASSERT_EQ(sb.ec2dl(direct(kh) +
                     std::vector<std::string>{"--host-key-check", "strict", "exec", "--", "true"})
                .status,
            0);
  const auto known = read_text(kh);
  const auto logins_before = logins();
  sb.control("impostor", "ed25519");
  for (const char* mode : {"strict", "accept-new", "ask"}) {
    const auto r = sb.ec2dl(direct(kh) + std::vector<std::string>{"--host-key-check", mode, "exec",
                                                                  "--", "touch", "hk-x"});
    EXPECT_EQ(r.status, 255) << mode << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "HOST KEY CHANGED")) << r.err;
    EXPECT_TRUE(contains(r.err, kh + ":1")) << r.err;
  }
  const auto ssh = openssh("accept-new", kh);
  EXPECT_EQ(ssh.status, 255) << ssh.err;
  EXPECT_EQ(read_text(kh), known);
  EXPECT_EQ(logins(), logins_before);
  sb.control("restart-sshd");
  EXPECT_EQ(traces(), "");
}

// The recorded type is what is negotiated, even when libssh's own view (the first user file
// only) would not see it: a server with both keys presents the recorded one.
TEST_F(HostKeys, RecordedTypeIsNegotiatedFromAnyKnownHostsFile) {
  auto& sb = sandbox();
  const TempDir dir;
  for (const char* types : {"ecdsa,ed25519", "rsa,ed25519"}) {
    sb.control("host-key", types);
    const auto kh = dir.path() + "/known_hosts";
    fs::copy_file(sb.known_hosts(), kh, fs::copy_options::overwrite_existing);
    ASSERT_EQ(run_process({"ssh-keygen", "-q", "-H", "-f", kh}).status, 0);
    write_text(dir.path() + "/empty", "");
    write_text(dir.path() + "/config",
               "Host box\n  HostName 127.0.0.1\n  Port " + std::to_string(sb.port()) + "\n  User " +
                   sb.user() + "\n  IdentityFile " + sb.key() + "\n  UserKnownHostsFile " +
                   dir.path() + "/empty " + kh + "\n");
    const auto r = sb.ec2dl({"-F", dir.path() + "/config", "-H", "box", "-v", "--host-key-check",
                             "strict", "exec", "--", "echo", "in"});
    EXPECT_EQ(r.status, 0) << types << ": " << r.err;
    EXPECT_EQ(r.out, "in\n");
    const std::string type = std::string(types).starts_with("rsa") ? "ssh-rsa" : "ecdsa-sha2";
    EXPECT_TRUE(contains(r.err, "host key for " + name() + ": " + type)) << r.err;
    if (type == "ssh-rsa") {
      EXPECT_TRUE(contains(r.err, "host key algorithms: rsa-sha2-512,rsa-sha2-256,ssh-ed25519"))
          << r.err;
    }
  }
}

TEST_F(HostKeys, RevokedKeyIsRefusedUnderEveryModeAndNeverRecorded) {
  auto& sb = sandbox();
  const TempDir dir;
  const auto kh = dir.path() + "/known_hosts";
  const auto key = public_key(sb.dir() + "/etc/ssh_host_ed25519_key.pub");
  // Revoked alone (the host is otherwise unknown), then revoked although also recorded.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"# revoked\n@revoked * " + key + "\n", ":2"},
      {name() + " " + key + "\n@revoked " + name() + " " + key + "\n", ":2"},
  };
  for (const auto& [text, line] : files) {
    write_text(kh, text);
    const auto logins_before = logins();
    for (const char* mode : {"strict", "accept-new", "ask"}) {
      const auto r = sb.ec2dl(direct(kh) + std::vector<std::string>{"--host-key-check", mode,
                                                                    "exec", "--", "touch", "hk-r"});
      EXPECT_EQ(r.status, 255) << mode << ": " << r.err;
      EXPECT_TRUE(contains(r.err, "is REVOKED (" + kh + line + ")")) << r.err;
      EXPECT_FALSE(contains(r.err, "permanently added")) << r.err;
    }
    const auto ssh = openssh("accept-new", kh);
    EXPECT_EQ(ssh.status, 255) << ssh.err;
    EXPECT_TRUE(contains(ssh.err, "revoked")) << ssh.err;
    EXPECT_EQ(read_text(kh), text);
    EXPECT_EQ(logins(), logins_before);
    EXPECT_EQ(traces(), "");
  }
}

// libssh 0.10 cannot verify host certificates, so a host matched only by @cert-authority is
// not trusted under any mode; the message says so and how to add the plain key.
TEST_F(HostKeys, CertAuthorityOnlyHostIsRefusedWithTheWayOut) {
  auto& sb = sandbox();
  const TempDir dir;
  ASSERT_EQ(
      run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.path() + "/ca"}).status,
      0);
  const auto kh = dir.path() + "/known_hosts";
  const std::string text = "@cert-authority * " + public_key(dir.path() + "/ca.pub") + "\n";
  write_text(kh, text);
  const auto logins_before = logins();
  std::string hint;
  for (const char* mode : {"strict", "accept-new", "ask"}) {
    const auto r = sb.ec2dl(direct(kh) + std::vector<std::string>{"--host-key-check", mode, "exec",
                                                                  "--", "touch", "hk-ca"});
    EXPECT_EQ(r.status, 255) << mode << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "host certificates are not supported")) << r.err;
    EXPECT_TRUE(contains(r.err, kh + ":1")) << r.err;
    EXPECT_FALSE(contains(r.err, "permanently added")) << r.err;
    const auto start = r.err.find("echo '");
    ASSERT_NE(start, std::string::npos) << r.err;
    hint = r.err.substr(start + 6, r.err.find('\'', start + 6) - start - 6);
  }
  // OpenSSH under strict checking refuses too (it would need the server's certificate).
  EXPECT_EQ(openssh("yes", kh).status, 255);
  EXPECT_EQ(read_text(kh), text);
  EXPECT_EQ(logins(), logins_before);
  EXPECT_EQ(traces(), "");
  // The line the hint gives is the server's plain key: once added, strict connects.
  EXPECT_EQ(hint, name() + " " + public_key(sb.dir() + "/etc/ssh_host_ed25519_key.pub"));
  write_text(kh, text + hint + "\n");
  const auto r = sb.ec2dl(
      direct(kh) + std::vector<std::string>{"--host-key-check", "strict", "exec", "--", "true"});
  EXPECT_EQ(r.status, 0) << r.err;
}

// HashKnownHosts yes: the key is recorded as |1|salt|hash, which OpenSSH's ssh-keygen -F and
// ssh itself find; without it, the plain name.
TEST_F(HostKeys, HashKnownHostsRecordsWhatOpenSshFinds) {
  auto& sb = sandbox();
  const TempDir dir;
  const auto kh = dir.path() + "/known_hosts";
  for (const char* hash : {"yes", "no"}) {
    write_text(kh, "");
    write_text(dir.path() + "/config",
               "Host box\n  HostName 127.0.0.1\n  Port " + std::to_string(sb.port()) + "\n  User " +
                   sb.user() + "\n  IdentityFile " + sb.key() + "\n  UserKnownHostsFile " + kh +
                   "\n  HashKnownHosts " + hash + "\n");
    const auto r = sb.ec2dl({"-F", dir.path() + "/config", "-H", "box", "--host-key-check",
                             "accept-new", "exec", "--", "true"});
    ASSERT_EQ(r.status, 0) << hash << ": " << r.err;
    const auto recorded = read_text(kh);
    const auto key = public_key(sb.dir() + "/etc/ssh_host_ed25519_key.pub");
    if (std::string(hash) == "yes") {
      EXPECT_EQ(recorded.rfind("|1|", 0), 0u) << recorded;
      EXPECT_FALSE(contains(recorded, "127.0.0.1")) << recorded;
      EXPECT_EQ(recorded.substr(recorded.find(' ') + 1), key + "\n") << recorded;
    } else {
      EXPECT_EQ(recorded, name() + " " + key + "\n");
    }
    const auto found = run_process({"ssh-keygen", "-F", name(), "-f", kh});
    EXPECT_EQ(found.status, 0) << found.err;
    EXPECT_TRUE(contains(found.out, recorded)) << found.out;
    const auto ssh =
        run_process({"ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o",
                     "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + kh, "-i", sb.key(),
                     "-p", std::to_string(sb.port()), sb.user() + "@127.0.0.1", "true"});
    EXPECT_EQ(ssh.status, 0) << ssh.err;
    const auto again = sb.ec2dl({"-F", dir.path() + "/config", "-H", "box", "--host-key-check",
                                 "strict", "exec", "--", "true"});
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(read_text(kh), recorded);
  }
}

}  // namespace
}  // namespace ec2dl::test
