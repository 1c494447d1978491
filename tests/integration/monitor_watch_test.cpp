// --watch of gpu and top: redrawn in place on a terminal and left cleanly with q, Ctrl-C or
// SIGTERM; frames with timestamps (or JSON lines) when piped.
#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "monitor_support.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

constexpr const char* k_enter_alt = "\x1b[?1049h";
constexpr const char* k_leave_alt = "\x1b[?1049l";
constexpr const char* k_home = "\x1b[H";
constexpr const char* k_h100 = "NVIDIA H100 80GB HBM3";
constexpr const char* k_busiest = "BUSIEST (CPU)";

void expect_clean_watch(const PtyRun& r, const std::string& content,
                        const std::string& status = "0\n") {
  EXPECT_EQ(r.status, status) << r.screen.substr(0, 3000);
  // At least two frames, each drawn from the top of the alternate screen.
  EXPECT_GE(count(r.screen, k_home), 2u) << r.screen.substr(0, 3000);
  EXPECT_GE(count(r.screen, content), 2u) << r.screen.substr(0, 3000);
  const auto enter = r.screen.find(k_enter_alt);
  const auto leave = r.screen.rfind(k_leave_alt);
  ASSERT_NE(enter, std::string::npos);
  ASSERT_NE(leave, std::string::npos);
  EXPECT_LT(enter, r.screen.find(k_home));
  EXPECT_GT(leave, r.screen.rfind(k_home));  // the normal screen is back after the last frame
  EXPECT_NE(r.screen.find("\x1b[?25h", leave - 6), std::string::npos);  // cursor shown again
  // Nothing scrolls: no frame line ends with a bare newline at the bottom of the screen.
  EXPECT_NE(r.screen.find("\x1b[J"), std::string::npos);
  EXPECT_FALSE(r.before.empty());
  EXPECT_EQ(r.before, r.after);  // the terminal modes are restored
}

TEST(Watch, GpuOnATerminalQuitsWithQ) {
  sandbox().set_gpu_state("4x-h100", false);
  const auto r = run_in_pty({"gpu", "--watch", "0.5"}, "q", {});
  expect_clean_watch(r, k_h100);
  EXPECT_NE(r.screen.find("ec2dl gpu - "), std::string::npos);
  EXPECT_NE(r.screen.find("every 0.5s"), std::string::npos);
  EXPECT_NE(r.screen.find("UTIL 5m"), std::string::npos);  // the sparkline columns
  EXPECT_NE(r.screen.find("\u2588"), std::string::npos);   // GPU 2 is busy
  EXPECT_NE(r.screen.find("\x1b[3"), std::string::npos);   // colours on a terminal
}

TEST(Watch, GpuOnATerminalQuitsWithCtrlC) {
  const auto r = run_in_pty({"gpu", "--watch", "0.5"}, "\x03", {});
  expect_clean_watch(r, k_h100);
}

TEST(Watch, NoColourWhenAskedNot) {
  const auto r = run_in_pty({"--no-color", "gpu", "--watch", "0.5"}, "q", {});
  EXPECT_EQ(r.status, "0\n");
  EXPECT_EQ(r.screen.find("\x1b[3"), std::string::npos);
  EXPECT_EQ(r.screen.find("\x1b[1m"), std::string::npos);
}

TEST(Watch, NoColourWithNoColorSet) {
  sandbox().set_gpu_state("4x-h100", false);
  for (const std::string command : {"gpu", "top"}) {
    SCOPED_TRACE(command);
    const auto plain = run_in_pty({command, "--watch", "0.5"}, "q", {}, 0, "env NO_COLOR=1");
    EXPECT_EQ(plain.status, "0\n");
    EXPECT_NE(plain.screen.find("ec2dl " + command + " - "), std::string::npos) << plain.screen;
    EXPECT_EQ(plain.screen.find("\x1b[3"), std::string::npos);
    EXPECT_EQ(plain.screen.find("\x1b[1m"), std::string::npos);
  }
  // An empty NO_COLOR does not count: the same screen is coloured.
  const auto coloured = run_in_pty({"gpu", "--watch", "0.5"}, "q", {}, 0, "env NO_COLOR=");
  EXPECT_EQ(coloured.status, "0\n");
  EXPECT_NE(coloured.screen.find("\x1b[3"), std::string::npos);
}

TEST(Watch, EveryFrameComesOverOneConnection) {
  auto& sb = sandbox();
  sb.set_gpu_state("4x-h100", false);
  for (const std::string command : {"gpu", "top"}) {
    SCOPED_TRACE(command);
    const auto logins_before = count(sb.sshd_log(), "Accepted publickey");
    // awk passes on the first five frames, then leaves: the watch ends at its next write.
    const auto r =
        run_process({"/bin/sh", "-c",
                     remote::shell_quote(EC2DL_BINARY) + " " + command +
                         " --watch 0.1 | awk '/^--- / { n++ } n > 5 { exit } { print }'"},
                    sb.ec2dl_env(RunOptions{.timeout_s = 60}));
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(count(r.out, " ec2dl " + command + " - "), 5u) << r.out.substr(0, 2000) << r.err;
    EXPECT_EQ(count(sb.sshd_log(), "Accepted publickey"), logins_before + 1) << sb.sshd_log();
  }
}

