// Transfers that do not go to plan: the client killed half-way (push and pull, one large
// file and many small ones), Ctrl-C, a corrupted partial file, and a full disk on the
// server. Nothing truncated may ever appear under a final name, and the next run finishes.
#include <gtest/gtest.h>
#include <signal.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "transfer_util.hpp"

namespace ec2dl::test {
namespace {

BackgroundProcess start_ec2dl(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv = {EC2DL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options = sandbox().ec2dl_env();
  options.cwd = cwd;
  return BackgroundProcess(argv, options);
}

std::uint64_t remote_size(const std::string& glob) {
  return parse_size(sandbox().as_user("stat -c %s " + glob + " 2>/dev/null | head -1").out);
}

std::uint64_t local_size(const std::string& dir, const std::string& glob) {
  return parse_size(local_sh("stat -c %s " + glob + " 2>/dev/null | head -1", dir).out);
}

// A tmpfs of 1 MiB mounted in the test user's home, unmounted at the end.
class FullDisk {
 public:
  FullDisk() {
    auto& sb = sandbox();
    m_dir = sb.home() + "/full";
    const auto r = local_sh("mkdir -p " + remote::shell_quote(m_dir) +
                            " && mount -t tmpfs -o size=1m,mode=755,uid=$(id -u " + sb.user() +
                            "),gid=$(id -g " + sb.user() + ") tmpfs " + remote::shell_quote(m_dir));
    if (r.status != 0) {
      throw std::runtime_error("mount a tmpfs: " + r.err);
    }
  }
  ~FullDisk() {
    local_sh("umount -l " + remote::shell_quote(m_dir) + " && rmdir " + remote::shell_quote(m_dir));
  }

 private:
  std::string m_dir;
};

TEST(Fault, PushOfALargeFileKilledHalfWayResumes) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(
      local_sh("head -c 64000000 /dev/urandom > big && touch -d @1600000000 big", local.path())
          .status,
      0);
  sb.as_user("rm -rf kp");
  {
    auto client = start_ec2dl({"push", "--bwlimit", "8M", "big", "~/kp/"}, local.path());
    ASSERT_TRUE(eventually([] { return remote_size("kp/.ec2dl-part.*") > 8000000; }))
        << client.err();
    client.signal(SIGKILL);
    client.wait(10);
  }
  // No truncated file under the final name; the part stays for the next run.
  ASSERT_TRUE(eventually(
      [&] { return sb.as_user("pgrep -u " + sb.user() + " -f '[e]c2dl-put'").out.empty(); }, 20));
  EXPECT_EQ(sb.as_user("test -e kp/big || echo absent").out, "absent\n");
  const auto partial = remote_size("kp/.ec2dl-part.*");
  EXPECT_GT(partial, 8000000u);
  EXPECT_LT(partial, 64000000u);

  auto again = sb.ec2dl({"push", "big", "~/kp/"}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "resumed after")) << again.err;
  EXPECT_EQ(sb.as_user("sha256sum < kp/big").out, local_sh("sha256sum < big", local.path()).out);
  EXPECT_EQ(sb.as_user("stat -c %Y kp/big; ls -A kp").out, "1600000000\nbig\n");
  sb.as_user("rm -rf kp");
}

TEST(Fault, ACorruptedPartialFileIsNotTrusted) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("head -c 40000000 /dev/urandom > big", local.path()).status, 0);
  sb.as_user("rm -rf cp");
  {
    auto client = start_ec2dl({"push", "--bwlimit", "8M", "big", "~/cp/"}, local.path());
    ASSERT_TRUE(eventually([] { return remote_size("cp/.ec2dl-part.*") > 4000000; }));
    client.signal(SIGKILL);
    client.wait(10);
  }
  ASSERT_TRUE(eventually(
      [&] { return sb.as_user("pgrep -u " + sb.user() + " -f '[e]c2dl-put'").out.empty(); }, 20));
  // Someone scribbles over the first bytes of the partial file.
  sb.as_user(
      "for f in cp/.ec2dl-part.*; do printf XXXX | dd of=\"$f\" conv=notrunc 2>/dev/null; done");
  auto again = sb.ec2dl({"push", "big", "~/cp/"}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_FALSE(contains(again.err, "resumed after")) << again.err;
  EXPECT_EQ(sb.as_user("sha256sum < cp/big").out, local_sh("sha256sum < big", local.path()).out);
  sb.as_user("rm -rf cp");
}

