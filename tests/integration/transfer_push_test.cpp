// ec2dl push against a real sshd: byte-exact round trips, skip-unchanged, --delete,
// --dry-run, exclusions, checksums, destinations, and the error paths.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "transfer_util.hpp"

namespace ec2dl::test {
namespace {

TEST(Push, HostileTreeRoundTripsByteForByte) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh(k_hostile_tree, local.path()).status, 0);
  for (const char* host : {"sandbox", "sandbox-bash"}) {
    SCOPED_TRACE(host);
    const bool bash = std::string(host) == "sandbox-bash";
    sb.as_user("rm -rf rt", bash);
    auto push = sb.ec2dl({"-H", host, "push", "src", "~/rt"}, {.cwd = local.path()});
    ASSERT_EQ(push.status, 0) << push.err;
    EXPECT_TRUE(contains(push.err, "pushed 11 files")) << push.err;
    auto remote = sb.as_user("cd rt && { " + std::string(k_listing) + "; }", bash);
    EXPECT_EQ(remote.out, local_listing(local / "src/..")) << "server side differs";
    EXPECT_EQ(sb.as_user("ls rt", bash).out, "src\n");  // nothing else, no pwned file
    EXPECT_EQ(sb.as_user("ls -A rt/src | grep -c ec2dl- || true", bash).out, "0\n");

    // And back: a fresh local folder gets exactly the same tree.
    LocalDir back;
    auto pull = sb.ec2dl({"-H", host, "pull", "~/rt/src", back.path()});
    ASSERT_EQ(pull.status, 0) << pull.err;
    EXPECT_EQ(local_listing(back.path()), local_listing(local / "src/.."));
  }
}

TEST(Push, TwoHundredMegabyteFileRoundTrips) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("head -c 200000000 /dev/urandom > big.bin && chmod 640 big.bin && "
                     "touch -d @1600000000 big.bin",
                     local.path())
                .status,
            0);
  auto push = sb.ec2dl({"push", "big.bin", "~/big/"}, {.timeout_s = 300, .cwd = local.path()});
  ASSERT_EQ(push.status, 0) << push.err;
  const auto local_sum = local_sh("sha256sum < big.bin", local.path()).out;
  EXPECT_EQ(sb.as_user("sha256sum < big/big.bin").out, local_sum);
  EXPECT_EQ(sb.as_user("stat -c '%s %a %Y' big/big.bin").out, "200000000 640 1600000000\n");
  EXPECT_EQ(sb.as_user("ls -A big").out, "big.bin\n");  // no part file left

  LocalDir back;
  auto pull = sb.ec2dl({"pull", "~/big/big.bin", back.path()}, {.timeout_s = 300});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(local_sh("sha256sum < big.bin", back.path()).out, local_sum);
  EXPECT_EQ(local_sh("stat -c '%s %a %Y' big.bin; ls -A", back.path()).out,
            "200000000 640 1600000000\nbig.bin\n");
  sb.as_user("rm -rf big");
}

// Two clients push different files of the same size and mtime (so the same resumable part
// name) to one destination at once: both succeed and the file is one of the two, whole.
TEST(Push, TwoClientsPushingOneLargeFileAtOnceBothSucceed) {
  auto& sb = sandbox();
  LocalDir a;
  LocalDir b;
  for (const auto* dir : {&a, &b}) {
    ASSERT_EQ(local_sh("head -c 17000000 /dev/urandom > big.bin && touch -d @1600000000 big.bin",
                       dir->path())
                  .status,
              0);
  }
  const auto sum_a = local_sh("sha256sum < big.bin", a.path()).out;
  const auto sum_b = local_sh("sha256sum < big.bin", b.path()).out;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    sb.as_user("rm -rf cc");
    auto start = [&](const LocalDir& dir) {
      std::vector<std::string> argv = {EC2DL_BINARY, "push", "big.bin", "~/cc/"};
      RunOptions options = sb.ec2dl_env();
      options.cwd = dir.path();
      return std::make_unique<BackgroundProcess>(argv, options);
    };
    auto pa = start(a);
    auto pb = start(b);
    const auto sa = pa->wait(120);
    const auto sbs = pb->wait(120);
    EXPECT_EQ(sa, 0) << pa->err();
    EXPECT_EQ(sbs, 0) << pb->err();
    const auto server = sb.as_user("sha256sum < cc/big.bin; ls -A cc").out;
    EXPECT_TRUE(server == sum_a + "big.bin\n" || server == sum_b + "big.bin\n") << server;
    if (HasFailure()) {
      break;
    }
  }
  sb.as_user("rm -rf cc");
}

