// ec2dl exec against a real sshd: statuses, streams, stdin, hostile arguments, login shells.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

TEST(Exec, ExitStatusIsTheRemoteCommands) {
  auto& sb = sandbox();
  EXPECT_EQ(sb.ec2dl({"exec", "--", "true"}).status, 0);
  EXPECT_EQ(sb.ec2dl({"exec", "--", "false"}).status, 1);
  EXPECT_EQ(sb.ec2dl({"-H", "sandbox", "exec", "--", "sh", "-c", "exit 42"}).status, 42);
  EXPECT_EQ(sb.ec2dl({"exec", "-c", "exit 7"}).status, 7);
}

TEST(Exec, SignalDeathIs128PlusN) {
  auto& sb = sandbox();
  EXPECT_EQ(sb.ec2dl({"exec", "-c", "kill -TERM $$"}).status, 128 + 15);
  EXPECT_EQ(sb.ec2dl({"exec", "-c", "kill -KILL $$"}).status, 128 + 9);
}

TEST(Exec, StdoutAndStderrStayApart) {
  auto r = sandbox().ec2dl({"exec", "-c", "echo out; echo err >&2; echo out2"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "out\nout2\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Exec, LargeStderrBeforeStdoutDoesNotDeadlock) {
  auto r =
      sandbox().ec2dl({"exec", "-c", "head -c 3000000 /dev/zero >&2; head -c 1000000 /dev/zero"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.size(), 1000000u);
  EXPECT_EQ(r.err.size(), 3000000u);
}

TEST(Exec, HundredMegabytesThroughStdoutIntact) {
  // The remote side prints a checksum of what it sent, computed on the server.
  auto& sb = sandbox();
  auto r = sb.ec2dl({"exec", "-c",
                     "f=$(mktemp) && head -c 100000000 /dev/urandom >\"$f\" && "
                     "md5sum <\"$f\" >&2 && cat \"$f\"; rm -f \"$f\""},
                    {.timeout_s = 300});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(r.out.size(), 100000000u);
  const auto local = run_process({"md5sum"}, {.input = r.out});
  EXPECT_EQ(local.out.substr(0, 32), r.err.substr(0, 32));
}

TEST(Exec, StdinIsForwardedWhenNotATerminal) {
  auto r = sandbox().ec2dl({"exec", "--", "sh", "-c", "wc -c; cat"}, {.input = "hello\n"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "6\n");
  std::string big(5 * 1024 * 1024, 'x');
  auto r2 = sandbox().ec2dl({"exec", "--", "wc", "-c"}, {.input = big});
  EXPECT_EQ(r2.out, std::to_string(big.size()) + "\n");
}

// Peak resident memory (KiB, by GNU time) of one exec that takes `bytes` through stdin and
// sends `bytes` back through stdout, both ends streamed by local pipes.
long exec_peak_rss_kib(long bytes) {
  auto& sb = sandbox();
  const std::string stats = "/tmp/ec2dl-exec-rss-" + std::to_string(::getpid());
  const auto n = std::to_string(bytes);
  const std::string script = "head -c " + n + " /dev/zero | /usr/bin/time -f %M -o " + stats +
                             " '" + EC2DL_BINARY + "' exec -c 'wc -c; head -c " + n +
                             " /dev/zero' | wc -c";
  auto options = sb.ec2dl_env();
  options.timeout_s = 300;
  // Under AddressSanitizer freed memory is held back (quarantine, 256 MB by default) before
  // reuse, which would look like growth: keep that small so the comparison is about ec2dl.
  if (const char* asan = std::getenv("ASAN_OPTIONS"); asan != nullptr) {
    options.env["ASAN_OPTIONS"] = std::string(asan) + ":quarantine_size_mb=4";
  }
  const auto r = run_process({"sh", "-c", script}, options);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(bytes + static_cast<long>(n.size()) + 1) + "\n");
  const long kib = gnu_time_max_rss_kib(stats);
  EXPECT_GT(kib, 0) << r.err;
  return kib;
}

// Memory stays constant whatever the volume: 300 MB each way needs no more than 1 MB does.
TEST(Exec, MemoryStaysFlatForHundredsOfMegabytesEachWay) {
  const long small = exec_peak_rss_kib(1000000);
  const long big = exec_peak_rss_kib(300000000);
  ASSERT_GT(small, 0);
  ASSERT_GT(big, 0);
  EXPECT_LT(big - small, 16 * 1024)
      << "peak RSS " << small << " KiB for 1 MB, " << big << " KiB for 300 MB";
}

TEST(Exec, TarPipeThroughStdin) {
  auto& sb = sandbox();
  sb.as_user(
      "rm -rf tarsrc tardst && mkdir -p tarsrc/sub tardst && echo one > tarsrc/a && "
      "echo two > 'tarsrc/sub/b c'");
  auto tar =
      run_process({"runuser", "-u", sb.user(), "--", "tar", "c", "-C", sb.home() + "/tarsrc", "."});
  ASSERT_EQ(tar.status, 0);
  auto r = sb.ec2dl({"exec", "--", "tar", "x", "-C", "tardst"}, {.input = tar.out});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("cat tardst/a 'tardst/sub/b c'").out, "one\ntwo\n");
}

TEST(Exec, EachArgumentArrivesByteForByte) {
  const std::vector<std::string> hostile = {
      "my dir", "it's",     "\"quoted\"", "$(touch /tmp/pwned)",
      "`id`",   "a\nb",     "*",          "~",
      "$HOME",  ";exit 3",  "\\",         "-n",
      "",       "\xff\xfe", "A=1",        "tab\there",
      "!bang",  "x'\"y"};
  std::vector<std::string> args = {"exec", "--", "printf", "%s\\0"};
  args.insert(args.end(), hostile.begin(), hostile.end());
  std::string expected;
  for (const auto& h : hostile) {
    expected += h;
    expected += '\0';
  }
  for (const char* host : {"sandbox", "sandbox-bash"}) {
    std::vector<std::string> with_host = {"-H", host};
    with_host.insert(with_host.end(), args.begin(), args.end());
    auto r = sandbox().ec2dl(with_host);
    EXPECT_EQ(r.status, 0) << host << ": " << r.err;
    EXPECT_EQ(r.out, expected) << host;
  }
}

TEST(Exec, ShellStringRunsAsTyped) {
  auto r = sandbox().ec2dl({"exec", "-c", "echo a b | tr ' ' '\\n' | wc -l"});
  EXPECT_EQ(r.out, "2\n");
}

TEST(Exec, CommandsRunUnderBinShWhateverTheLoginShell) {
  for (const char* host : {"sandbox", "sandbox-bash"}) {
    // $BASH_VERSION is set only when bash runs the script; /bin/sh here is dash.
    auto r = sandbox().ec2dl({"-H", host, "exec", "-c", "echo \"[${BASH_VERSION:-}]\""});
    EXPECT_EQ(r.out, "[]\n") << host;
  }
}

// sshd hands every command to the user's login shell. With zsh, fish or tcsh as that shell,
// hostile arguments still arrive byte for byte, jobs start and report their status, and
// stdin still reaches the command.
TEST(Exec, OtherLoginShellsChangeNothing) {
  auto& sb = sandbox();
  const std::vector<std::string> hostile = {"it's", "a\nb",      "\\",    "!bang", "$(id)",
                                            "\xff", "tab\there", "x'\"y", "~",     ""};
  std::string expected;
  for (const auto& h : hostile) {
    expected += h;
    expected += '\0';
  }
  for (const char* shell : {"/usr/bin/zsh", "/usr/bin/fish", "/usr/bin/tcsh"}) {
    ASSERT_EQ(run_process({"usermod", "-s", shell, sb.user_bash()}).status, 0) << shell;
    std::vector<std::string> args = {"-H", "sandbox-bash", "exec", "--", "printf", "%s\\0"};
    args.insert(args.end(), hostile.begin(), hostile.end());
    const auto r = sb.ec2dl(args);
    EXPECT_EQ(r.status, 0) << shell << ": " << r.err;
    EXPECT_EQ(r.out, expected) << shell;
    const auto typed = sb.ec2dl({"-H", "sandbox-bash", "exec", "-c", "x=$((6*7)); echo \"[$x]\""});
    EXPECT_EQ(typed.out, "[42]\n") << shell << ": " << typed.err;
    const auto in = sb.ec2dl({"-H", "sandbox-bash", "exec", "--", "wc", "-c"}, {.input = "12345"});
    EXPECT_EQ(in.out, "5\n") << shell << ": " << in.err;
    const auto job =
        sb.ec2dl({"-H", "sandbox-bash", "run", "--wait", "--", "sh", "-c", "echo 'a\\b!'; exit 3"});
    EXPECT_EQ(job.status, 3) << shell << ": " << job.err;
    const auto ps = sb.ec2dl({"-H", "sandbox-bash", "--json", "ps"});
    EXPECT_EQ(ps.status, 0) << shell << ": " << ps.err;
  }
  ASSERT_EQ(run_process({"usermod", "-s", "/bin/bash", sb.user_bash()}).status, 0);
}

// A server whose PATH has no base64: commands that need no encoding still run; one that
// does (a newline in an argument) fails with a one-line reason instead of a shell's
// "not found", and doctor names the missing command.
TEST(Exec, AServerWithoutBase64SaysSo) {
  auto& sb = sandbox();
  TempDir dir("ec2dl-nob64", 0755);
  const auto bin = dir.path() + "/bin";
  ASSERT_EQ(::mkdir(bin.c_str(), 0755), 0);
  for (const char* tool : {"env", "sh", "cat", "printf"}) {
    const auto found = run_process({"sh", "-c", std::string("command -v ") + tool});
    ASSERT_EQ(found.status, 0) << tool;
    const auto target = found.out.substr(0, found.out.size() - 1);
    ASSERT_EQ(::symlink(target.c_str(), (bin + "/" + tool).c_str()), 0) << tool;
  }
  const auto shell = dir.path() + "/login-shell";
  write_text(shell, "#!/bin/sh\nPATH=" + bin + " exec /bin/sh \"$@\"\n");
  ASSERT_EQ(::chmod(shell.c_str(), 0755), 0);
  ASSERT_EQ(run_process({"usermod", "-s", shell, sb.user_bash()}).status, 0);

  const auto plain = sb.ec2dl({"-H", "sandbox-bash", "exec", "--", "printf", "%s", "plain"});
  EXPECT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(plain.out, "plain");
  const auto encoded = sb.ec2dl({"-H", "sandbox-bash", "exec", "--", "printf", "%s", "a\nb"});
  EXPECT_EQ(encoded.status, 127);
  EXPECT_EQ(encoded.out, "");
  EXPECT_NE(encoded.err.find("the server has no base64 command (install coreutils)"),
            std::string::npos)
      << encoded.err;
  const auto doctor = sb.ec2dl({"-H", "sandbox-bash", "doctor"});
  EXPECT_NE(doctor.status, 0);
  EXPECT_NE(doctor.out.find("could not run (exit 127): ec2dl: the server has no base64"),
            std::string::npos)
      << doctor.out << doctor.err;
  EXPECT_NE(doctor.out.find("apt-get install -y coreutils"), std::string::npos) << doctor.out;
  ASSERT_EQ(run_process({"usermod", "-s", "/bin/bash", sb.user_bash()}).status, 0);
}

TEST(Exec, NothingToRunIsAUsageError) {
  auto r = sandbox().ec2dl({"exec"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nothing to run"), std::string::npos) << r.err;
  auto both = sandbox().ec2dl({"exec", "-c", "true", "--", "true"});
  EXPECT_EQ(both.status, 2);
}

TEST(Exec, TtyGivesTheCommandATerminal) {
  auto r = sandbox().ec2dl({"exec", "-t", "--", "sh", "-c", "test -t 1 && echo tty"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("tty"), std::string::npos);
  auto plain = sandbox().ec2dl({"exec", "--", "sh", "-c", "test -t 1 || echo notty"});
  EXPECT_EQ(plain.out, "notty\n");
}

}  // namespace
}  // namespace ec2dl::test
