// The watch screen: line fitting, in-place redraw bytes, headers, and the piped frame loop.
#include "ec2dl/ui/watch.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/util/fs.hpp"

namespace ec2dl::ui {
namespace {

TEST(FitLine, ShortLinesAreKept) {
  EXPECT_EQ(fit_line("hello", 10), "hello");
  EXPECT_EQ(fit_line("hello", 5), "hello");
  EXPECT_EQ(fit_line("", 5), "");
}

TEST(FitLine, LongLinesEndInAnEllipsisWithinTheWidth) {
  EXPECT_EQ(fit_line("hello world", 5), "hell\u2026");
  EXPECT_EQ(fit_line("\u2581\u2582\u2583\u2584", 3), "\u2581\u2582\u2026");
}

TEST(FitLine, ColourSequencesAreNotCountedAndAreClosedWhenCut) {
  const std::string red = "\x1b[31mred text\x1b[0m";
  EXPECT_EQ(fit_line(red, 8), red);
  EXPECT_EQ(fit_line(red, 4), "\x1b[31mred\u2026\x1b[0m");
  EXPECT_EQ(fit_line("ab\x1b[1mcd", 10), "ab\x1b[1mcd\x1b[0m");
}

TEST(RenderScreen, RedrawsInPlaceWithoutScrolling) {
  const auto out = render_screen("one\ntwo\n", 80, 24);
  EXPECT_EQ(out, "\x1b[Hone\x1b[K\ntwo\x1b[K\x1b[J");
  // Never a newline after the last row: that would scroll the screen.
  const auto tall = render_screen("1\n2\n3\n4\n5\n", 80, 3);
  EXPECT_EQ(tall.find("\x1b[H1\x1b[K\n2\x1b[K\n\u2026 3 more lines"), 0u) << tall;
  EXPECT_EQ(tall.find("4"), std::string::npos);
  std::size_t newlines = 0;
  for (const char c : tall) {
    newlines += c == '\n' ? 1 : 0;
  }
  EXPECT_EQ(newlines, 2u);
}

TEST(RenderScreen, LinesAreCutToTheWidth) {
  const auto out = render_screen("abcdefghij\n", 4, 10);
  EXPECT_EQ(out, "\x1b[Habc\u2026\x1b[K\x1b[J");
}

TEST(WatchHeader, ShowsTitleIntervalAndErrors) {
  WatchOptions o;
  o.title = "ec2dl gpu - u@h:22";
  o.interval_s = 2;
  const auto plain = watch_header(o, 0, "", false);
  EXPECT_NE(plain.find("ec2dl gpu - u@h:22"), std::string::npos);
  EXPECT_NE(plain.find("every 2s"), std::string::npos);
  EXPECT_NE(plain.find("q: quit"), std::string::npos);
  EXPECT_EQ(plain.find("update failed"), std::string::npos);
  const auto failed = watch_header(o, 1700000000, "connection lost\n\x1b[2J", true);
  EXPECT_NE(failed.find("update failed: connection lost??[2J"), std::string::npos);
  EXPECT_NE(failed.find("\x1b[31m"), std::string::npos);
}

TEST(WatchHeader, IntervalsReadNaturally) {
  EXPECT_EQ(format_interval(2), "2s");
  EXPECT_EQ(format_interval(0.5), "0.5s");
  EXPECT_EQ(format_interval(90), "1m30s");
  EXPECT_EQ(format_interval(300), "5m");
  EXPECT_EQ(format_interval(7200), "2h");
  EXPECT_EQ(format_interval(1.25), "1.25s");
}

TEST(LogSeparator, HasTheTimeAndTitle) {
  WatchOptions o;
  o.title = "ec2dl top - u@h:22";
  EXPECT_EQ(log_separator(o, 0), "--- 1970-01-01T00:00:00Z ec2dl top - u@h:22 ---\n");
}

// Runs run_watch with stdout sent to a file; returns what it wrote.
std::string capture_stdout(const std::function<int()>& body, int* status) {
  auto file = util::TempFile::create(".out");
  EXPECT_TRUE(file.has_value());
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int fd = ::open(file->path().c_str(), O_WRONLY | O_TRUNC);
  ::dup2(fd, STDOUT_FILENO);
  ::close(fd);
  *status = body();
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  return util::read_file(file->path()).value_or("");
}

TEST(RunWatch, PipedFramesAreSeparatedByABlankLineAndATimestamp) {
  WatchOptions o;
  o.title = "T";
  o.interval_s = 0.01;
  o.fatal = [](const core::Error& e) { return e.kind() == core::ErrorKind::connect; };
  o.report = [](const core::Error&) { return 7; };
  int calls = 0;
  int status = -1;
  const auto out = capture_stdout(
      [&] {
        return run_watch(o, [&]() -> core::Result<std::string> {
          ++calls;
          if (calls == 2) {
            return core::fail(core::ErrorKind::remote, "a passing failure");
          }
          if (calls == 4) {
            return core::fail(core::ErrorKind::connect, "connection lost");
          }
          return "frame " + std::to_string(calls) + "\n";
        });
      },
      &status);
  EXPECT_EQ(status, 7);
  EXPECT_EQ(calls, 4);
  // Frames 1 and 3; the failed frame 2 went to stderr only.
  const auto first = out.find("--- ");
  ASSERT_EQ(first, 0u) << out;
  EXPECT_NE(out.find(" T ---\nframe 1\n\n--- "), std::string::npos) << out;
  EXPECT_NE(out.find(" T ---\nframe 3\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("frame 2"), std::string::npos);
}

TEST(RunWatch, SigtermEndsTheWatchWithStatus130) {
  core::install_interrupt_handlers();
  WatchOptions o;
  o.interval_s = 0.01;
  int calls = 0;
  int status = -1;
  const auto out = capture_stdout(
      [&] {
        return run_watch(o, [&]() -> core::Result<std::string> {
          if (++calls == 3) {
            ::raise(SIGTERM);
          }
          return std::string("x\n");
        });
      },
      &status);
  EXPECT_EQ(status, 130);  // interrupted from outside (q and Ctrl-C give 0)
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(core::interrupted());  // the watch consumed the signal
}

}  // namespace
}  // namespace ec2dl::ui
