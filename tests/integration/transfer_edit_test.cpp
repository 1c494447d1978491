// ec2dl edit against a real sshd, with EDITOR set to scripts that change the file, leave it
// alone, fail, or change the server's copy underneath.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <string>

#include "transfer_util.hpp"

namespace ec2dl::test {
namespace {

// An editor script in `dir` named `name` with the body `body` ("$1" is the file).
std::string editor(const LocalDir& dir, const std::string& name, const std::string& body) {
  const auto path = dir / name;
  write_text(path, "#!/bin/sh\n" + body + "\n");
  local_sh("chmod 755 " + remote::shell_quote(path));
  return path;
}

RunOptions with_editor(const std::string& editor_path, const LocalDir& tmp) {
  RunOptions options;
  options.env["EDITOR"] = editor_path;
  options.env["TMPDIR"] = tmp.path();
  options.unset = {"VISUAL"};
  return options;
}

TEST(Edit, AChangeIsUploadedAtomicallyKeepingTheMode) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'line 1\\n' > ed1.py && chmod 751 ed1.py");
  const auto ed = editor(tools, "append.sh",
                         "test \"$(stat -c %a \"$1\")\" = 600 || exit 9\n"
                         "printf 'line 2\\n' >> \"$1\"");
  auto r = sb.ec2dl({"edit", "~/ed1.py"}, with_editor(ed, tmp));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "uploaded")) << r.err;
  EXPECT_EQ(sb.as_user("cat ed1.py; stat -c %a ed1.py; ls -A | grep -c ec2dl-part || true").out,
            "line 1\nline 2\n751\n0\n");
  EXPECT_EQ(local_sh("ls -A", tmp.path()).out, "");  // the private copy is gone
}

// Two clients edit one file at once and save texts of the same size at the same moment
// (their editors wait for each other): exactly one upload replaces the file, the other is
// told that its edit was not saved and keeps its copy. Never a lost edit reported as saved.
TEST(Edit, TwoConcurrentEditsNeverLoseOneSilently) {
  auto& sb = sandbox();
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    LocalDir tools;
    LocalDir tmp_a;
    LocalDir tmp_b;
    sb.as_user("printf 'v0\\n' > edc.txt");
    auto ed = [&](const std::string& me, const std::string& other) {
      return editor(tools, me + ".sh",
                    "touch " + remote::shell_quote(tools / ("ready." + me)) +
                        "\nn=0\nwhile [ ! -e " + remote::shell_quote(tools / ("ready." + other)) +
                        " ] && [ $n -lt 3000 ]; do sleep 0.01; n=$((n+1)); done\n"
                        "printf 'client " +
                        me + "\\n' > \"$1\"");
    };
    BackgroundProcess a({EC2DL_BINARY, "edit", "~/edc.txt"},
                        sb.ec2dl_env(with_editor(ed("a", "b"), tmp_a)));
    BackgroundProcess b({EC2DL_BINARY, "edit", "~/edc.txt"},
                        sb.ec2dl_env(with_editor(ed("b", "a"), tmp_b)));
    const auto sa = a.wait(120);
    const auto sb_status = b.wait(120);
    ASSERT_TRUE(sa.has_value() && sb_status.has_value());
    const auto server = sb.as_user("cat edc.txt; ls -A | grep -c ec2dl-part || true").out;
    ASSERT_TRUE(*sa == 0 || *sb_status == 0) << a.err() << "\n" << b.err();
    ASSERT_NE(*sa, *sb_status) << "both reported the same: " << a.err() << "\n" << b.err();
    const bool a_won = *sa == 0;
    const auto& winner_err = a_won ? a.err() : b.err();
    const auto& loser_err = a_won ? b.err() : a.err();
    const auto& loser_tmp = a_won ? tmp_b : tmp_a;
    EXPECT_TRUE(contains(winner_err, "uploaded")) << winner_err;
    EXPECT_EQ(server, std::string("client ") + (a_won ? "a" : "b") + "\n0\n") << a.err() << "\n"
                                                                              << b.err();
    EXPECT_EQ(a_won ? *sb_status : *sa, 1) << loser_err;
    EXPECT_TRUE(contains(loser_err, "changed on the server while you were editing")) << loser_err;
    EXPECT_TRUE(contains(loser_err, "kept at " + loser_tmp.path())) << loser_err;
    EXPECT_EQ(local_sh("cat \"$(find . -type f)\"", loser_tmp.path()).out,
              std::string("client ") + (a_won ? "b" : "a") + "\n");
    if (HasFailure()) {
      break;
    }
  }
  sb.as_user("rm -f edc.txt");
}

