#include "ec2dl/remote/quote.hpp"

#include <gtest/gtest.h>

namespace ec2dl::remote {
namespace {

TEST(ShellQuote, SafeWordsStayAsTheyAre) {
  EXPECT_EQ(shell_quote("train.py"), "train.py");
  EXPECT_EQ(shell_quote("/home/ec2-user/a_b-c,1:2+x@y%z"), "/home/ec2-user/a_b-c,1:2+x@y%z");
}

TEST(ShellQuote, EverythingElseIsSingleQuoted) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("my dir"), "'my dir'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(id)"), "'$(id)'");
  EXPECT_EQ(shell_quote("a\nb"), "'a\nb'");
  EXPECT_EQ(shell_quote("~"), "'~'");
  EXPECT_EQ(shell_quote("A=1"), "'A=1'");  // never an assignment as a first word
  EXPECT_EQ(shell_quote("*"), "'*'");
}

TEST(ShellQuote, PathsKeepTheirTilde) {
  EXPECT_EQ(shell_quote_path("~"), "~");
  EXPECT_EQ(shell_quote_path("~/"), "~/");
  EXPECT_EQ(shell_quote_path("~/my dir/x"), "~/'my dir/x'");
  EXPECT_EQ(shell_quote_path("/tmp/a b"), "'/tmp/a b'");
  EXPECT_EQ(shell_quote_path("~user/x"), "'~user/x'");
}

TEST(ShellCommand, RunsUnderBinShWithArguments) {
  EXPECT_EQ(sh_command("echo \"$1\"", {"a b"}), "exec /bin/sh -c 'echo \"$1\"' ec2dl 'a b'");
  EXPECT_EQ(shell_join({"ls", "-la", "my dir"}), "ls -la 'my dir'");
}

}  // namespace
}  // namespace ec2dl::remote
