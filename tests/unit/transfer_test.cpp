// The transfer planner: where sources land, what is skipped, sent, fixed and deleted.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/transfer/tar.hpp"

namespace ec2dl::transfer {
namespace {

FileInfo file(std::uint64_t size, std::int64_t mtime = 100, std::uint32_t mode = 0644) {
  FileInfo i;
  i.type = FileType::file;
  i.size = size;
  i.mtime = mtime;
  i.mode = mode;
  return i;
}
FileInfo dir(std::uint32_t mode = 0755, std::int64_t mtime = 100) {
  FileInfo i;
  i.type = FileType::dir;
  i.mode = mode;
  i.mtime = mtime;
  return i;
}
FileInfo link(std::string target) {
  FileInfo i;
  i.type = FileType::symlink;
  i.link = std::move(target);
  i.mode = 0777;
  return i;
}

SourceRoot root(std::string path, std::vector<remote::ManifestEntry> entries,
                bool contents = false) {
  SourceRoot r;
  r.path = std::move(path);
  r.contents = contents;
  r.entries = std::move(entries);
  return r;
}

std::vector<std::string> rels(const Layout& layout) {
  std::vector<std::string> out;
  for (const auto& i : layout.items) {
    out.push_back(i.rel);
  }
  return out;
}

std::vector<std::string> steps(const Plan& plan, Action action) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    if (s.action == action) {
      out.push_back(s.rel);
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Paths, JoinBaseAndParent) {
  EXPECT_EQ(join_path("~", "a"), "~/a");
  EXPECT_EQ(join_path("~/", "a"), "~/a");
  EXPECT_EQ(join_path("/", "a"), "/a");
  EXPECT_EQ(join_path("", "a"), "a");
  EXPECT_EQ(join_path("d", ""), "d");
  EXPECT_EQ(base_name("a/b/"), "b");
  EXPECT_EQ(base_name("/abs/x.py"), "x.py");
  EXPECT_EQ(base_name("x"), "x");
  EXPECT_EQ(parent_path("a/b"), "a");
  EXPECT_EQ(parent_path("b"), "");
  EXPECT_EQ(parent_path("/b"), "/");
  EXPECT_EQ(parent_path("~/x.py"), "~");
}

TEST(Paths, TrailingSlashOrDotMeansContents) {
  EXPECT_TRUE(wants_contents("data/"));
  EXPECT_TRUE(wants_contents("."));
  EXPECT_TRUE(wants_contents("a/.."));
  EXPECT_TRUE(wants_contents("./"));
  EXPECT_FALSE(wants_contents("data"));
  EXPECT_FALSE(wants_contents(".hidden"));
}

TEST(Layout, FoldersGoUnderTheDestinationByName) {
  auto r = root("proj/data", {{"", dir()}, {"a.csv", file(3)}, {"sub", dir()}, {"sub/b", file(1)}});
  auto layout = make_layout({r}, "~/work", true, true);
  EXPECT_EQ(layout.dest_root, "~/work");
  EXPECT_FALSE(layout.renamed);
  EXPECT_EQ(rels(layout), (V{"data", "data/a.csv", "data/sub", "data/sub/b"}));
  EXPECT_EQ(layout.items[1].source, "proj/data/a.csv");
  ASSERT_EQ(layout.mirrored.size(), 1u);
  EXPECT_EQ(layout.mirrored[0].first, "data");
}

TEST(Layout, TrailingSlashCopiesContents) {
  auto r = root("data/", {{"", dir()}, {"a.csv", file(3)}}, true);
  auto layout = make_layout({r}, "~/work/", false, false);
  EXPECT_EQ(layout.dest_root, "~/work");
  EXPECT_EQ(rels(layout), (V{"a.csv"}));
  EXPECT_EQ(layout.items[0].source, "data/a.csv");
  ASSERT_EQ(layout.mirrored.size(), 1u);
  EXPECT_EQ(layout.mirrored[0].first, "");
}

TEST(Layout, OneFileTakesANewNameUnlessTheDestinationIsAFolder) {
  auto r = root("script.py", {{"", file(10)}});
  auto renamed = make_layout({r}, "~/train.py", false, false);
  EXPECT_TRUE(renamed.renamed);
  EXPECT_EQ(renamed.dest_root, "~");
  EXPECT_EQ(rels(renamed), (V{"train.py"}));
  auto into = make_layout({r}, "~/proj", true, true);
  EXPECT_FALSE(into.renamed);
  EXPECT_EQ(rels(into), (V{"script.py"}));
  auto slash = make_layout({r}, "~/new/", false, false);
  EXPECT_FALSE(slash.renamed);
  EXPECT_EQ(slash.dest_root, "~/new");
  auto relative = make_layout({r}, "x.py", false, false);
  EXPECT_EQ(relative.dest_root, ".");
}

TEST(Layout, SeveralSourcesNeedAFolder) {
  auto a = root("a", {{"", file(1)}});
  auto b = root("b", {{"", file(1)}});
  auto layout = make_layout({a, b}, "~/x", false, true);
  EXPECT_EQ(layout.problems.size(), 1u);
  auto fresh = make_layout({a, b}, "~/x", false, false);
  EXPECT_TRUE(fresh.problems.empty());
  EXPECT_EQ(rels(fresh), (V{"a", "b"}));
}

TEST(Layout, ExcludedEntriesAreLeftOut) {
  auto r = root("p", {{"", dir()},
                      {"a.py", file(1)},
                      {"cache", dir()},
                      {"cache/x", file(1)},
                      {"m.ckpt", file(9)}});
  r.rules.add_pattern("*.ckpt");
  r.rules.add_pattern("cache/");
  auto layout = make_layout({r}, "~", true, true);
  EXPECT_EQ(rels(layout), (V{"p", "p/a.py"}));
}

TEST(Plan, NewTreeIsCreatedAndSent) {
  auto r = root("p", {{"", dir()}, {"a", file(3)}, {"e", dir(0700)}, {"l", link("a")}});
  auto layout = make_layout({r}, "~", true, true);
  auto plan = make_plan(layout, {}, {});
  EXPECT_TRUE(plan.problems.empty());
  EXPECT_EQ(steps(plan, Action::mkdir), (V{"p", "p/e"}));
  EXPECT_EQ(steps(plan, Action::send), (V{"p/a"}));
  EXPECT_EQ(steps(plan, Action::link), (V{"p/l"}));
  EXPECT_EQ(steps(plan, Action::dir_attrs), (V{"p/e", "p"}));  // deepest first
  EXPECT_EQ(plan.bytes_to_send, 3u);
}

TEST(Plan, SameSizeAndMtimeIsUnchanged) {
  auto r = root("p", {{"", dir()},
                      {"same", file(3, 50)},
                      {"older", file(3, 40)},
                      {"bigger", file(4, 50)},
                      {"chmod", file(3, 50, 0755)},
                      {"l", link("t")}});
  auto layout = make_layout({r}, "~", true, true);
  DestTree dest = {{"p", dir()},
                   {"p/same", file(3, 50)},
                   {"p/older", file(3, 30)},
                   {"p/bigger", file(3, 50)},
                   {"p/chmod", file(3, 50, 0644)},
                   {"p/l", link("t")}};
  auto plan = make_plan(layout, dest, {});
  EXPECT_EQ(steps(plan, Action::send), (V{"p/older", "p/bigger"}));
  EXPECT_EQ(steps(plan, Action::attrs), (V{"p/chmod"}));
  EXPECT_EQ(plan.files_unchanged, 3u);  // same, chmod (content), l
  EXPECT_TRUE(steps(plan, Action::mkdir).empty());
  // p's entries change, so its mtime is set again afterwards.
  EXPECT_EQ(steps(plan, Action::dir_attrs), (V{"p"}));
}

TEST(Plan, NothingToDoWhenEverythingMatches) {
  auto r = root("p", {{"", dir()}, {"a", file(3)}});
  auto layout = make_layout({r}, "~", true, true);
  auto plan = make_plan(layout, {{"p", dir()}, {"p/a", file(3)}}, {});
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ(plan.files_unchanged, 1u);
  EXPECT_EQ(plan.bytes_unchanged, 3u);
}

TEST(Plan, ChecksumComparesContentNotTime) {
  auto r = root("p", {{"", dir()}, {"same", file(3, 50)}, {"diff", file(3, 50)}});
  auto layout = make_layout({r}, "~", true, true);
  DestTree dest = {{"p", dir()}, {"p/same", file(3, 10)}, {"p/diff", file(3, 50)}};
  auto candidates = checksum_candidates(layout, dest);
  EXPECT_EQ(candidates.size(), 2u);
  Hashes src = {{"p/same", "h1"}, {"p/diff", "h2"}};
  Hashes dst = {{"p/same", "h1"}, {"p/diff", "h3"}};
  auto plan = make_plan(layout, dest, {.checksum = true}, src, dst);
  EXPECT_EQ(steps(plan, Action::send), (V{"p/diff"}));
  EXPECT_EQ(steps(plan, Action::attrs), (V{"p/same"}));  // only its mtime differs
}

TEST(Plan, DeleteRemovesOnlyWithinMirroredFoldersAndListsEverything) {
  auto r = root("p", {{"", dir()}, {"keep", file(1)}});
  auto layout = make_layout({r}, "~", true, true);
  DestTree dest = {{"p", dir()},        {"p/keep", file(1)},     {"p/old", file(1)},
                   {"p/olddir", dir()}, {"p/olddir/x", file(1)}, {"q", file(1)}};
  auto without = make_plan(layout, dest, {});
  EXPECT_TRUE(steps(without, Action::remove).empty());
  auto with = make_plan(layout, dest, {.delete_extra = true});
  EXPECT_EQ(steps(with, Action::remove), (V{"p/old", "p/olddir", "p/olddir/x"}));
}

TEST(Plan, AFolderInTheWayNeedsDelete) {
  auto r = root("p", {{"", dir()}, {"x", file(1)}});
  auto layout = make_layout({r}, "~", true, true);
  DestTree dest = {{"p", dir()}, {"p/x", dir()}, {"p/x/inner", file(1)}};
  auto refused = make_plan(layout, dest, {});
  ASSERT_EQ(refused.problems.size(), 1u);
  EXPECT_NE(refused.problems[0].find("--delete"), std::string::npos);
  auto replaced = make_plan(layout, dest, {.delete_extra = true});
  EXPECT_TRUE(replaced.problems.empty());
  EXPECT_EQ(steps(replaced, Action::remove), (V{"p/x", "p/x/inner"}));
  EXPECT_EQ(steps(replaced, Action::send), (V{"p/x"}));
}

TEST(Plan, AFileInTheWayOfAFolderIsReplaced) {
  auto r = root("p", {{"", dir()}, {"d", dir()}, {"d/f", file(1)}});
  auto layout = make_layout({r}, "~", true, true);
  auto plan = make_plan(layout, {{"p", dir()}, {"p/d", file(5)}}, {});
  EXPECT_TRUE(plan.problems.empty());
  EXPECT_EQ(steps(plan, Action::remove), (V{"p/d"}));
  EXPECT_EQ(steps(plan, Action::mkdir), (V{"p/d"}));
  // Removal comes first, then the folder, then its file.
  EXPECT_EQ(plan.steps[0].action, Action::remove);
}

TEST(Plan, HostileListingsAreRefused) {
  Layout layout;
  layout.dest_root = ".";
  SourceItem escape;
  escape.rel = "../outside";
  escape.info = file(1);
  SourceItem orphan;
  orphan.rel = "link/passwd";  // its parent is a symlink, not a folder of the transfer
  orphan.info = file(1);
  SourceItem parent;
  parent.rel = "link";
  parent.info = link("/etc");
  layout.items = {escape, parent, orphan};
  auto plan = make_plan(layout, {}, {});
  EXPECT_EQ(plan.problems.size(), 2u);
  EXPECT_EQ(steps(plan, Action::link), (V{"link"}));
  EXPECT_TRUE(steps(plan, Action::send).empty());
}

TEST(Plan, TwoSourcesForOnePlaceAreRefused) {
  auto a = root("x/f", {{"", file(1)}});
  auto b = root("y/f", {{"", file(1)}});
  auto layout = make_layout({a, b}, "~/d", true, true);
  auto plan = make_plan(layout, {}, {});
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_NE(plan.problems[0].find("'f'"), std::string::npos);
}

TEST(Plan, SpecialFilesAreSkippedWithANote) {
  FileInfo fifo;
  fifo.type = FileType::other;
  auto r = root("p", {{"", dir()}, {"pipe", fifo}});
  auto layout = make_layout({r}, "~", true, true);
  auto plan = make_plan(layout, {{"p", dir()}}, {});
  EXPECT_TRUE(steps(plan, Action::send).empty());
  EXPECT_EQ(plan.notes.size(), 1u);
}

TEST(Plan, DescriptionListsEveryChange) {
  auto r = root("p", {{"", dir()}, {"a", file(2048)}, {"l", link("a")}});
  auto layout = make_layout({r}, "~", true, true);
  auto plan = make_plan(layout, {{"p", dir()}, {"p/gone", file(1)}}, {.delete_extra = true});
  const auto entries = describe_plan(plan, layout);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].action, Action::send);
  EXPECT_EQ(entries[1].path, "p/a");
  EXPECT_EQ(entries[1].size, 2048u);
  EXPECT_EQ(entries[1].why, "new");
  EXPECT_EQ(entries[2].target, "a");
  EXPECT_EQ(cli::plan_lines(entries),
            (V{"delete  p/gone", "send    p/a  (2.0 KiB, new)", "link    p/l -> a"}));
}

