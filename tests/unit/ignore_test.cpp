// .ec2dlignore and --exclude rules: gitignore semantics.
#include <gtest/gtest.h>

#include "ec2dl/remote/ignore.hpp"

namespace ec2dl::remote {
namespace {

TEST(GlobMatch, StarAndQuestionStayWithinOneName) {
  EXPECT_TRUE(glob_match("*.py", "train.py"));
  EXPECT_FALSE(glob_match("*.py", "src/train.py"));
  EXPECT_TRUE(glob_match("data?.csv", "data1.csv"));
  EXPECT_FALSE(glob_match("a?b", "a/b"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("a*", "b"));
}

TEST(GlobMatch, DoubleStarCrossesFolders) {
  EXPECT_TRUE(glob_match("**/cache", "cache"));
  EXPECT_TRUE(glob_match("**/cache", "a/b/cache"));
  EXPECT_TRUE(glob_match("logs/**", "logs/a/b.txt"));
  EXPECT_FALSE(glob_match("logs/**", "logs"));
  EXPECT_TRUE(glob_match("a/**/b", "a/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(glob_match("a/**/b", "a/x/y/c"));
}

TEST(GlobMatch, ClassesAndEscapes) {
  EXPECT_TRUE(glob_match("[abc].txt", "b.txt"));
  EXPECT_FALSE(glob_match("[abc].txt", "d.txt"));
  EXPECT_TRUE(glob_match("[!abc].txt", "d.txt"));
  EXPECT_TRUE(glob_match("run[0-9]", "run7"));
  EXPECT_FALSE(glob_match("run[0-9]", "runx"));
  EXPECT_TRUE(glob_match("\\*literal", "*literal"));
  EXPECT_FALSE(glob_match("\\*literal", "xliteral"));
  EXPECT_TRUE(glob_match("[unclosed", "[unclosed"));
}

TEST(IgnoreRules, NamesMatchAtAnyDepthAnchoredPatternsDoNot) {
  IgnoreRules rules;
  rules.add_file("", "*.ckpt\n/data\nbuild/\n# a comment\n\n");
  EXPECT_TRUE(rules.excluded("model.ckpt", false));
  EXPECT_TRUE(rules.excluded("runs/1/model.ckpt", false));
  EXPECT_TRUE(rules.excluded("data", true));
  EXPECT_TRUE(rules.excluded("data/x.csv", false));  // under an excluded folder
  EXPECT_FALSE(rules.excluded("src/data", true));    // anchored to the top
  EXPECT_TRUE(rules.excluded("src/build", true));
  EXPECT_FALSE(rules.excluded("src/build", false));  // "build/" is for folders only
  EXPECT_FALSE(rules.excluded("# a comment", false));
  EXPECT_FALSE(rules.excluded("train.py", false));
}

TEST(IgnoreRules, NegationAndLastMatchWins) {
  IgnoreRules rules;
  rules.add_file("", "*.log\n!keep.log\n");
  EXPECT_TRUE(rules.excluded("a.log", false));
  EXPECT_FALSE(rules.excluded("keep.log", false));
  IgnoreRules again;
  again.add_file("", "!keep.log\n*.log\n");
  EXPECT_TRUE(again.excluded("keep.log", false));
}

TEST(IgnoreRules, NothingUnderAnExcludedFolderComesBack) {
  IgnoreRules rules;
  rules.add_file("", "cache/\n!cache/keep\n");
  EXPECT_TRUE(rules.excluded("cache/keep", false));
}

TEST(IgnoreRules, DeeperFilesApplyBelowTheirFolderAndWin) {
  IgnoreRules rules;
  rules.add_file("sub", "*.tmp\n!important.txt\n/local\n");
  rules.add_file("", "*.txt\n");
  EXPECT_TRUE(rules.excluded("sub/a.tmp", false));
  EXPECT_FALSE(rules.excluded("a.tmp", false));  // outside sub
  EXPECT_FALSE(rules.excluded("sub/important.txt", false));
  EXPECT_TRUE(rules.excluded("other.txt", false));
  EXPECT_TRUE(rules.excluded("sub/local", false));
  EXPECT_FALSE(rules.excluded("sub/x/local", false));
}

TEST(IgnoreRules, CommandLinePatternsBeatFiles) {
  IgnoreRules rules;
  rules.add_file("", "!*.bin\n");
  rules.add_pattern("*.bin");
  EXPECT_TRUE(rules.excluded("x.bin", false));
  EXPECT_TRUE(rules.matches("x.bin", false));
}

TEST(IgnoreRules, EscapesAndTrailingSpaces) {
  IgnoreRules rules;
  rules.add_file("", "\\#hash\n\\!bang\nspace   \ntrailing\\ \r\n");
  EXPECT_TRUE(rules.excluded("#hash", false));
  EXPECT_TRUE(rules.excluded("!bang", false));
  EXPECT_TRUE(rules.excluded("space", false));
  EXPECT_TRUE(rules.excluded("trailing ", false));
}

TEST(IgnoreRules, EmptyRulesExcludeNothing) {
  IgnoreRules rules;
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(rules.excluded("anything", false));
  rules.add_file("", "# only a comment\n");
  EXPECT_TRUE(rules.empty());
}

}  // namespace
}  // namespace ec2dl::remote