TEST(Edit, AnUnchangedFileIsNotUploaded) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'keep\\n' > ed2.txt && touch -d @1500000000 ed2.txt");
  const auto before = sb.as_user("stat -c '%i %Y' ed2.txt").out;
  const auto ed = editor(tools, "look.sh", "cat \"$1\" >/dev/null");
  auto r = sb.ec2dl({"--json", "edit", "ed2.txt"}, with_editor(ed, tmp));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["changed"], false);
  EXPECT_EQ(j["uploaded"], false);
  EXPECT_EQ(sb.as_user("stat -c '%i %Y' ed2.txt").out, before);
  EXPECT_EQ(local_sh("ls -A", tmp.path()).out, "");
}

TEST(Edit, ARemoteChangeMeanwhileIsNeverOverwritten) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'v1\\n' > ed3.txt");
  // The editor changes its copy, and meanwhile someone changes the server's.
  const auto ed = editor(tools, "race.sh",
                         "runuser -u " + sb.user() + " -- sh -c \"printf 'theirs\\\\n' > " +
                             sb.home() + "/ed3.txt\"\nprintf 'mine\\n' >> \"$1\"");
  auto r = sb.ec2dl({"edit", "~/ed3.txt"}, with_editor(ed, tmp));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "changed on the server while you were editing")) << r.err;
  EXPECT_EQ(sb.as_user("cat ed3.txt").out, "theirs\n");
  // The edited copy is kept and named.
  const auto kept = local_sh("find . -type f", tmp.path()).out;
  ASSERT_FALSE(kept.empty());
  EXPECT_TRUE(contains(r.err, tmp.path())) << r.err;
  EXPECT_EQ(local_sh("cat \"$(find . -type f)\"", tmp.path()).out, "v1\nmine\n");
  EXPECT_EQ(local_sh("stat -c %a \"$(find . -type f)\"", tmp.path()).out, "600\n");

  // --force overwrites.
  LocalDir tmp2;
  auto forced = sb.ec2dl({"edit", "--force", "~/ed3.txt"}, with_editor(ed, tmp2));
  EXPECT_EQ(forced.status, 0) << forced.err;
  EXPECT_EQ(sb.as_user("cat ed3.txt").out, "theirs\nmine\n");
}

TEST(Edit, AMissingFileIsCreatedOnlyIfSomethingWasWritten) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("rm -rf newdir");
  const auto nothing = editor(tools, "nothing.sh", "true");
  auto r = sb.ec2dl({"edit", "~/newdir/new.txt"}, with_editor(nothing, tmp));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("test -e newdir || echo absent").out, "absent\n");
  const auto write = editor(tools, "write.sh", "printf 'fresh\\n' > \"$1\"");
  auto w = sb.ec2dl({"edit", "~/newdir/new.txt"}, with_editor(write, tmp));
  ASSERT_EQ(w.status, 0) << w.err;
  EXPECT_TRUE(contains(w.err, "created")) << w.err;
  EXPECT_EQ(sb.as_user("cat newdir/new.txt").out, "fresh\n");
  sb.as_user("rm -rf newdir");
}

TEST(Edit, AFailingEditorUploadsNothing) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'safe\\n' > ed4.txt");
  const auto quit = editor(tools, "quit.sh", "exit 3");
  auto r = sb.ec2dl({"edit", "~/ed4.txt"}, with_editor(quit, tmp));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "exited with status 3")) << r.err;
  EXPECT_EQ(local_sh("ls -A", tmp.path()).out, "");
  const auto crash = editor(tools, "crash.sh", "printf 'half\\n' >> \"$1\"; exit 1");
  auto c = sb.ec2dl({"edit", "~/ed4.txt"}, with_editor(crash, tmp));
  EXPECT_EQ(c.status, 1);
  EXPECT_TRUE(contains(c.err, "kept at")) << c.err;  // the user's work is not thrown away
  EXPECT_EQ(sb.as_user("cat ed4.txt").out, "safe\n");
}

