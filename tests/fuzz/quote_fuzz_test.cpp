// Randomised check of shell quoting against the real shells a server's user may log in with
// (sshd hands every command to the login shell): any byte string (but NUL, which no argument
// can hold) quoted by shell_quote and wrapped by sh_command comes out unchanged under dash,
// bash, zsh, fish and tcsh.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ec2dl/remote/quote.hpp"
#include "support/process.hpp"

namespace ec2dl::remote {
namespace {

std::string random_word(std::mt19937& rng) {
  // Mostly the bytes shells care about, sometimes anything at all.
  static const std::string k_special = " \t\n'\"\\$`!*?[]{}()<>|&;#~=%^-+.,:/@\r\x7f";
  std::uniform_int_distribution<int> len_dist(0, 24);
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<int> any_byte(1, 255);
  std::uniform_int_distribution<std::size_t> special(0, k_special.size() - 1);
  std::string word;
  const int len = len_dist(rng);
  for (int i = 0; i < len; ++i) {
    switch (kind(rng)) {
      case 0:
        word += k_special[special(rng)];
        break;
      case 1:
        word += static_cast<char>(any_byte(rng));
        break;
      default:
        word += static_cast<char>('a' + (any_byte(rng) % 26));
        break;
    }
  }
  return word;
}

class QuoteFuzz : public ::testing::TestWithParam<const char*> {};

TEST_P(QuoteFuzz, RandomBytesPassThroughTheRealShellUnchanged) {
  std::mt19937 rng(20261127);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> words;
    for (int i = 0; i < 25; ++i) {
      words.push_back(random_word(rng));
    }
    std::vector<std::string> command = {"printf", "%s\\0"};
    command.insert(command.end(), words.begin(), words.end());
    // The same wrapping ec2dl sends to sshd: exec /bin/sh -c '<script>' name args...
    const std::string line = sh_command(shell_join(command));
    const auto r = test::run_process({GetParam(), "-c", line});
    std::string expected;
    for (const auto& w : words) {
      expected += w;
      expected += '\0';
    }
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(r.out, expected) << "round " << round;
  }
}

TEST_P(QuoteFuzz, ArgumentsAfterTheScriptArriveAsPositionalParameters) {
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> args;
    for (int i = 0; i < 10; ++i) {
      args.push_back(random_word(rng));
    }
    const auto r = test::run_process({GetParam(), "-c", sh_command("printf '%s\\0' \"$@\"", args)});
    std::string expected;
    for (const auto& a : args) {
      expected += a;
      expected += '\0';
    }
    ASSERT_EQ(r.out, expected) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Shells, QuoteFuzz,
                         ::testing::Values("dash", "bash", "zsh", "fish", "tcsh"));

}  // namespace
}  // namespace ec2dl::remote
