// The pure parts of transfers: the manifest format of xfer_manifest.sh, request escaping and
// sha256sum parsing.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ec2dl/remote/manifest.hpp"

namespace ec2dl::remote {
namespace {

using namespace std::string_view_literals;

// Captured from `xfer_manifest.sh 0 1 '~/.ec2dl' '' 0` run under dash on a real tree (with
// the requests "r0:src" and "g1:src/*.none"), home folder renamed to /home/u.
constexpr std::string_view k_captured =
    "J\0"
    "0\0"
    "H\0"
    "/home/u\0"
    "R\0"
    "0\0"
    "/home/u/src\0"
    "E\0"
    "d\0"
    "4096\0"
    "1700000000.0000000000\0"
    "755\0"
    "\0"
    "\0"
    "E\0"
    "f\0"
    "1\0"
    "1700000000.0000000000\0"
    "644\0"
    "bad\xff"
    "byte\0"
    "\0"
    "E\0"
    "d\0"
    "4096\0"
    "1700000000.0000000000\0"
    "755\0"
    "empty\0"
    "\0"
    "E\0"
    "f\0"
    "0\0"
    "1700000000.0000000000\0"
    "644\0"
    "sp ace\0"
    "\0"
    "E\0"
    "d\0"
    "4096\0"
    "1700000000.0000000000\0"
    "751\0"
    "sub\0"
    "\0"
    "E\0"
    "f\0"
    "1\0"
    "1700000000.0000000000\0"
    "644\0"
    "sub/f\0"
    "\0"
    "E\0"
    "l\0"
    "12\0"
    "1700000000.0000000000\0"
    "777\0"
    "sub/link\0"
    "../plain.txt\0"
    "E\0"
    "f\0"
    "1\0"
    "1700000000.0000000000\0"
    "644\0"
    "new\x0a"
    "line\0"
    "\0"
    "E\0"
    "f\0"
    "16\0"
    "1700000000.0000000000\0"
    "644\0"
    ".ec2dlignore\0"
    "\0"
    "E\0"
    "f\0"
    "6\0"
    "1700000000.0000000000\0"
    "600\0"
    "plain.txt\0"
    "\0"
    "I\0"
    ".ec2dlignore\0"
    "*.log\x0a"
    "!keep.log\x0a"
    "\0"
    "N\0"
    "1\0"
    "src/*.none\0"sv;

TEST(Manifest, ParsesACapturedListing) {
  auto m = parse_manifest(k_captured);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_FALSE(m->job_used);
  EXPECT_EQ(m->home, "/home/u");
  ASSERT_EQ(m->roots.size(), 1u);
  const auto& root = m->roots[0];
  EXPECT_EQ(root.request, 0u);
  EXPECT_EQ(root.path, "/home/u/src");
  EXPECT_TRUE(root.complete);
  ASSERT_EQ(root.entries.size(), 10u);
  EXPECT_EQ(root.entries[0].rel, "");
  EXPECT_EQ(root.entries[0].info.type, FileType::dir);
  EXPECT_EQ(root.entries[0].info.mode, 0755u);
  EXPECT_EQ(root.entries[1].rel,
            "bad\xff"
            "byte");
  EXPECT_EQ(root.entries[1].info.size, 1u);
  EXPECT_EQ(root.entries[1].info.mtime, 1700000000);
  EXPECT_EQ(root.entries[4].info.mode, 0751u);
  EXPECT_EQ(root.entries[6].rel, "sub/link");
  EXPECT_EQ(root.entries[6].info.type, FileType::symlink);
  EXPECT_EQ(root.entries[6].info.link, "../plain.txt");
  EXPECT_EQ(root.entries[7].rel, "new\nline");
  EXPECT_EQ(root.entries[9].info.mode, 0600u);
  ASSERT_EQ(root.ignore_files.size(), 1u);
  EXPECT_EQ(root.ignore_files[0].first, ".ec2dlignore");
  EXPECT_EQ(root.ignore_files[0].second, "*.log\n!keep.log\n");
  ASSERT_EQ(m->unmatched.size(), 1u);
  EXPECT_EQ(m->unmatched[0].first, 1u);
  EXPECT_EQ(m->unmatched[0].second, "src/*.none");
}

TEST(Manifest, JobWorkdirAndIncompleteRoots) {
  auto m = parse_manifest(
      "J\0"
      "1\0"
      "W\0"
      "/srv/run\0"
      "R\0"
      "2\0"
      "/srv/run/out\0"
      "E\0"
      "d\0"
      "4096\0"
      "1.5\0"
      "700\0"
      "\0"
      "\0"
      "F\0"
      "2\0"sv);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_TRUE(m->job_used);
  EXPECT_EQ(m->workdir, "/srv/run");
  ASSERT_EQ(m->roots.size(), 1u);
  EXPECT_FALSE(m->roots[0].complete);
  EXPECT_EQ(m->roots[0].entries[0].info.mtime, 1);
}

TEST(Manifest, NegativeFractionalTimesRoundDown) {
  auto m = parse_manifest(
      "J\0"
      "0\0"
      "R\0"
      "0\0"
      "/a\0"
      "E\0"
      "f\0"
      "0\0"
      "-4.5000000000\0"
      "644\0"
      "\0"
      "\0"sv);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->roots[0].entries[0].info.mtime, -5);
}

TEST(Manifest, MalformedListingsAreErrors) {
  EXPECT_FALSE(parse_manifest("J\0"
                              "0"sv)
                   .has_value());                     // unterminated
  EXPECT_FALSE(parse_manifest("Q\0"sv).has_value());  // unknown record
  // An entry before any root.
  EXPECT_FALSE(parse_manifest("E\0"
                              "f\0"
                              "0\0"
                              "1\0"
                              "644\0"
                              "x\0"
                              "\0"sv)
                   .has_value());
  // A size that is not a number.
  EXPECT_FALSE(parse_manifest("R\0"
                              "0\0"
                              "/a\0"
                              "E\0"
                              "f\0"
                              "x\0"
                              "1\0"
                              "644\0"
                              "\0"
                              "\0"sv)
                   .has_value());
  // A mode that is not octal.
  EXPECT_FALSE(parse_manifest("R\0"
                              "0\0"
                              "/a\0"
                              "E\0"
                              "f\0"
                              "1\0"
                              "1\0"
                              "9\0"
                              "\0"
                              "\0"sv)
                   .has_value());
}

TEST(Manifest, FindTypeLetters) {
  EXPECT_EQ(file_type_from_find('f'), FileType::file);
  EXPECT_EQ(file_type_from_find('d'), FileType::dir);
  EXPECT_EQ(file_type_from_find('l'), FileType::symlink);
  EXPECT_EQ(file_type_from_find('N'), FileType::symlink);
  EXPECT_EQ(file_type_from_find('p'), FileType::other);
  EXPECT_EQ(file_type_from_find('L'), FileType::other);
}

TEST(ManifestRequest, EscapesEverythingReadCouldMangle) {
  EXPECT_EQ(manifest_request(RequestKind::tree, 3, "a b/c"), "r3:a b/c\n");
  const std::string hostile = "new\nline\\back\xff$(x)'\"\t";
  const auto line = manifest_request(RequestKind::glob, 0, hostile);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.find('\t'), std::string::npos);
  EXPECT_EQ(line.find('\xff'), std::string::npos);
  EXPECT_EQ(line.substr(0, 3), "g0:");
  EXPECT_EQ(unescape_line(line.substr(3, line.size() - 4)), hostile);
  EXPECT_EQ(escape_line("\\"), "\\0134");
}

TEST(ManifestRequest, UnescapeLeavesOtherBackslashesAlone) {
  EXPECT_EQ(unescape_line("a\\0101b"), "aAb");
  EXPECT_EQ(unescape_line("a\\x"), "a\\x");
  EXPECT_EQ(unescape_line("tail\\01"), "tail\\01");
}

TEST(Sha256Sum, ParsesPlainAndEscapedNames) {
  const std::string h(64, 'a');
  const std::string g(64, 'b');
  // sha256sum escapes a name holding a backslash or a newline, and marks the line with "\".
  const std::string out = h + "  ./plain name\n\\" + g + "  ./new\\nline\\\\x\n" +
                          "sha256sum: ./gone: No such file or directory\n";
  const auto parsed = parse_sha256sum(out);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].first, "./plain name");
  EXPECT_EQ(parsed[0].second, h);
  EXPECT_EQ(parsed[1].first, "./new\nline\\x");
  EXPECT_EQ(parsed[1].second, g);
}

}  // namespace
}  // namespace ec2dl::remote
