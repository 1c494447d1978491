#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/progress.hpp"

// What push and pull share: their options, their summary, and the steps both take between
// listing the two sides and moving bytes (push.hpp and pull.hpp are the entry points).
namespace ec2dl::transfer {

// Files at least this big travel on their own channel and resume where they stopped;
// smaller ones share one tar stream.
inline constexpr std::uint64_t k_resumable_size = 16u << 20;

struct SyncOptions {
  bool follow_symlinks = false;       // -L
  bool checksum = false;              // --checksum: unchanged means same content
  bool delete_extra = false;          // --delete
  bool dry_run = false;               // --dry-run
  bool verify = false;                // --verify: compare SHA-256 on both sides afterwards
  bool use_ignore_files = true;       // read .ec2dlignore files
  std::vector<std::string> excludes;  // --exclude
  std::uint64_t bwlimit = 0;          // bytes per second, 0: no limit
  ProgressView* progress = nullptr;   // shows the progress; none when null
};

// What a push or pull did (or, with dry_run, would do).
struct Summary {
  std::string direction;    // "push" or "pull"
  std::string destination;  // the destination folder (or file, when renamed)
  bool dry_run = false;
  std::size_t files_sent = 0;
  std::size_t files_unchanged = 0;
  std::size_t links = 0;
  std::size_t dirs_created = 0;
  std::size_t attrs_updated = 0;
  std::uint64_t bytes_sent = 0;       // file content sent over the connection
  std::uint64_t bytes_resumed = 0;    // not sent again thanks to an earlier, interrupted run
  std::uint64_t bytes_unchanged = 0;  // in files skipped as unchanged
  std::vector<std::string> deleted;   // destination paths removed (display form)
  std::vector<PlanEntry> plan;        // what changes (always filled)
  std::vector<std::string> warnings;
  std::vector<std::string> failures;  // files that could not be transferred
  bool verified = false;              // --verify ran and every checksum matched
  double seconds = 0;
};

// Text for a list of problems: the first few, then "and N more".
std::string list_problems(const std::vector<std::string>& problems);

// Whether --delete would mirror a whole home folder (or "/") and must be refused.
bool mirrors_home(const Layout& layout, const std::string& dest_abs, const std::string& home);

// Plans (asking both sides for hashes first with --checksum), refuses a plan with problems
// (kind transfer), and fills the summary's listing and destination; for a dry run also the
// counts of what would be done. `remote_is_source`: a pull (the server holds the sources).
core::Result<Plan> plan_into(Summary& summary, ssh::Session& session, const Layout& layout,
                             const DestTree& tree, const SyncOptions& options,
                             bool remote_is_source);

// The removals of a plan that are not inside another removal (rm -rf does the rest).
std::vector<std::string> topmost_removals(const Plan& plan);

}  // namespace ec2dl::transfer