TEST(Push, UnchangedFilesAreSkipped) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir -p p/sub && for i in 1 2 3 4 5; do echo $i > p/f$i; done && "
                     "echo s > p/sub/s",
                     local.path())
                .status,
            0);
  ASSERT_EQ(sb.ec2dl({"push", "p", "~/skip"}, {.cwd = local.path()}).status, 0);
  const auto inode_before = sb.as_user("stat -c %i skip/p/f1 skip/p/sub/s").out;

  auto again = sb.ec2dl({"--json", "push", "p", "~/skip"}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  auto j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["files_sent"], 0);
  EXPECT_EQ(j["files_unchanged"], 6);
  EXPECT_EQ(j["plan"].size(), 0u);

  // One file changes: only it is sent; the others are not rewritten.
  ASSERT_EQ(local_sh("echo changed > p/f3 && touch -d @1700000000 p/f3", local.path()).status, 0);
  auto third = sb.ec2dl({"--json", "push", "p", "~/skip"}, {.cwd = local.path()});
  ASSERT_EQ(third.status, 0) << third.err;
  j = nlohmann::json::parse(third.out);
  EXPECT_EQ(j["files_sent"], 1);
  EXPECT_EQ(j["files_unchanged"], 5);
  EXPECT_EQ(sb.as_user("cat skip/p/f3").out, "changed\n");
  EXPECT_EQ(sb.as_user("stat -c %i skip/p/f1 skip/p/sub/s").out, inode_before);

  // A mode change alone is applied without sending the content.
  ASSERT_EQ(local_sh("chmod 700 p/f1", local.path()).status, 0);
  auto chmod = sb.ec2dl({"--json", "push", "p", "~/skip"}, {.cwd = local.path()});
  j = nlohmann::json::parse(chmod.out);
  EXPECT_EQ(j["files_sent"], 0);
  EXPECT_EQ(j["attrs_updated"], 1);
  EXPECT_EQ(sb.as_user("stat -c %a skip/p/f1").out, "700\n");
  sb.as_user("rm -rf skip");
}

TEST(Push, ChecksumComparesContent) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir p && echo aaaa > p/f && touch -d @1600000000 p/f", local.path()).status,
            0);
  ASSERT_EQ(sb.ec2dl({"push", "p", "~/sum"}, {.cwd = local.path()}).status, 0);
  // Same size and mtime, other bytes: invisible to the default, seen by --checksum.
  sb.as_user("echo bbbb > sum/p/f && touch -d @1600000000 sum/p/f");
  EXPECT_EQ(sb.ec2dl({"push", "p", "~/sum"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat sum/p/f").out, "bbbb\n");
  auto r = sb.ec2dl({"push", "--checksum", "p", "~/sum"}, {.cwd = local.path()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("cat sum/p/f").out, "aaaa\n");
  sb.as_user("rm -rf sum");
}

TEST(Push, DryRunPrintsThePlanAndChangesNothing) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir -p p/new && echo a > p/a && echo b > p/b", local.path()).status, 0);
  sb.as_user("mkdir -p dry/p && echo old > dry/p/a && echo x > dry/p/extra");
  const auto before = remote_listing("dry");
  auto r = sb.ec2dl({"push", "--dry-run", "--delete", "p", "~/dry"}, {.cwd = local.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "send    p/a  (2 B, size)")) << r.out;
  EXPECT_TRUE(contains(r.out, "send    p/b  (2 B, new)")) << r.out;
  EXPECT_TRUE(contains(r.out, "mkdir   p/new/")) << r.out;
  EXPECT_TRUE(contains(r.out, "delete  p/extra")) << r.out;
  EXPECT_TRUE(contains(r.err, "dry run: would send 2 files")) << r.err;
  EXPECT_EQ(remote_listing("dry"), before);
  sb.as_user("rm -rf dry");
}

TEST(Push, DeleteRemovesWhatTheSourceNoLongerHasAndListsIt) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(
      local_sh("mkdir -p p && echo a > p/a && echo '*.keep' > p/.ec2dlignore", local.path()).status,
      0);
  sb.as_user(
      "mkdir -p del/p/olddir && echo x > del/p/gone && echo y > del/p/olddir/z && "
      "echo k > del/p/cache.keep && echo o > del/outside");
  auto without = sb.ec2dl({"push", "p", "~/del"}, {.cwd = local.path()});
  ASSERT_EQ(without.status, 0) << without.err;
  EXPECT_EQ(sb.as_user("cd del && find . -type f | sort").out,
            "./outside\n./p/.ec2dlignore\n./p/a\n./p/cache.keep\n./p/gone\n./p/olddir/z\n");
  auto with = sb.ec2dl({"push", "--delete", "p", "~/del"}, {.cwd = local.path()});
  ASSERT_EQ(with.status, 0) << with.err;
  EXPECT_TRUE(contains(with.err, "deleted ~/del/p/gone")) << with.err;
  EXPECT_TRUE(contains(with.err, "deleted ~/del/p/olddir/z")) << with.err;
  EXPECT_TRUE(contains(with.err, "3 deleted")) << with.err;
  // Excluded files on the server are protected, and nothing outside p is touched.
  EXPECT_EQ(sb.as_user("cd del && find . | sort").out,
            ".\n./outside\n./p\n./p/.ec2dlignore\n./p/a\n./p/cache.keep\n");
  sb.as_user("rm -rf del");
}

TEST(Push, DeleteOntoTheWholeHomeIsRefused) {
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir p && echo a > p/a", local.path()).status, 0);
  auto r = sandbox().ec2dl({"push", "--delete", "p/", "~"}, {.cwd = local.path()});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "refusing --delete")) << r.err;
  EXPECT_EQ(sandbox().as_user("test -e a || echo absent").out, "absent\n");
}

