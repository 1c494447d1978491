// push and pull --verify against a real sshd: the checksums agree, and a mismatch (a
// sha256sum on the server that lies about some files) is an error that the next run repairs.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "transfer_util.hpp"

namespace ec2dl::test {
namespace {

// For the bash user (whose ~/.bashrc sshd's commands read): a sha256sum first on the PATH
// that reports a wrong checksum for every file whose name holds "bad". Removed at the end.
class LyingChecksums {
 public:
  LyingChecksums() {
    const auto r = sandbox().as_user(
        "set -e; real=$(command -v sha256sum); mkdir -p liar; "
        "printf '#!/bin/sh\\n\"%s\" \"$@\" | sed \"/bad/s/^[0-9a-f]/x/\"\\n' \"$real\" "
        "> liar/sha256sum; chmod 755 liar/sha256sum; "
        "echo 'export PATH=$HOME/liar:$PATH' > .bashrc",
        true);
    if (r.status != 0) {
      throw std::runtime_error("install the lying sha256sum: " + r.err);
    }
  }
  ~LyingChecksums() { stop(); }
  LyingChecksums(const LyingChecksums&) = delete;
  LyingChecksums& operator=(const LyingChecksums&) = delete;
  void stop() { sandbox().as_user("rm -rf liar .bashrc", true); }
};

// ec2dl as the bash user.
ProcessResult ec2dl_bash(std::vector<std::string> args, const std::string& cwd) {
  args.insert(args.begin(), {"-H", "sandbox-bash"});
  return sandbox().ec2dl(args, {.cwd = cwd});
}

TEST(Verify, PushMismatchIsAnErrorAndTheNextRunSendsTheFileAgain) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(
      local_sh("mkdir p && echo good > p/good.txt && echo bad > p/bad.txt", local.path()).status,
      0);
  LyingChecksums liar;
  auto r = ec2dl_bash({"push", "--verify", "p", "~/vp"}, local.path());
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "checksum mismatch on the server: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "p/bad.txt (run again to send it again)")) << r.err;
  EXPECT_FALSE(contains(r.err, "good.txt")) << r.err;
  EXPECT_FALSE(contains(r.err, "checksums verified")) << r.err;
  // As documented: the file stays, with mtime 0 so that the next run sends it again.
  EXPECT_EQ(sb.as_user("stat -c %Y vp/p/bad.txt; cat vp/p/good.txt", true).out, "0\ngood\n");

  liar.stop();
  auto again = ec2dl_bash({"--json", "push", "--verify", "p", "~/vp"}, local.path());
  ASSERT_EQ(again.status, 0) << again.err;
  const auto j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["files_sent"], 1);
  EXPECT_EQ(j["files_unchanged"], 1);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(sb.as_user("cat vp/p/bad.txt", true).out, "bad\n");
  sb.as_user("rm -rf vp", true);
}

TEST(Verify, PullComparesChecksumsOnBothSides) {
  auto& sb = sandbox();
  sb.as_user(
      "mkdir -p vl && echo one > vl/a.txt && head -c 20000000 /dev/urandom > vl/large.bin && "
      "echo two > vl/b.txt",
      true);
  LocalDir local;
  auto r = ec2dl_bash({"pull", "--verify", "~/vl", "."}, local.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "checksums verified")) << r.err;
  EXPECT_EQ(local_listing(local.path() + "/vl"),
            sb.as_user(std::string("cd vl && { ") + k_listing + "; }", true).out);
  sb.as_user("rm -rf vl", true);
}

TEST(Verify, PullMismatchIsAnErrorAndTheNextRunFetchesTheFileAgain) {
  auto& sb = sandbox();
  sb.as_user("mkdir -p vm && echo good > vm/good.txt && echo bad > vm/bad.txt", true);
  LocalDir local;
  LyingChecksums liar;
  auto r = ec2dl_bash({"pull", "--verify", "~/vm", "."}, local.path());
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "checksum mismatch: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "vm/bad.txt (run again to fetch it again)")) << r.err;
  EXPECT_FALSE(contains(r.err, "good.txt")) << r.err;
  EXPECT_EQ(local_sh("stat -c %Y vm/bad.txt; cat vm/good.txt", local.path()).out, "0\ngood\n");

  liar.stop();
  auto again = ec2dl_bash({"--json", "pull", "--verify", "~/vm", "."}, local.path());
  ASSERT_EQ(again.status, 0) << again.err;
  const auto j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["files_sent"], 1);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(read_text(local / "vm/bad.txt"), "bad\n");
  sb.as_user("rm -rf vm", true);
}

}  // namespace
}  // namespace ec2dl::test
