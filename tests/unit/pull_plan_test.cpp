// The pure half of a pull: operands -> the manifest query, the manifest -> sources and
// destination.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/transfer/pull_plan.hpp"

namespace ec2dl::transfer {
namespace {

using remote::RequestKind;

PullRequest request(std::vector<std::string> operands) {
  PullRequest r;
  r.operands = std::move(operands);
  return r;
}

std::string lines(std::vector<std::pair<RequestKind, std::string>> requests) {
  std::string out;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    out += remote::manifest_request(requests[i].first, i, requests[i].second);
  }
  return out;
}

remote::ManifestRoot listed(std::size_t request, std::string path, bool is_dir = false) {
  remote::ManifestRoot root;
  root.request = request;
  root.path = std::move(path);
  remote::FileInfo info;
  info.type = is_dir ? remote::FileType::dir : remote::FileType::file;
  root.entries.push_back({"", info});
  return root;
}

TEST(PullCheck, ReportsEveryProblemAtOnce) {
  EXPECT_TRUE(check_pull(request({"~/a"})));
  auto none = check_pull(request({}));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind(), core::ErrorKind::usage);
  EXPECT_EQ(none.error().message(),
            "pull: nothing to fetch: give REMOTE paths (or JOB PATTERN...)");
  auto job = request({});
  job.job = "train";
  EXPECT_EQ(check_pull(job).error().message(),
            "pull --job: give the PATTERNs to fetch from the job's folder");
  auto both = request({"", "x"});
  both.target = "";
  EXPECT_EQ(check_pull(both).error().message(), "pull: an empty path; pull: an empty destination");
}

TEST(PullQuery, OneOperandIsASourceGlob) {
  auto r = request({"~/*.png"});
  r.registry = "~/.ec2dl";
  r.options.follow_symlinks = true;
  r.options.use_ignore_files = false;
  const auto q = pull_query(r);
  EXPECT_EQ(q.requests, lines({{RequestKind::glob, "~/*.png"}}));
  EXPECT_EQ(q.job, "");
  EXPECT_FALSE(q.job_auto);
  EXPECT_TRUE(q.follow_symlinks);
  EXPECT_FALSE(q.ignore_files);
  EXPECT_EQ(q.registry, "~/.ec2dl");
}

TEST(PullQuery, TheLastOfTwoPathsIsTheDestinationAndNotListed) {
  const auto q = pull_query(request({"~/a", "~/b", "./out"}));
  EXPECT_EQ(q.requests, lines({{RequestKind::glob, "~/a"}, {RequestKind::glob, "~/b"}}));
  EXPECT_FALSE(q.job_auto);
}

TEST(PullQuery, AFirstOperandThatCouldBeAJobLetsTheServerDecide) {
  const auto q = pull_query(request({"7", "checkpoints/*.pt"}));
  EXPECT_EQ(q.job, "7");
  EXPECT_TRUE(q.job_auto);
  EXPECT_EQ(q.requests, lines({{RequestKind::glob_unless_job, "7"},
                               {RequestKind::glob_if_job, "checkpoints/*.pt"}}));
}

TEST(PullQuery, PathsAndGlobsAreNeverJobCandidates) {
  for (const std::string first : {"./7", "~", "a/b", "*.pt", ".", ".."}) {
    const auto q = pull_query(request({first, "out"}));
    EXPECT_FALSE(q.job_auto) << first;
    EXPECT_EQ(q.job, "") << first;
  }
}

TEST(PullQuery, TargetAndJobMakeEveryOperandASource) {
  auto t = request({"7", "logs"});
  t.target = "runs";
  const auto qt = pull_query(t);
  EXPECT_TRUE(qt.job_auto);
  EXPECT_EQ(qt.requests, lines({{RequestKind::glob_unless_job, "7"}, {RequestKind::glob, "logs"}}));

  auto j = request({"logs", "metrics.csv"});
  j.job = "train";
  const auto qj = pull_query(j);
  EXPECT_EQ(qj.job, "train");
  EXPECT_FALSE(qj.job_auto);
  EXPECT_EQ(qj.requests, lines({{RequestKind::glob, "logs"}, {RequestKind::glob, "metrics.csv"}}));
}

