// ec2dl pull against a real sshd: remote globs, a job's files, destinations, --delete,
// --dry-run, skip-unchanged, and the error paths (no match, unreadable, local disk full).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <string>

#include "transfer_util.hpp"

namespace ec2dl::test {
namespace {

TEST(Pull, RemoteGlobsExpandOnTheServer) {
  auto& sb = sandbox();
  sb.as_user(
      "mkdir -p pics && for n in a 'b c' d; do echo \"$n\" > \"pics/$n.png\"; done && "
      "echo no > pics/e.jpg");
  LocalDir local;
  auto r = sb.ec2dl({"pull", "~/pics/*.png", "."}, {.cwd = local.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(local_sh("ls", local.path()).out, "a.png\nb c.png\nd.png\n");
  EXPECT_EQ(local_sh("cat 'b c.png'", local.path()).out, "b c\n");
  // A path relative to the home folder, with the default destination.
  LocalDir two;
  auto rel = sb.ec2dl({"pull", "pics/*.jpg"}, {.cwd = two.path()});
  ASSERT_EQ(rel.status, 0) << rel.err;
  EXPECT_EQ(local_sh("ls", two.path()).out, "e.jpg\n");
  sb.as_user("rm -rf pics");
}

TEST(Pull, AGlobWithNoMatchIsAClearError) {
  LocalDir local;
  auto r = sandbox().ec2dl({"pull", "~/*.nothing-matches", "."}, {.cwd = local.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no match on the server for '~/*.nothing-matches'")) << r.err;
  auto missing = sandbox().ec2dl({"pull", "~/no such file", "."}, {.cwd = local.path()});
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.err, "no such file or folder on the server: ~/no such file"))
      << missing.err;
  EXPECT_EQ(local_sh("ls -A", local.path()).out, "");
}

TEST(Pull, HostileRemoteNamesAndPatternsArriveExactly) {
  auto& sb = sandbox();
  sb.as_user(
      "mkdir -p hn && printf 1 > 'hn/$(touch pwned)' && printf 2 > \"hn/$(printf 'a\\nb')\" "
      "&& printf 3 > \"hn/$(printf 'x\\377y')\" && printf 4 > \"hn/it's\"");
  LocalDir local;
  const std::vector<std::string> names = {"$(touch pwned)", "a\nb", "x\xffy", "it's"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto r = sb.ec2dl({"pull", "~/hn/" + names[i], "."}, {.cwd = local.path()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(local / names[i]), std::to_string(i + 1));
  }
  EXPECT_EQ(sb.as_user("test -e pwned || echo clean").out, "clean\n");
  EXPECT_EQ(local_sh("test -e pwned || echo clean", local.path()).out, "clean\n");
  sb.as_user("rm -rf hn");
}

TEST(Pull, FromAJobsWorkingDirectory) {
  auto& sb = sandbox();
  // A registry entry as `ec2dl run` leaves it: jobs/<id>/{workdir,name}.
  sb.as_user(
      "mkdir -p exp/run1/ckpt .ec2dl/jobs/7 && echo a > exp/run1/a.png && "
      "echo b > exp/run1/b.png && echo c > exp/run1/ckpt/c.pt && "
      "echo \"$HOME/exp/run1\" > .ec2dl/jobs/7/workdir && echo train > .ec2dl/jobs/7/name");
  LocalDir by_id;
  auto r = sb.ec2dl({"pull", "7", "*.png"}, {.cwd = by_id.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(local_sh("ls", by_id.path()).out, "a.png\nb.png\n");
  LocalDir by_name;
  auto n = sb.ec2dl({"pull", "train", "ckpt/*.pt", "a.png"}, {.cwd = by_name.path()});
  ASSERT_EQ(n.status, 0) << n.err;
  EXPECT_EQ(local_sh("ls", by_name.path()).out, "a.png\nc.pt\n");
  LocalDir flag;
  auto f = sb.ec2dl({"pull", "--job", "train", "-t", "out", "ckpt"}, {.cwd = flag.path()});
  ASSERT_EQ(f.status, 0) << f.err;
  EXPECT_EQ(read_text(flag / "out/ckpt/c.pt"), "c\n");
  // A pattern that matches nothing in the job's folder says where it looked.
  auto none = sb.ec2dl({"pull", "7", "*.gif"}, {.cwd = by_id.path()});
  EXPECT_EQ(none.status, 1);
  EXPECT_TRUE(contains(none.err, "exp/run1")) << none.err;
  // An unknown job with --job; a name that is both a job and a file is refused.
  auto unknown = sb.ec2dl({"pull", "--job", "nope", "x"}, {.cwd = by_id.path()});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(contains(unknown.err, "no job 'nope'")) << unknown.err;
  // A job alone names the right form; scp's `pull JOB PATTERN LOCAL/` works.
  auto alone = sb.ec2dl({"pull", "7"}, {.cwd = by_id.path()});
  EXPECT_EQ(alone.status, 1) << alone.err;
  EXPECT_TRUE(contains(alone.err, "'7' is a job: say what to fetch from its folder")) << alone.err;
  EXPECT_TRUE(contains(alone.err, "exp/run1")) << alone.err;
  EXPECT_EQ(std::count(alone.err.begin(), alone.err.end(), '\n'), 1) << alone.err;
  LocalDir scp;
  auto slash = sb.ec2dl({"pull", "7", "ckpt/*.pt", "*.png", "out/"}, {.cwd = scp.path()});
  ASSERT_EQ(slash.status, 0) << slash.err;
  EXPECT_EQ(local_sh("ls out", scp.path()).out, "a.png\nb.png\nc.pt\n");
  local_sh("mkdir existing", scp.path());
  auto folder = sb.ec2dl({"pull", "train", "a.png", "existing"}, {.cwd = scp.path()});
  ASSERT_EQ(folder.status, 0) << folder.err;
  EXPECT_EQ(read_text(scp / "existing/a.png"), "a\n");
  // "ckpt/" is also a folder of the job's: refused (exit 2), nothing fetched.
  auto both = sb.ec2dl({"pull", "7", "a.png", "ckpt/"}, {.cwd = scp.path()});
  EXPECT_EQ(both.status, 2) << both.err;
  EXPECT_TRUE(contains(both.err, "say where the files go with -t DIR")) << both.err;
  EXPECT_FALSE(std::filesystem::exists(scp / "ckpt"));
  EXPECT_FALSE(std::filesystem::exists(scp / "a.png"));
  auto typo = sb.ec2dl({"pull", "7", "a.png", "nowhere"}, {.cwd = scp.path()});
  EXPECT_EQ(typo.status, 1);
  EXPECT_TRUE(contains(typo.err, "write it as nowhere/ or use -t nowhere")) << typo.err;
  sb.as_user("echo file > train");
  // Alone, a file that has a job's name is the file.
  LocalDir file_wins;
  auto file = sb.ec2dl({"pull", "train"}, {.cwd = file_wins.path()});
  ASSERT_EQ(file.status, 0) << file.err;
  EXPECT_EQ(read_text(file_wins / "train"), "file\n");
  auto ambiguous = sb.ec2dl({"pull", "train", "a.png"}, {.cwd = by_id.path()});
  EXPECT_EQ(ambiguous.status, 2);
  EXPECT_TRUE(contains(ambiguous.err, "both a job and a file")) << ambiguous.err;
  // Not a job: the usual REMOTE LOCAL meaning.
  LocalDir plain;
  auto p = sb.ec2dl({"pull", "exp", "dst"}, {.cwd = plain.path()});
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_EQ(read_text(plain / "dst/exp/run1/a.png"), "a\n");
  sb.as_user("rm -rf exp train .ec2dl");
}

TEST(Pull, DestinationsFollowScpAndRsyncRules) {
  auto& sb = sandbox();
  sb.as_user("mkdir -p pd/sub && echo m > pd/model.pt && echo s > pd/sub/s");
  LocalDir local;
  ASSERT_EQ(sb.ec2dl({"pull", "~/pd/model.pt", "best.pt"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(read_text(local / "best.pt"), "m\n");
  ASSERT_EQ(sb.ec2dl({"pull", "~/pd", "out"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(read_text(local / "out/pd/sub/s"), "s\n");
  ASSERT_EQ(sb.ec2dl({"pull", "~/pd/", "contents"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(read_text(local / "contents/sub/s"), "s\n");
  ASSERT_EQ(sb.ec2dl({"pull", "~/pd/model.pt", "deep/er/"}, {.cwd = local.path()}).status, 0);
  EXPECT_EQ(read_text(local / "deep/er/model.pt"), "m\n");
  sb.as_user("rm -rf pd");
}

TEST(Pull, SkipsUnchangedDeletesOnRequestAndDryRunChangesNothing) {
  auto& sb = sandbox();
  sb.as_user("mkdir -p ps/d && echo 1 > ps/a && echo 2 > ps/d/b");
  LocalDir local;
  ASSERT_EQ(sb.ec2dl({"pull", "~/ps", "."}, {.cwd = local.path()}).status, 0);
  auto again = sb.ec2dl({"--json", "pull", "~/ps", "."}, {.cwd = local.path()});
  ASSERT_EQ(again.status, 0) << again.err;
  auto j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["files_sent"], 0);
  EXPECT_EQ(j["files_unchanged"], 2);

  sb.as_user("echo changed > ps/a && rm ps/d/b && touch -d @1700000000 ps/a");
  ASSERT_EQ(local_sh("echo local > ps/extra", local.path()).status, 0);
  const auto before = local_listing(local.path());
  auto dry = sb.ec2dl({"pull", "-n", "--delete", "~/ps", "."}, {.cwd = local.path()});
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_TRUE(contains(dry.out, "send    ps/a")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "delete  ps/d/b")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "delete  ps/extra")) << dry.out;
  EXPECT_EQ(local_listing(local.path()), before);

  auto plain = sb.ec2dl({"pull", "~/ps", "."}, {.cwd = local.path()});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(read_text(local / "ps/a"), "changed\n");
  EXPECT_EQ(read_text(local / "ps/extra"), "local\n");
  auto del = sb.ec2dl({"pull", "--delete", "~/ps", "."}, {.cwd = local.path()});
  ASSERT_EQ(del.status, 0) << del.err;
  EXPECT_TRUE(contains(del.err, "deleted ps/extra")) << del.err;
  EXPECT_EQ(local_sh("find ps | sort", local.path()).out, "ps\nps/a\nps/d\n");
  sb.as_user("rm -rf ps");
}

// A local link where the server has a folder is replaced by a folder; the files seen
// through the link live outside the destination: they are neither deleted nor said to be.
TEST(Pull, DeleteNeverListsFilesSeenThroughALinkOutsideTheDestination) {
  auto& sb = sandbox();
  sb.as_user("rm -rf pk && mkdir -p pk/sub && echo server > pk/sub/a");
  LocalDir local;
  LocalDir outside;
  ASSERT_EQ(local_sh("echo outside > a && echo other > b", outside.path()).status, 0);
  ASSERT_EQ(
      local_sh("mkdir pk && ln -s " + remote::shell_quote(outside.path()) + " pk/sub", local.path())
          .status,
      0);
  auto del = sb.ec2dl({"pull", "--delete", "~/pk", "."}, {.cwd = local.path()});
  ASSERT_EQ(del.status, 0) << del.err;
  EXPECT_FALSE(contains(del.err, "pk/sub/a")) << del.err;
  EXPECT_FALSE(contains(del.err, "pk/sub/b")) << del.err;
  EXPECT_EQ(local_sh("cat a b", outside.path()).out, "outside\nother\n");
  EXPECT_EQ(local_sh("test -L pk/sub || cat pk/sub/a", local.path()).out, "server\n");
  sb.as_user("rm -rf pk");
}

TEST(Pull, ExcludesAndTheServersIgnoreFilesAreHonoured) {
  auto& sb = sandbox();
  sb.as_user(
      "mkdir -p px/sub px/logs && echo a > px/a.py && echo m > px/m.ckpt && "
      "echo l > px/logs/l.txt && echo s > px/sub/s.py && echo t > px/sub/t.tmp && "
      "printf 'logs/\\n' > px/.ec2dlignore && printf '*.tmp\\n' > px/sub/.ec2dlignore");
  LocalDir local;
  auto r = sb.ec2dl({"pull", "--exclude", "*.ckpt", "~/px", "."}, {.cwd = local.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(local_sh("find px -type f | sort", local.path()).out,
            "px/.ec2dlignore\npx/a.py\npx/sub/.ec2dlignore\npx/sub/s.py\n");
  LocalDir all;
  auto everything = sb.ec2dl({"pull", "--no-ignore-file", "~/px", "."}, {.cwd = all.path()});
  ASSERT_EQ(everything.status, 0) << everything.err;
  EXPECT_EQ(local_sh("find px -type f | wc -l", all.path()).out, "7\n");

  // --delete removes what the server no longer has, and spares what is excluded here.
  ASSERT_EQ(local_sh("echo mine > px/m.ckpt && mkdir px/logs && echo mine > px/logs/keep.txt && "
                     "echo mine > px/sub/x.tmp && echo old > px/stale.py",
                     local.path())
                .status,
            0);
  auto del =
      sb.ec2dl({"pull", "--delete", "--exclude", "*.ckpt", "~/px", "."}, {.cwd = local.path()});
  ASSERT_EQ(del.status, 0) << del.err;
  EXPECT_TRUE(contains(del.err, "deleted px/stale.py")) << del.err;
  EXPECT_EQ(local_sh("find px -type f | sort", local.path()).out,
            "px/.ec2dlignore\npx/a.py\npx/logs/keep.txt\npx/m.ckpt\npx/sub/.ec2dlignore\n"
            "px/sub/s.py\npx/sub/x.tmp\n");
  EXPECT_EQ(read_text(local / "px/m.ckpt"), "mine\n");
  sb.as_user("rm -rf px");
}

TEST(Pull, UnreadableRemoteFileIsAClearError) {
  auto& sb = sandbox();
  sb.as_user("mkdir -p sec && echo ok > sec/ok && echo s > sec/secret && chmod 000 sec/secret");
  LocalDir local;
  auto r = sb.ec2dl({"pull", "~/sec", "."}, {.cwd = local.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "could not read")) << r.err;
  EXPECT_TRUE(contains(r.err, "secret")) << r.err;
  EXPECT_EQ(read_text(local / "sec/ok"), "ok\n");
  EXPECT_EQ(local_sh("ls -A sec", local.path()).out, "ok\n");  // nothing half-written
  sb.as_user("chmod 600 sec/secret && rm -rf sec");
}

TEST(Pull, LocalDiskFullLeavesNoPartialFile) {
  auto& sb = sandbox();
  sb.as_user(
      "mkdir -p df && head -c 3000000 /dev/urandom > df/mid && "
      "head -c 20000000 /dev/urandom > df/large && echo s > df/small");
  LocalDir local;
  ASSERT_EQ(local_sh("mkdir full && mount -t tmpfs -o size=1m tmpfs full", local.path()).status, 0);
  auto mid = sb.ec2dl({"pull", "~/df/small", "~/df/mid", "full"}, {.cwd = local.path()});
  EXPECT_EQ(mid.status, 1);
  EXPECT_TRUE(contains(mid.err, "disk full")) << mid.err;
  EXPECT_EQ(local_sh("ls -A full", local.path()).out, "small\n");
  auto large = sb.ec2dl({"pull", "~/df/large", "full/"}, {.cwd = local.path()});
  EXPECT_EQ(large.status, 1);
  EXPECT_TRUE(contains(large.err, "disk full")) << large.err;
  EXPECT_EQ(local_sh("ls -A full", local.path()).out, "small\n");
  sb.as_user("rm -rf df");
}

TEST(Pull, UsageErrors) {
  auto r = sandbox().ec2dl({"pull"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "nothing to fetch")) << r.err;
  auto job = sandbox().ec2dl({"pull", "--job", "7"});
  EXPECT_EQ(job.status, 2);
}

}  // namespace
}  // namespace ec2dl::test
