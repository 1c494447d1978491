#include "ec2dl/transfer/pull_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

namespace {

bool has_glob(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

// Whether an operand could be a job id or name (and not a path).
bool could_be_job(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         !s.starts_with('~') && !has_glob(s);
}

// Whether the last of the operands is the destination unless a job is used.
bool dest_last(const PullRequest& request) {
  return !request.target && request.operands.size() >= 2;
}

// Whether the operand is written as a folder: "out/", ".", "..".
bool folder_syntax(std::string_view s) {
  return s.ends_with('/') || s == "." || s == "..";
}

// With a job: how many operands before the patterns (the job's own, unless --job).
std::size_t job_operands(const PullRequest& request) {
  return request.job.empty() ? 1 : 0;
}

// With a job and no -t: the last operand is the destination by its syntax when at least one
// pattern comes before it.
bool job_dest_by_syntax(const PullRequest& request) {
  const auto& ops = request.operands;
  return !request.target && ops.size() >= job_operands(request) + 2 && folder_syntax(ops.back());
}

}  // namespace

core::Result<void> check_pull(const PullRequest& request) {
  std::vector<std::string> problems;
  if (request.operands.empty()) {
    problems.push_back(request.job.empty()
                           ? "pull: nothing to fetch: give REMOTE paths (or JOB PATTERN...)"
                           : "pull --job: give the PATTERNs to fetch from the job's folder");
  }
  for (const auto& op : request.operands) {
    if (op.empty()) {
      problems.push_back("pull: an empty path");
    }
  }
  if (request.target && request.target->empty()) {
    problems.push_back("pull: an empty destination");
  }
  if (!problems.empty()) {
    return fail(ErrorKind::usage, util::join(problems, "; "));
  }
  return core::ok();
}

remote::ManifestQuery pull_query(const PullRequest& request) {
  const auto& options = request.options;
  const auto& ops = request.operands;
  const std::size_t n = ops.size();
  const bool explicit_job = !request.job.empty();
  // One operand alone may be a job too, but only to say how to pull from it: a file of
  // that name wins.
  const bool auto_job = !explicit_job && could_be_job(ops[0]);
  remote::ManifestQuery query;
  query.follow_symlinks = options.follow_symlinks;
  query.ignore_files = options.use_ignore_files;
  query.registry = request.registry;
  query.job = explicit_job ? request.job : auto_job ? ops[0] : "";
  query.job_auto = auto_job;
  query.file_wins = auto_job && n == 1;
  for (std::size_t i = 0; i < n; ++i) {
    auto kind = remote::RequestKind::glob;
    if (!explicit_job) {
      if (auto_job && i == 0) {
        kind = remote::RequestKind::glob_unless_job;
      } else if (dest_last(request) && i == n - 1) {
        if (!auto_job) {
          continue;
        }
        kind = remote::RequestKind::glob_if_job;
      }
    }
    query.requests += remote::manifest_request(kind, i, ops[i]);
  }
  return query;
}

PullSources pull_sources(const PullRequest& request, const remote::Manifest& manifest) {
  const auto& ops = request.operands;
  const std::size_t n = ops.size();
  const bool explicit_job = !request.job.empty();
  const bool job_used = explicit_job || manifest.job_used;
  PullSources out;
  out.dest = request.target.value_or(".");
  std::set<std::size_t> sources;
  for (std::size_t i = 0; i < n; ++i) {
    sources.insert(i);
  }
  if (job_used) {
    if (!explicit_job) {
      sources.erase(0);
    }
    const bool last_unmatched =
        std::ranges::any_of(manifest.unmatched, [&](const auto& u) { return u.first == n - 1; });
    if (job_dest_by_syntax(request) && !last_unmatched) {
      // Written as a folder, and a folder of the job's too: which one is meant?
      out.usage_problem = fmt::format(
          "'{}' is a folder in the job's folder {} and is written as the destination: say "
          "where the files go with -t DIR",
          ops[n - 1], manifest.workdir);
      return out;
    }
    if ((job_dest_by_syntax(request) ||
         (!request.target && request.last_is_local_folder && n >= job_operands(request) + 2)) &&
        last_unmatched) {
      out.dest = ops[n - 1];
      sources.erase(n - 1);
    }
    if (sources.empty()) {
      out.problems.push_back(
          fmt::format("'{}' is a job: say what to fetch from its folder {}, e.g. ec2dl pull {} "
                      "'checkpoints/*.pt' (or '.' for all of it)",
                      ops[0], manifest.workdir, remote::shell_quote(ops[0])));
      return out;
    }
  } else if (dest_last(request)) {
    out.dest = ops[n - 1];
    sources.erase(n - 1);
  }

  for (const auto& [index, text] : manifest.unmatched) {
    if (!sources.contains(index)) {
      continue;
    }
    const auto where = job_used ? fmt::format(" in the job's folder {}", manifest.workdir) : "";
    auto problem = has_glob(text)
                       ? fmt::format("no match on the server for '{}'{}", text, where)
                       : fmt::format("no such file or folder on the server: {}{}", text, where);
    if (job_used && index == n - 1 && !request.target && index >= job_operands(request) + 1 &&
        !has_glob(text)) {
      problem +=
          fmt::format(" (to fetch into a local folder, write it as {}/ or use -t {})", text, text);
    }
    out.problems.push_back(std::move(problem));
  }
  for (const auto& mroot : manifest.roots) {
    if (!sources.contains(mroot.request)) {
      continue;
    }
    if (mroot.entries.empty()) {
      out.problems.push_back(fmt::format("cannot read {} on the server", mroot.path));
      continue;
    }
    SourceRoot root;
    root.path = mroot.path;
    root.contents = wants_contents(ops[mroot.request]);
    root.entries = mroot.entries;
    root.complete = mroot.complete;
    for (const auto& [rel, text] : mroot.ignore_files) {
      root.rules.add_file(parent_path(rel), text);
    }
    for (const auto& pattern : request.options.excludes) {
      root.rules.add_pattern(pattern);
    }
    if (!root.complete) {
      out.warnings.push_back(
          fmt::format("some folders under {} could not be read on the server", mroot.path));
    }
    out.roots.push_back(std::move(root));
  }
  return out;
}

}  // namespace ec2dl::transfer