TEST(PullSources, WithoutAJobTheLastOperandIsTheDestination) {
  const auto r = request({"~/results/", "./out"});
  remote::Manifest m;
  m.roots.push_back(listed(0, "/home/u/results", true));
  m.unmatched.emplace_back(1, "./out");  // listed in case of a job: not a source here
  const auto s = pull_sources(r, m);
  EXPECT_EQ(s.dest, "./out");
  EXPECT_TRUE(s.problems.empty());
  ASSERT_EQ(s.roots.size(), 1u);
  EXPECT_EQ(s.roots[0].path, "/home/u/results");
  EXPECT_TRUE(s.roots[0].contents);
}

TEST(PullSources, AJobTheServerChoseDropsTheJobOperandAndKeepsTheRest) {
  const auto r = request({"7", "*.pt", "log.txt"});
  remote::Manifest m;
  m.job_used = true;
  m.workdir = "/home/u/work";
  m.roots.push_back(listed(0, "/home/u/7"));  // a file named like the job: not fetched
  m.roots.push_back(listed(2, "/home/u/work/log.txt"));
  m.unmatched.emplace_back(1, "*.pt");
  const auto s = pull_sources(r, m);
  EXPECT_EQ(s.dest, ".");
  ASSERT_EQ(s.roots.size(), 1u);
  EXPECT_EQ(s.roots[0].path, "/home/u/work/log.txt");
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0], "no match on the server for '*.pt' in the job's folder /home/u/work");
}

TEST(PullQuery, OneOperandMayBeAJobButAFileOfThatNameWins) {
  const auto q = pull_query(request({"31"}));
  EXPECT_EQ(q.job, "31");
  EXPECT_TRUE(q.job_auto);
  EXPECT_TRUE(q.file_wins);
  EXPECT_EQ(q.requests, lines({{RequestKind::glob_unless_job, "31"}}));
  EXPECT_FALSE(pull_query(request({"7", "x"})).file_wins);
}

TEST(PullSources, OneOperandNamingAJobSaysHowToPullFromIt) {
  remote::Manifest m;
  m.job_used = true;
  m.workdir = "/home/u/work";
  const auto s = pull_sources(request({"31"}), m);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0],
            "'31' is a job: say what to fetch from its folder /home/u/work, e.g. ec2dl pull 31 "
            "'checkpoints/*.pt' (or '.' for all of it)");
  EXPECT_TRUE(s.roots.empty());
}

TEST(PullQuery, WithAJobALastOperandWrittenAsAFolderIsStillAskedFor) {
  // The server says whether the job's folder has it: only then is it a destination.
  const auto q = pull_query(request({"31", "ckpt/*.pt", "out/"}));
  EXPECT_EQ(q.requests, lines({{RequestKind::glob_unless_job, "31"},
                               {RequestKind::glob, "ckpt/*.pt"},
                               {RequestKind::glob_if_job, "out/"}}));
  auto j = request({"ckpt/*.pt", "."});
  j.job = "train";
  EXPECT_EQ(pull_query(j).requests,
            lines({{RequestKind::glob, "ckpt/*.pt"}, {RequestKind::glob, "."}}));
}