TEST(Fault, PushOfManyFilesKilledHalfWayLeavesNoTruncatedFile) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir -p t/a t/b && for i in $(seq 1 150); do "
                     "head -c 65536 /dev/urandom > t/a/f$i; head -c 65536 /dev/urandom > t/b/f$i; "
                     "done",
                     local.path())
                .status,
            0);
  sb.as_user("rm -rf km");
  {
    auto client = start_ec2dl({"push", "--bwlimit", "4M", "t", "~/km"}, local.path());
    ASSERT_TRUE(eventually([] {
      return parse_size(sandbox().as_user("du -sb km/.ec2dl-stage.* 2>/dev/null | cut -f1").out) >
             3000000;
    }));
    client.signal(SIGKILL);
    client.wait(10);
  }
  // The dead run's receiver sees the end of its stream and goes; until then its stage is
  // still its own.
  ASSERT_TRUE(eventually(
      [&] { return sb.as_user("pgrep -u " + sb.user() + " -f '[e]c2dl-(put|recv)'").out.empty(); },
      20));
  // Whatever is under a final name is complete: here nothing at all, as the stage is moved
  // into place only once the whole stream arrived.
  const auto finals = sb.as_user("cd km && find t -type f 2>/dev/null | sort").out;
  EXPECT_EQ(finals, "");
  auto again = sb.ec2dl({"push", "t", "~/km"}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(remote_listing("km"), local_listing(local.path()));
  EXPECT_EQ(sb.as_user("ls -A km").out, "t\n");  // the dead run's stage was cleaned up
  sb.as_user("rm -rf km");
}

TEST(Fault, PullKilledHalfWayResumesAndNeverLeavesATruncatedFile) {
  auto& sb = sandbox();
  sb.as_user(
      "mkdir -p kl/many && head -c 64000000 /dev/urandom > kl/big && "
      "for i in $(seq 1 100); do head -c 65536 /dev/urandom > kl/many/f$i; done");
  LocalDir local;
  {
    auto client = start_ec2dl({"pull", "--bwlimit", "8M", "~/kl/big", "."}, local.path());
    ASSERT_TRUE(eventually([&] { return local_size(local.path(), ".ec2dl-part.*") > 8000000; }))
        << client.err();
    client.signal(SIGKILL);
    client.wait(10);
  }
  EXPECT_EQ(local_sh("test -e big || echo absent", local.path()).out, "absent\n");
  auto again = sb.ec2dl({"pull", "~/kl/big", "."}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "resumed after")) << again.err;
  EXPECT_EQ(local_sh("sha256sum < big; ls -A", local.path()).out,
            sb.as_user("sha256sum < kl/big").out + "big\n");

  // Many small files: every file under its final name is complete at any moment.
  {
    auto client = start_ec2dl({"pull", "--bwlimit", "1M", "~/kl/many", "."}, local.path());
    ASSERT_TRUE(eventually([&] {
      return parse_size(local_sh("ls many 2>/dev/null | grep -vc ec2dl-tmp", local.path()).out) >
             10;
    }));
    client.signal(SIGKILL);
    client.wait(10);
  }
  const auto remote_sums = sb.as_user("cd kl && sha256sum many/* | sort").out;
  const auto local_sums = local_sh("sha256sum many/f* | sort", local.path()).out;
  ASSERT_FALSE(local_sums.empty());
  for (std::size_t start = 0, end = 0; start < local_sums.size(); start = end + 1) {
    end = local_sums.find('\n', start);
    const auto line = local_sums.substr(start, end - start);
    EXPECT_TRUE(contains(remote_sums, line)) << "not the server's content: " << line;
  }
  auto finish = sb.ec2dl({"pull", "~/kl/many", "."}, {.cwd = local.path()});
  ASSERT_EQ(finish.status, 0) << finish.err;
  EXPECT_EQ(local_sh("sha256sum many/* | sort", local.path()).out, remote_sums);
  EXPECT_EQ(local_sh("ls -A many | grep -c ec2dl-tmp || true", local.path()).out, "0\n");
  sb.as_user("rm -rf kl");
}

