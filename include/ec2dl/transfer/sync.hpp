#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/progress.hpp"

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

struct PushRequest {
  std::vector<std::string> sources;  // local files and folders
  std::string dest = "~";            // on the server
  SyncOptions options;
};

// The local side of a push, scanned before connecting.
struct PreparedPush {
  PushRequest request;
  std::vector<SourceRoot> roots;
  std::vector<std::string> warnings;
};

// Checks and scans the local sources. Fails (kind not_found, exit 1) naming every source
// that is missing or unreadable.
core::Result<PreparedPush> prepare_push(PushRequest request);

// Sends what changed. Errors: connection (255), disk full or other server failures (1),
// interrupted (130). Files that could not be read locally are listed in Summary::failures.
core::Result<Summary> run_push(ssh::Session& session, const PreparedPush& prepared);

struct PullRequest {
  std::vector<std::string> operands;  // as typed: [JOB] SOURCE... [LOCAL]
  std::optional<std::string> target;  // -t DIR: every operand is a source
  std::string job;                    // --job JOB
  std::string registry = "~/.ec2dl";  // the job registry base on the server
  SyncOptions options;
};

// Validates the operands (before connecting). Fails with a usage error.
core::Result<void> check_pull(const PullRequest& request);

// Fetches what changed. The first of two or more operands is taken as a job when it names
// one on the server (and no file of that name is in the home folder); then the others are
// patterns relative to its working directory and the destination is -t or ".".
core::Result<Summary> run_pull(ssh::Session& session, const PullRequest& request);

}  // namespace ec2dl::transfer