TEST(PullSources, ScpStyleDestinationAfterAJob) {
  remote::Manifest m;
  m.job_used = true;
  m.workdir = "/home/u/work";
  m.roots.push_back(listed(1, "/home/u/work/ckpt/a.pt"));
  auto m_slash = m;
  m_slash.unmatched.emplace_back(2, "out/");
  const auto slash = pull_sources(request({"31", "ckpt/*.pt", "out/"}), m_slash);
  EXPECT_EQ(slash.dest, "out/");
  EXPECT_TRUE(slash.problems.empty());
  EXPECT_TRUE(slash.usage_problem.empty());
  ASSERT_EQ(slash.roots.size(), 1u);
  // Written as a folder, but the job's folder has one of that name: refused, not guessed.
  auto m_both = m;
  m_both.roots.push_back(listed(2, "/home/u/work/out", true));
  const auto both = pull_sources(request({"31", "ckpt/*.pt", "out/"}), m_both);
  EXPECT_EQ(both.usage_problem,
            "'out/' is a folder in the job's folder /home/u/work and is written as the "
            "destination: say where the files go with -t DIR");
  EXPECT_TRUE(both.roots.empty());

  // "out" without a slash: the destination only when it matches nothing there and is a
  // local folder.
  auto m2 = m;
  m2.unmatched.emplace_back(2, "out");
  auto local = request({"31", "ckpt/*.pt", "out"});
  local.last_is_local_folder = true;
  const auto s = pull_sources(local, m2);
  EXPECT_EQ(s.dest, "out");
  EXPECT_TRUE(s.problems.empty());
  const auto not_local = pull_sources(request({"31", "ckpt/*.pt", "out"}), m2);
  EXPECT_EQ(not_local.dest, ".");
  ASSERT_EQ(not_local.problems.size(), 1u);
  EXPECT_EQ(not_local.problems[0],
            "no such file or folder on the server: out in the job's folder /home/u/work (to "
            "fetch into a local folder, write it as out/ or use -t out)");
  // Matched in the job's folder: a source, as before.
  auto m3 = m;
  m3.roots.push_back(listed(2, "/home/u/work/out", true));
  const auto matched = pull_sources(local, m3);
  EXPECT_EQ(matched.dest, ".");
  EXPECT_EQ(matched.roots.size(), 2u);
}

TEST(PullSources, ATargetIsTheDestination) {
  auto r = request({"~/a", "~/b"});
  r.target = "runs";
  remote::Manifest m;
  m.roots.push_back(listed(0, "/home/u/a"));
  m.roots.push_back(listed(1, "/home/u/b"));
  const auto s = pull_sources(r, m);
  EXPECT_EQ(s.dest, "runs");
  EXPECT_EQ(s.roots.size(), 2u);
}

TEST(PullSources, ProblemsAndWarnings) {
  const auto r = request({"~/gone", "~/locked", "~/part"});
  auto r2 = r;
  r2.target = ".";
  remote::Manifest m;
  m.unmatched.emplace_back(0, "~/gone");
  remote::ManifestRoot locked;
  locked.request = 1;
  locked.path = "/home/u/locked";
  m.roots.push_back(locked);
  auto part = listed(2, "/home/u/part", true);
  part.complete = false;
  m.roots.push_back(part);
  const auto s = pull_sources(r2, m);
  EXPECT_EQ(s.problems, (std::vector<std::string>{"no such file or folder on the server: ~/gone",
                                                  "cannot read /home/u/locked on the server"}));
  EXPECT_EQ(s.warnings, (std::vector<std::string>{
                            "some folders under /home/u/part could not be read on the server"}));
  ASSERT_EQ(s.roots.size(), 1u);
  EXPECT_FALSE(s.roots[0].complete);
}

TEST(PullSources, IgnoreFilesAndExcludesBecomeTheRootsRules) {
  auto r = request({"~/proj"});
  r.options.excludes = {"*.ckpt"};
  remote::Manifest m;
  auto root = listed(0, "/home/u/proj", true);
  root.ignore_files.emplace_back("sub/.ec2dlignore", "*.log\n");
  m.roots.push_back(root);
  const auto s = pull_sources(r, m);
  ASSERT_EQ(s.roots.size(), 1u);
  const auto& rules = s.roots[0].rules;
  EXPECT_TRUE(rules.excluded("model.ckpt", false));
  EXPECT_TRUE(rules.excluded("sub/run.log", false));
  EXPECT_FALSE(rules.excluded("run.log", false));
  EXPECT_FALSE(rules.excluded("sub/run.txt", false));
}

}  // namespace
}  // namespace ec2dl::transfer