TEST(Plan, ListingLinesOfEveryKind) {
  EXPECT_EQ(cli::plan_line({.action = Action::mkdir, .path = "data/new"}), "mkdir   data/new/");
  EXPECT_EQ(
      cli::plan_line({.action = Action::attrs, .path = "run.sh", .why = "mode", .mode = 0755}),
      "attrs   run.sh  (mode 0755, mode)");
  EXPECT_EQ(
      cli::plan_line({.action = Action::dir_attrs, .path = "data", .why = "mtime", .mode = 0700}),
      "attrs   data/  (mode 0700, mtime)");
  EXPECT_EQ(
      cli::plan_line({.action = Action::send, .path = "a.csv", .size = 1258291, .why = "mtime"}),
      "send    a.csv  (1.2 MiB, mtime)");
}

TEST(DisplayPath, EscapesWhatATerminalWouldInterpret) {
  EXPECT_EQ(display_path("plain/ünïcode.txt"), "plain/ünïcode.txt");
  EXPECT_EQ(display_path("a\nb\tc\\d"), "a\\nb\\tc\\\\d");
  EXPECT_EQ(display_path("bad\xff"), "bad\\xff");
  EXPECT_EQ(display_path("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(display_path("c1\xc2\x9b"), "c1\\xc2\\x9b");
}

TEST(Progress, LineShowsBytesFilesRateAndEta) {
  ProgressState st{.bytes_done = 512 << 20,
                   .bytes_total = 1024 << 20,
                   .files_done = 1,
                   .files_total = 4,
                   .seconds = 4};
  const auto line = cli::render_progress(st);
  EXPECT_NE(line.find("50%"), std::string::npos) << line;
  EXPECT_NE(line.find("512 MiB / 1.0 GiB"), std::string::npos) << line;
  EXPECT_NE(line.find("1/4 files"), std::string::npos) << line;
  EXPECT_NE(line.find("128 MiB/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 4s"), std::string::npos) << line;
  EXPECT_LE(cli::render_progress(st, 40).size(), 40u + 2);  // "…" is 3 bytes, 1 column
}

TEST(Summary, OneLineSaysWhatHappened) {
  Summary s;
  s.direction = "push";
  s.destination = "~/proj";
  s.files_sent = 3;
  s.bytes_sent = 3 << 20;
  s.seconds = 2;
  s.files_unchanged = 10;
  s.deleted = {"~/proj/old"};
  s.bytes_resumed = 1 << 20;
  EXPECT_EQ(cli::summary_line(s),
            "pushed 3 files (3.0 MiB) to ~/proj in 2.0 s (1.5 MiB/s); 10 unchanged; 1 deleted; "
            "resumed after 1.0 MiB");
  Summary idle;
  idle.direction = "pull";
  idle.destination = "out";
  idle.files_unchanged = 4;
  EXPECT_EQ(cli::summary_line(idle), "pull: nothing to do, out is up to date; 4 unchanged");
  idle.failures = {"could not read x"};
  EXPECT_EQ(cli::summary_line(idle).find("up to date"), std::string::npos)
      << cli::summary_line(idle);
  Summary dry;
  dry.direction = "pull";
  dry.destination = ".";
  dry.dry_run = true;
  dry.files_sent = 1;
  dry.bytes_sent = 10;
  EXPECT_EQ(cli::summary_line(dry), "dry run: would fetch 1 file (10 B) into .");
}

TEST(Summary, JsonPathsAreAlwaysValidUtf8) {
  Summary s;
  s.direction = "pull";
  s.destination = "bad\xff";
  s.deleted = {display_path("x\xfe")};
  s.failures = {"read a\x80: denied"};
  const auto j = cli::summary_json(s);
  EXPECT_EQ(j["destination"], "bad\\xff");
  EXPECT_NO_THROW((void)j.dump());
  EXPECT_EQ(j["failures"][0], "read a\\x80: denied");
}

TEST(ByteSizes, SuffixesAreBinary) {
  EXPECT_EQ(parse_byte_size("1000"), 1000u);
  EXPECT_EQ(parse_byte_size("20M"), 20u << 20);
  EXPECT_EQ(parse_byte_size("1.5k"), 1536u);
  EXPECT_EQ(parse_byte_size("2G"), 2ull << 30);
  EXPECT_FALSE(parse_byte_size("").has_value());
  EXPECT_FALSE(parse_byte_size("-1M").has_value());
  EXPECT_FALSE(parse_byte_size("fast").has_value());
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Tar, RoundTripKeepsNamesOfAnyBytesModesTimesAndLinks) {
  std::string archive;
  auto writer = TarWriter::open([&](std::string_view block) -> core::Result<void> {
    archive.append(block);
    return core::ok();
  });
  ASSERT_TRUE(writer.has_value());
  const std::string long_name = "d/" + std::string(180, 'x') + "/f";
  const std::string odd = "d/new\nline \xff$(x)'\"";
  ASSERT_TRUE(writer->add_file(odd, "hello", 0751, 1234567890).has_value());
  ASSERT_TRUE(writer->add_file(long_name, "", 0600, 1).has_value());
  ASSERT_TRUE(writer->add_symlink("d/l", "../t a\xfe", 0777, 5).has_value());
  ASSERT_TRUE(writer->add_dir("d/sub", 0700, 6).has_value());
  ASSERT_TRUE(writer->close().has_value());

  bool served = false;
  auto reader = TarReader::open([&]() -> core::Result<std::string_view> {
    if (served) {
      return std::string_view();
    }
    served = true;
    return std::string_view(archive);
  });
  ASSERT_TRUE(reader.has_value());
  auto e = reader->next();
  ASSERT_TRUE(e.has_value() && e->has_value());
  EXPECT_EQ((*e)->path, odd);
  EXPECT_EQ((*e)->info.mode, 0751u);
  EXPECT_EQ((*e)->info.mtime, 1234567890);
  EXPECT_EQ((*e)->info.size, 5u);
  auto data = reader->read_data();
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(*data, "hello");
  e = reader->next();
  ASSERT_TRUE(e.has_value() && e->has_value());
  EXPECT_EQ((*e)->path, long_name);
  e = reader->next();
  ASSERT_TRUE(e.has_value() && e->has_value());
  EXPECT_EQ((*e)->info.type, FileType::symlink);
  EXPECT_EQ((*e)->info.link, "../t a\xfe");
  e = reader->next();
  ASSERT_TRUE(e.has_value() && e->has_value());
  EXPECT_EQ((*e)->info.type, FileType::dir);
  e = reader->next();
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->has_value());
}

TEST(Tar, ATruncatedStreamIsAnErrorNotAnEnd) {
  std::string archive;
  auto writer = TarWriter::open([&](std::string_view block) -> core::Result<void> {
    archive.append(block);
    return core::ok();
  });
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE(writer->add_file("big", std::string(100000, 'z'), 0644, 1).has_value());
  ASSERT_TRUE(writer->close().has_value());
  archive.resize(50000);
  bool served = false;
  auto reader = TarReader::open([&]() -> core::Result<std::string_view> {
    if (served) {
      return std::string_view();
    }
    served = true;
    return std::string_view(archive);
  });
  ASSERT_TRUE(reader.has_value());
  auto e = reader->next();
  ASSERT_TRUE(e.has_value() && e->has_value());
  std::size_t total = 0;
  bool failed = false;
  while (true) {
    auto d = reader->read_data();
    if (!d) {
      failed = true;
      break;
    }
    if (d->empty()) {
      break;
    }
    total += d->size();
  }
  EXPECT_TRUE(failed) << "read " << total << " bytes and saw a clean end";
}

}  // namespace
}  // namespace ec2dl::transfer