TEST(Edit, VisualWinsOverEditor) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'v\\n' > ed6.txt");
  const auto visual = editor(tools, "visual.sh", "printf 'visual\\n' >> \"$1\"");
  const auto plain = editor(tools, "editor.sh", "printf 'editor\\n' >> \"$1\"");
  RunOptions options = with_editor(plain, tmp);
  options.unset.clear();
  options.env["VISUAL"] = visual;
  auto r = sb.ec2dl({"edit", "~/ed6.txt"}, options);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("cat ed6.txt").out, "v\nvisual\n");
  // An empty VISUAL does not count.
  options.env["VISUAL"] = "";
  auto e = sb.ec2dl({"edit", "~/ed6.txt"}, options);
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(sb.as_user("cat ed6.txt; rm ed6.txt").out, "v\nvisual\neditor\n");
}

// ec2dl edit in the background with an editor that writes `before` into its copy, says it
// started (the file `started` in `tools`) and waits; then SIGTERM to ec2dl alone.
ProcessResult edit_then_sigterm(const LocalDir& tools, const LocalDir& tmp,
                                const std::string& before) {
  const auto started = tools / "started";
  const auto ed =
      editor(tools, "wait.sh",
             before + "\necho \"$1\" > " + remote::shell_quote(started) + "\nexec sleep 60");
  BackgroundProcess edit({EC2DL_BINARY, "edit", "~/ed7.txt"},
                         sandbox().ec2dl_env(with_editor(ed, tmp)));
  EXPECT_TRUE(eventually([&] { return !read_text(started).empty(); }));
  ::kill(edit.pid(), SIGTERM);
  ProcessResult r;
  const auto status = edit.wait(60);
  EXPECT_TRUE(status.has_value()) << "ec2dl did not end after SIGTERM";
  r.status = status.value_or(-1);
  r.err = edit.err();
  local_sh("rm -f " + remote::shell_quote(started));
  return r;
}

TEST(Edit, SigtermWhileTheEditorRunsEndsBothAndRemovesAnUnchangedCopy) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'v\\n' > ed7.txt");
  const auto r = edit_then_sigterm(tools, tmp, "");
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_TRUE(contains(r.err, "interrupted")) << r.err;
  EXPECT_EQ(local_sh("ls -A", tmp.path()).out, "");  // the private copy is gone
  EXPECT_EQ(sb.as_user("cat ed7.txt; ls -A | grep -c ec2dl-part || true").out, "v\n0\n");
  // An edit made before the signal is the user's work: kept and named, not uploaded.
  const auto kept = edit_then_sigterm(tools, tmp, "printf 'mine\\n' >> \"$1\"");
  EXPECT_EQ(kept.status, 130) << kept.err;
  EXPECT_TRUE(contains(kept.err, "kept at " + tmp.path())) << kept.err;
  EXPECT_EQ(local_sh("cat \"$(find . -type f)\"", tmp.path()).out, "v\nmine\n");
  EXPECT_EQ(sb.as_user("cat ed7.txt; rm ed7.txt").out, "v\n");
}

TEST(Edit, APathTheLocalShellExpandedGetsAHint) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  // What `ec2dl edit ~/notes.txt` becomes: a path under this machine's home, which the test
  // user on the server cannot create.
  const auto write = editor(tools, "write.sh", "printf 'x\\n' > \"$1\"");
  auto r = sb.ec2dl({"edit", sb.client_home() + "/notes.txt"}, with_editor(write, tmp));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "your shell turned ~ into your local home folder")) << r.err;
  EXPECT_TRUE(contains(r.err, "'~/...'")) << r.err;
  // A server path elsewhere gets no such hint.
  auto other = sb.ec2dl({"edit", "/proc/no-such-dir/notes.txt"}, with_editor(write, tmp));
  EXPECT_EQ(other.status, 1);
  EXPECT_FALSE(contains(other.err, "your shell turned ~")) << other.err;
}

TEST(Edit, ASymlinkIsFollowedAndStaysALink) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("mkdir -p cfg && printf 'a\\n' > cfg/real.yaml && ln -sf cfg/real.yaml link.yaml");
  const auto ed = editor(tools, "append.sh", "printf 'b\\n' >> \"$1\"");
  auto r = sb.ec2dl({"edit", "~/link.yaml"}, with_editor(ed, tmp));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("readlink link.yaml; cat cfg/real.yaml").out, "cfg/real.yaml\na\nb\n");
  sb.as_user("rm -rf cfg link.yaml");
}