TEST(Fault, AnInterruptedParallelPullKeepsItsCompletePrefix) {
  auto& sb = sandbox();
  // From 64 MiB on, a pull runs over several channels at once.
  sb.as_user("mkdir -p pp && head -c 80000000 /dev/urandom > pp/huge");
  LocalDir local;
  {
    auto client = start_ec2dl({"pull", "--bwlimit", "16M", "~/pp/huge", "."}, local.path());
    // Blocks actually written (the partial file is sparse while the ranges fill in).
    ASSERT_TRUE(eventually([&] {
      return parse_size(local_sh("stat -c '%b %B' .ec2dl-part.* 2>/dev/null | "
                                 "awk '{print $1 * $2}'",
                                 local.path())
                            .out) > 20000000;
    })) << client.err();
    client.signal(SIGINT);
    ASSERT_EQ(client.wait(20), 130) << client.err();
  }
  EXPECT_EQ(local_sh("test -e huge || echo absent", local.path()).out, "absent\n");
  // What is kept is a prefix of the file, which the next run verifies and continues.
  const auto kept = local_size(local.path(), ".ec2dl-part.*");
  EXPECT_GT(kept, 0u);
  EXPECT_EQ(
      local_sh("head -c " + std::to_string(kept) + " .ec2dl-part.* | sha256sum", local.path()).out,
      sb.as_user("head -c " + std::to_string(kept) + " pp/huge | sha256sum").out);
  auto again = sb.ec2dl({"pull", "~/pp/huge", "."}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "resumed after")) << again.err;
  EXPECT_EQ(local_sh("sha256sum < huge; ls -A", local.path()).out,
            sb.as_user("sha256sum < pp/huge").out + "huge\n");
  sb.as_user("rm -rf pp");
}

// Killed outright (no chance to cut the partial file to a prefix), a multi-channel pull
// resumes from the ranges it saved, not from zero.
TEST(Fault, AParallelPullKilledWithSigkillResumes) {
  auto& sb = sandbox();
  sb.as_user("mkdir -p pk9 && head -c 80000000 /dev/urandom > pk9/huge");
  LocalDir local;
  {
    auto client = start_ec2dl({"pull", "--bwlimit", "16M", "~/pk9/huge", "."}, local.path());
    ASSERT_TRUE(eventually([&] {
      return parse_size(local_sh("stat -c '%b %B' .ec2dl-part.* 2>/dev/null | head -1 | "
                                 "awk '{print $1 * $2}'",
                                 local.path())
                            .out) > 30000000;
    })) << client.err();
    client.signal(SIGKILL);
    client.wait(10);
  }
  EXPECT_EQ(local_sh("test -e huge || echo absent", local.path()).out, "absent\n");
  auto again = sb.ec2dl({"--json", "pull", "~/pk9/huge", "."}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  const auto j = nlohmann::json::parse(again.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << again.out;
  EXPECT_GT(j.value("bytes_resumed", 0), 16000000) << again.out;
  EXPECT_EQ(local_sh("sha256sum < huge; ls -A", local.path()).out,
            sb.as_user("sha256sum < pk9/huge").out + "huge\n");
  sb.as_user("rm -rf pk9");
}

TEST(Fault, CtrlCStopsCleanlyWithExit130) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("head -c 40000000 /dev/urandom > big", local.path()).status, 0);
  sb.as_user("rm -rf ci");
  auto client = start_ec2dl({"push", "--bwlimit", "8M", "big", "~/ci/"}, local.path());
  ASSERT_TRUE(eventually([] { return remote_size("ci/.ec2dl-part.*") > 2000000; }));
  client.signal(SIGINT);
  const auto status = client.wait(20);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 130);
  EXPECT_TRUE(contains(client.err(), "interrupted")) << client.err();
  EXPECT_TRUE(contains(client.err(), "run the same command again")) << client.err();
  EXPECT_EQ(sb.as_user("test -e ci/big || echo absent").out, "absent\n");
  sb.as_user("rm -rf ci");
}

TEST(Fault, AFullDiskOnTheServerIsAnErrorAndLeavesNothing) {
  auto& sb = sandbox();
  FullDisk full;
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir p && head -c 900000 /dev/urandom > p/a && "
                     "head -c 900000 /dev/urandom > p/b && head -c 20000000 /dev/zero > large",
                     local.path())
                .status,
            0);
  auto small = sb.ec2dl({"push", "p", "~/full"}, {.cwd = local.path()});
  EXPECT_EQ(small.status, 1);
  EXPECT_TRUE(contains(small.err, "disk full on the server")) << small.err;
  EXPECT_EQ(sb.as_user("ls -A full").out, "");  // no partial file, no stage
  auto large = sb.ec2dl({"push", "large", "~/full"}, {.cwd = local.path()});
  EXPECT_EQ(large.status, 1);
  EXPECT_TRUE(contains(large.err, "disk full on the server")) << large.err;
  EXPECT_EQ(sb.as_user("ls -A full").out, "");
  // What fits still goes.
  ASSERT_EQ(local_sh("echo ok > fits", local.path()).status, 0);
  EXPECT_EQ(sb.ec2dl({"push", "fits", "~/full"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat full/fits").out, "ok\n");
}

}  // namespace
}  // namespace ec2dl::test