TEST(Watch, TopOnATerminal) {
  const auto r = run_in_pty({"top", "--watch", "1"}, "q", {});
  expect_clean_watch(r, k_busiest);
  EXPECT_NE(r.screen.find("ec2dl top - "), std::string::npos);
}

TEST(Watch, QQuitsEvenWhenEveryFrameTakesLongerThanTheInterval) {
  // A top frame samples the CPU for half a second: with --watch 0.1 every frame is late.
  const auto r = run_in_pty({"top", "--watch", "0.1"}, "q", {});
  expect_clean_watch(r, k_busiest);
}

TEST(Watch, PsOnATerminal) {
  const auto job = run_job({"--name", "watched", "--", "sleep", "60"});
  const auto r = run_in_pty({"ps", "--watch", "0.5"}, "q", {});
  stop_job(job);
  expect_clean_watch(r, "watched");
  EXPECT_NE(r.screen.find("ec2dl ps - "), std::string::npos);
}

// q and Ctrl-C are a watch's normal ways out (0); SIGTERM and SIGHUP interrupt it (130).
TEST(Watch, SigtermRestoresTheTerminalAndExits130) {
  const auto r = run_in_pty({"gpu", "--watch", "0.5"}, "", {}, SIGTERM);
  expect_clean_watch(r, k_h100, "130\n");
}

TEST(Watch, SighupRestoresTheTerminalAndExits130) {
  const auto r = run_in_pty({"top", "--watch", "1"}, "", {}, SIGHUP);
  expect_clean_watch(r, k_busiest, "130\n");
}

// Runs a piped watch until `enough` holds for its output, then interrupts it (Ctrl-C in a
// pipeline); the output and the status it ended with.
ProcessResult interrupt_when(const std::vector<std::string>& args,
                             const std::function<bool(const std::string&)>& enough,
                             int sig = SIGINT) {
  std::vector<std::string> argv = {EC2DL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  BackgroundProcess watch(argv, sandbox().ec2dl_env());
  EXPECT_TRUE(eventually([&] { return enough(watch.out()); })) << watch.out() << watch.err();
  watch.signal(sig);
  ProcessResult r;
  r.status = watch.wait(60).value_or(-1);
  r.out = watch.out();
  r.err = watch.err();
  return r;
}

TEST(Watch, PipedFramesHaveTimestamps) {
  for (const std::string command : {"gpu", "top", "ps"}) {
    SCOPED_TRACE(command);
    const auto r = interrupt_when({command, "--watch", "1"}, [](const std::string& out) {
      return count(out, "\n\n--- ") >= 1;
    });
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("--- "), 0u) << r.out.substr(0, 500);
    EXPECT_GE(count(r.out, "\n\n--- "), 1u) << r.out.substr(0, 2000);
    EXPECT_EQ(r.out.find("\x1b"), std::string::npos);  // no escape sequences in a log
    EXPECT_NE(r.out.find(" ec2dl " + command + " - "), std::string::npos);
  }
}

TEST(Watch, SigtermAndSighupEndEveryWatchWithStatus130) {
  for (const std::string command : {"gpu", "top", "ps"}) {
    for (const int sig : {SIGTERM, SIGHUP}) {
      SCOPED_TRACE(command + " signal " + std::to_string(sig));
      const auto r = interrupt_when(
          {command, "--watch", "0.5"},
          [](const std::string& out) { return count(out, "--- ") >= 1; }, sig);
      EXPECT_EQ(r.status, 130) << r.err;
    }
  }
}

TEST(Watch, JsonLinesWhenPiped) {
  const auto r = interrupt_when({"gpu", "--json", "--watch", "0.5"},
                                [](const std::string& out) { return count(out, "\n") >= 2; });
  EXPECT_EQ(r.status, 0) << r.err;
  std::size_t lines = 0;
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    const auto end = r.out.find('\n', pos);
    ASSERT_NE(end, std::string::npos);
    const auto j = parse_json(r.out.substr(pos, end - pos));
    EXPECT_EQ(j["gpus"].size(), 4u);
    ++lines;
    pos = end + 1;
  }
  EXPECT_GE(lines, 2u);
}

TEST(Watch, AReaderThatGoesAwayEndsTheWatch) {
  // head leaves after three lines; the watch's next write fails and it ends with status 0.
  const auto r = run_process({"/bin/sh", "-c",
                              "{ " + remote::shell_quote(EC2DL_BINARY) +
                                  " gpu --watch 0.2; echo \"status $?\" >&2; } | head -n 3"},
                             sandbox().ec2dl_env(RunOptions{.timeout_s = 30}));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("status 0\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("--- "), 0u);
}

TEST(Watch, AServerWithoutGpusEndsTheWatchAtOnce) {
  sandbox().set_gpu_state("no-driver");
  const auto r = sandbox().ec2dl({"gpu", "--watch", "0.5"}, {.timeout_s = 20});
  sandbox().set_gpu_state("4x-h100", false);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("nvidia-smi failed (status 9)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ec2dl::test
