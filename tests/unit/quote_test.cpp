#include "ec2dl/remote/quote.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"

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

TEST(ShellCommand, WhatOtherLoginShellsWouldMisreadTravelsEncoded) {
  // A newline (csh), a backslash (fish) or '!' (csh) anywhere: base64 in the environment,
  // decoded by /bin/sh, under the same name.
  for (const auto& [script, arg] :
       std::vector<std::pair<std::string, std::string>>{{"echo a\necho b", "x"},
                                                        {"printf '%s\\n' \"$1\"", "x"},
                                                        {"echo \"$1\"", "hi!"},
                                                        {"echo \"$1\"", "caf\xc3\xa9"}}) {
    const auto line = sh_command(script, {arg}, "ec2dl-t");
    EXPECT_EQ(line.rfind("exec env EC2DL_SH=", 0), 0u) << line;
    EXPECT_TRUE(line.ends_with("| base64 -d) && unset EC2DL_SH && eval \"$s\"' ec2dl-t")) << line;
    const auto encoded = line.substr(18, line.find(' ', 18) - 18);
    EXPECT_EQ(encoded.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
              std::string::npos);
  }
}

TEST(ShellCommand, Base64MatchesTheStandardEncoding) {
  // Through the real base64 on the encoded form: the decoded text is the plain command.
  for (const std::string tail : {"", "a", "ab", "abc", "\n\xff\x01!"}) {
    const std::string script = "echo \"$1\"\n" + tail;
    const auto line = sh_command(script, {}, "n");
    const auto encoded = line.substr(18, line.find(' ', 18) - 18);
    const auto decoded = test::run_process({"base64", "-d"}, {.input = encoded});
    EXPECT_EQ(decoded.status, 0);
    EXPECT_EQ(decoded.out, "exec /bin/sh -c " + shell_quote(script) + " n");
  }
}

}  // namespace
}  // namespace ec2dl::remote