TEST(Edit, HostileNamesAndBadTargets) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  const std::string name = "it's $(touch pwned) \"x\"";
  sb.as_user("printf 'q\\n' > " + remote::shell_quote(name));
  const auto ed = editor(tools, "append.sh", "printf 'r\\n' >> \"$1\"");
  auto r = sb.ec2dl({"edit", "~/" + name}, with_editor(ed, tmp));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("cat " + remote::shell_quote(name) + "; test -e pwned || echo clean").out,
            "q\nr\nclean\n");
  sb.as_user("mkdir -p adir");
  auto dir = sb.ec2dl({"edit", "~/adir"}, with_editor(ed, tmp));
  EXPECT_EQ(dir.status, 1);
  EXPECT_TRUE(contains(dir.err, "not a regular file")) << dir.err;
  EXPECT_EQ(local_sh("ls -A", tmp.path()).out, "");
  auto usage = sb.ec2dl({"edit", "--remote", "--force", "x"});
  EXPECT_EQ(usage.status, 2);
  auto no_tty = sb.ec2dl({"edit", "--remote", "x"});
  EXPECT_EQ(no_tty.status, 2);
  EXPECT_TRUE(contains(no_tty.err, "needs a terminal")) << no_tty.err;
}

TEST(Edit, RemoteModeRunsTheServersEditorInATerminal) {
  auto& sb = sandbox();
  // bash sources ~/.bashrc for commands run by sshd: the server's $EDITOR comes from there.
  sb.as_user(
      "printf '#!/bin/sh\\nprintf \"remote edit\\\\n\" >> \"$1\"\\n' > ed.sh && "
      "chmod 755 ed.sh && echo \"export EDITOR=$HOME/ed.sh\" > .bashrc && echo x > rf.txt",
      true);
  const auto env = sb.ec2dl_env();
  std::string command;
  for (const auto& [k, v] : env.env) {
    command += k + "=" + remote::shell_quote(v) + " ";
  }
  command += remote::shell_quote(EC2DL_BINARY) + " -H sandbox-bash edit --remote '~/rf.txt'";
  RunOptions options = env;
  auto r = run_process({"script", "-qec", "env " + command, "/dev/null"}, options);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(sb.as_user("cat rf.txt", true).out, "x\nremote edit\n");
  sb.as_user("rm -f .bashrc ed.sh rf.txt", true);
}

// The conflict's hint names commands that work when pasted: the path quoted (an unquoted
// ~/ would be expanded here), the server options repeated.
TEST(Edit, TheConflictHintsCommandsWorkWhenPasted) {
  auto& sb = sandbox();
  LocalDir tools;
  LocalDir tmp;
  sb.as_user("printf 'v1\\n' > ed9.txt");
  const auto ed = editor(tools, "race9.sh",
                         "runuser -u " + sb.user() + " -- sh -c \"printf 'theirs\\\\n' > " +
                             sb.home() + "/ed9.txt\"\nprintf 'mine\\n' >> \"$1\"");
  auto options = with_editor(ed, tmp);
  options.unset.push_back("EC2DL_HOST");
  auto r = sb.ec2dl({"-H", "sandbox", "edit", "~/ed9.txt"}, options);
  ASSERT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "ec2dl -H sandbox edit --force '~/ed9.txt'")) << r.err;
  const std::string lead = "  or  ";
  const auto at = r.err.find(lead);
  ASSERT_NE(at, std::string::npos) << r.err;
  const auto push = r.err.substr(at + lead.size(), r.err.find('\n', at) - at - lead.size());
  const std::string bin = EC2DL_BINARY;
  auto env = sb.ec2dl_env(options);
  env.env["PATH"] = bin.substr(0, bin.rfind('/')) + ":/usr/bin:/bin";
  const auto pasted = run_process({"/bin/sh", "-c", push}, env);
  EXPECT_EQ(pasted.status, 0) << push << "\n" << pasted.err;
  EXPECT_EQ(sb.as_user("cat ed9.txt").out, "v1\nmine\n");
}

// Without VISUAL or EDITOR, edit would start vi: with no terminal it refuses, as login does,
// before connecting.
TEST(Edit, ViWithoutATerminalIsRefused) {
  LocalDir tmp;
  RunOptions options;
  options.env["TMPDIR"] = tmp.path();
  const auto r = sandbox().ec2dl({"edit", "~/ed10.txt"}, options);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "edit needs a terminal")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count(r.err, "\n"), 2u) << r.err;
  EXPECT_EQ(local_sh("ls -A", tmp.path()).out, "");
}

}  // namespace
}  // namespace ec2dl::test
