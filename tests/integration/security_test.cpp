// Security properties, proven against a real sshd: a man in the middle is refused before
// anything is sent, secrets stay out of debug logs, files are private.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "ec2dl/remote/quote.hpp"
#include "support/fixtures.hpp"
#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {
namespace {

namespace fs = std::filesystem;

TEST(ManInTheMiddle, ImpostorIsRefusedUnderEveryModeBeforeAuthentication) {
  auto& sb = sandbox();
  sb.as_user("rm -f marker");
  sb.control("impostor");
  const auto accepted_before = count(sb.sshd_log(), "Accepted publickey");
  for (const char* mode : {"ask", "accept-new", "strict"}) {
    auto r = sb.ec2dl({"--host-key-check", mode, "exec", "--", "touch", "marker"});
    EXPECT_EQ(r.status, 255) << mode << ": " << r.err;
    EXPECT_NE(r.err.find("HOST KEY CHANGED"), std::string::npos) << r.err;
  }
  // Nothing ran, and the impostor never even saw a user key: the client stopped before
  // authentication, so no credential and no byte of data went to it.
  EXPECT_EQ(count(sb.sshd_log(), "Accepted publickey"), accepted_before);
  EXPECT_EQ(count(sb.sshd_log(), "Postponed publickey"), 0);
  // A push to the impostor: refused the same way, not one byte of the file sent.
  const TempDir local;
  write_text(local.path() + "/secret.bin", std::string(1 << 20, 's'));
  auto push = sb.ec2dl({"push", "secret.bin", "~/pushed/"}, {.cwd = local.path()});
  EXPECT_EQ(push.status, 255) << push.err;
  EXPECT_NE(push.err.find("HOST KEY CHANGED"), std::string::npos) << push.err;
  EXPECT_EQ(count(sb.sshd_log(), "Accepted publickey"), accepted_before);
  sb.control("restart-sshd");
  EXPECT_NE(sb.as_user("test -e marker").status, 0);
  EXPECT_NE(sb.as_user("test -e pushed").status, 0);
  EXPECT_EQ(read_text(sb.client_home() + "/.ssh/known_hosts"), read_text(sb.known_hosts()));
  EXPECT_EQ(sb.ec2dl({"exec", "--", "true"}).status, 0);
}

TEST(Secrets, PassphraseAndKeyMaterialNeverReachTheDebugLog) {
  auto& sb = sandbox();
  char tmpl[] = "/tmp/ec2dl-secrets-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string passphrase = "correct horse battery staple";
  ASSERT_EQ(
      run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", dir + "/locked"})
          .status,
      0);
  const auto auth = sb.dir() + "/etc/authorized_keys/" + sb.user();
  const auto saved = read_text(auth);
  write_text(auth, saved + read_text(dir + "/locked.pub"));

  // Type the passphrase at ec2dl's prompt in a real terminal, with -vv on.
  const std::string socket = "ec2dl-secrets-" + std::to_string(::getpid());
  const std::string script =
      "env HOME=" + remote::shell_quote(dir) + " " + remote::shell_quote(EC2DL_BINARY) +
      " -vv -H " + sb.user() + "@127.0.0.1:" + std::to_string(sb.port()) + " -i " +
      remote::shell_quote(dir + "/locked") + " --known-hosts " +
      remote::shell_quote(sb.known_hosts()) + " exec -c 'echo logged-in' >" +
      remote::shell_quote(dir + "/out") + " 2>" + remote::shell_quote(dir + "/log") +
      "; echo $? >" + remote::shell_quote(dir + "/rc");
  ASSERT_EQ(run_process(
                {"tmux", "-L", socket, "new-session", "-d", "sh -c " + remote::shell_quote(script)})
                .status,
            0);
  ASSERT_TRUE(eventually([&] {
    return read_text(dir + "/log").find("Enter passphrase") != std::string::npos ||
           run_process({"tmux", "-L", socket, "capture-pane", "-p"}).out.find("Enter passphrase") !=
               std::string::npos;
  }));
  run_process({"tmux", "-L", socket, "send-keys", passphrase, "Enter"});
  EXPECT_TRUE(eventually([&] { return fs::exists(dir + "/rc"); }));
  run_process({"tmux", "-L", socket, "kill-server"});
  write_text(auth, saved);

  EXPECT_EQ(read_text(dir + "/rc"), "0\n");
  EXPECT_EQ(read_text(dir + "/out"), "logged-in\n");
  const auto log = read_text(dir + "/log");
  EXPECT_NE(log.find("debug"), std::string::npos);  // -vv did log
  EXPECT_EQ(log.find(passphrase), std::string::npos);
  EXPECT_EQ(log.find("correct horse"), std::string::npos);
  // No line of the private key file, nor its base64 body, appears.
  const auto key = read_text(dir + "/locked");
  std::size_t pos = 0;
  while (pos < key.size()) {
    auto end = key.find('\n', pos);
    const auto line = key.substr(pos, end - pos);
    if (line.size() > 20 && line.find("-----") == std::string::npos) {
      EXPECT_EQ(log.find(line), std::string::npos) << "key material in the log";
    }
    pos = end == std::string::npos ? key.size() : end + 1;
  }
  fs::remove_all(dir);
}

// The registry on the server is private whatever the user's umask: ~/.ec2dl is 0700 and
// nothing under it can be read by group or others (commands and environments can hold
// secrets).
TEST(Registry, IsPrivateUnderAPermissiveUmask) {
  auto& sb = sandbox();
  ASSERT_EQ(sb.ec2dl({"exec", "--", "umask"}).out, "0022\n");  // what a session starts with
  auto run = sb.ec2dl({"run", "-q", "--env", "TOKEN=s3cr3t", "--", "sh", "-c",
                       "echo hi; touch \"$HOME/made-by-job\""});
  ASSERT_EQ(run.status, 0) << run.err;
  std::string id = run.out;
  while (!id.empty() && id.back() == '\n') {
    id.pop_back();
  }
  ASSERT_EQ(sb.ec2dl({"wait", id}).status, 0);
  EXPECT_EQ(sb.as_user("stat -c %a .ec2dl").out, "700\n");
  const auto all = sb.as_user("find .ec2dl | wc -l").out;
  EXPECT_GT(std::stoi(all), 3) << "the registry holds the job's folder and files";
  EXPECT_EQ(sb.as_user("find .ec2dl -perm /077").out, "");
  // The job itself keeps the user's umask.
  EXPECT_EQ(sb.as_user("stat -c %a made-by-job").out, "644\n");
}

}  // namespace
}  // namespace ec2dl::test