TEST(Push, ExcludesAndIgnoreFilesAreHonoured) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir -p p/sub p/data p/__pycache__ && echo x > p/m.ckpt && echo x > p/a.py "
                     "&& echo x > p/data/big && echo x > p/__pycache__/c.pyc && "
                     "printf '/data\\n__pycache__/\\n' > p/.ec2dlignore && "
                     "printf '*.txt\\n' > p/sub/.ec2dlignore && echo t > p/sub/t.txt && "
                     "echo t > p/keep.txt && echo s > p/sub/s.py",
                     local.path())
                .status,
            0);
  auto r = sb.ec2dl({"push", "--exclude", "*.ckpt", "p", "~/ex"}, {.cwd = local.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("cd ex && find . -type f | sort").out,
            "./p/.ec2dlignore\n./p/a.py\n./p/keep.txt\n./p/sub/.ec2dlignore\n./p/sub/s.py\n");
  auto all = sb.ec2dl({"push", "--no-ignore-file", "p", "~/ex2"}, {.cwd = local.path()});
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(sb.as_user("cd ex2 && find . -type f | wc -l").out, "9\n");
  sb.as_user("rm -rf ex ex2");
}

TEST(Push, DestinationsFollowScpAndRsyncRules) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(
      local_sh("mkdir -p d && echo 1 > d/x && echo s > script.py && echo t > two.py", local.path())
          .status,
      0);
  // One file: the default is the home folder; a new name renames it.
  EXPECT_EQ(sb.ec2dl({"push", "script.py"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat script.py").out, "s\n");
  EXPECT_EQ(sb.ec2dl({"push", "script.py", "~/dst/train.py"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat dst/train.py").out, "s\n");
  // Into an existing folder, and with -t for several files.
  EXPECT_EQ(sb.ec2dl({"push", "script.py", "~/dst"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat dst/script.py").out, "s\n");
  EXPECT_EQ(
      sb.ec2dl({"push", "-t", "~/many/new", "script.py", "two.py"}, {.cwd = local.path()}).status,
      0);
  EXPECT_EQ(sb.as_user("ls many/new").out, "script.py\ntwo.py\n");
  // A folder goes under its name; with a trailing slash, its contents do.
  EXPECT_EQ(sb.ec2dl({"push", "d", "~/fold"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat fold/d/x").out, "1\n");
  EXPECT_EQ(sb.ec2dl({"push", "d/", "~/cont"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat cont/x").out, "1\n");
  // Relative remote paths start at the home folder; missing parents are created.
  EXPECT_EQ(sb.ec2dl({"push", "d", "a/b/c"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("cat a/b/c/d/x").out, "1\n");
  sb.as_user("rm -rf script.py dst many fold cont a");
}

TEST(Push, SymlinksAreLinksUnlessDereferenced) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir -p p real && echo r > real/f && ln -s ../real p/to-real && "
                     "echo t > target && ln -s ../target p/to-file",
                     local.path())
                .status,
            0);
  ASSERT_EQ(sb.ec2dl({"push", "p", "~/ln"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("readlink ln/p/to-real ln/p/to-file").out, "../real\n../target\n");
  ASSERT_EQ(sb.ec2dl({"push", "-L", "p", "~/deref"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(sb.as_user("test -L deref/p/to-real || cat deref/p/to-real/f deref/p/to-file").out,
            "r\nt\n");
  sb.as_user("rm -rf ln deref");
}

TEST(Push, FolderInTheWayIsAConflictUnlessDelete) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir p && echo f > p/x", local.path()).status, 0);
  sb.as_user("mkdir -p way/p/x && echo inner > way/p/x/inner");
  auto r = sb.ec2dl({"push", "p", "~/way"}, {.cwd = local.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "is a folder on the destination")) << r.err;
  EXPECT_EQ(sb.as_user("cat way/p/x/inner").out, "inner\n");
  auto d = sb.ec2dl({"push", "--delete", "p", "~/way"}, {.cwd = local.path()});
  EXPECT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(sb.as_user("cat way/p/x").out, "f\n");
  sb.as_user("rm -rf way");
}

TEST(Push, VerifyComparesChecksumsOnBothSides) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir p && head -c 20000000 /dev/urandom > p/large && echo s > p/small",
                     local.path())
                .status,
            0);
  auto r = sb.ec2dl({"--json", "push", "--verify", "p", "~/ver"}, {.cwd = local.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["files_sent"], 2);
  sb.as_user("rm -rf ver");
}

TEST(Push, AProgressLineOnATerminalOnly) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir p && head -c 3000000 /dev/urandom > p/a && echo b > p/b", local.path())
                .status,
            0);
  // `script` gives ec2dl a terminal: the line is drawn on it and redrawn with \r.
  const auto env = sb.ec2dl_env();
  std::string command = "env";
  for (const auto& [k, v] : env.env) {
    command += " " + k + "=" + remote::shell_quote(v);
  }
  command += " " + remote::shell_quote(EC2DL_BINARY) + " push p '~/prog'";
  RunOptions options = env;
  options.cwd = local.path();
  auto tty = run_process({"script", "-qec", command, "/dev/null"}, options);
  ASSERT_EQ(tty.status, 0) << tty.out;
  EXPECT_TRUE(contains(tty.out, "\r")) << tty.out;
  EXPECT_TRUE(contains(tty.out, "files")) << tty.out;
  EXPECT_TRUE(contains(tty.out, "ETA")) << tty.out;
  EXPECT_TRUE(contains(tty.out, "pushed 2 files")) << tty.out;
  // Not on a pipe, and never on stdout.
  sb.as_user("rm -rf prog");
  auto plain = sb.ec2dl({"push", "p", "~/prog"}, {.cwd = local.path()});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_FALSE(contains(plain.err, "ETA")) << plain.err;
  EXPECT_EQ(plain.out, "");
  sb.as_user("rm -rf prog");
}

TEST(Push, MissingLocalPathFailsBeforeConnecting) {
  LocalDir local;
  // A server that does not exist: the error must come from the missing path.
  auto r = sandbox().ec2dl({"-H", "127.0.0.1:1", "push", "no-such-file", "also missing", "~/x"},
                           {.cwd = local.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no-such-file: No such file or directory")) << r.err;
  EXPECT_TRUE(contains(r.err, "also missing: No such file or directory")) << r.err;
  auto usage = sandbox().ec2dl({"push"});
  EXPECT_EQ(usage.status, 2);
  auto rate = sandbox().ec2dl({"push", "--bwlimit", "fast", "x"});
  EXPECT_EQ(rate.status, 2);
  EXPECT_TRUE(contains(rate.err, "--bwlimit")) << rate.err;
}

TEST(Push, UnwritableDestinationIsAClearError) {
  auto& sb = sandbox();
  LocalDir local;
  ASSERT_EQ(
      local_sh("mkdir p && echo a > p/a && head -c 17000000 /dev/zero > big", local.path()).status,
      0);
  sb.as_user("mkdir -p ro && chmod 555 ro");
  auto r = sb.ec2dl({"push", "p", "~/ro/sub"}, {.cwd = local.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "Permission denied")) << r.err;
  auto big = sb.ec2dl({"push", "big", "~/ro"}, {.cwd = local.path()});
  EXPECT_EQ(big.status, 1);
  EXPECT_TRUE(contains(big.err, "Permission denied")) << big.err;
  EXPECT_EQ(sb.as_user("ls -A ro").out, "");
  sb.as_user("chmod 755 ro && rm -rf ro");
}

}  // namespace
}  // namespace ec2dl::test
