#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/transfer/sync.hpp"

namespace ec2dl::core {
class Context;
}

// How push, pull and edit show what the transfer layer reports: the plan, the progress line,
// the summary, and hints about remote paths.
namespace ec2dl::cli {

// One line of a plan listing: "send    a/b.txt  (12 B, new)", "mkdir   data/new/".
std::string plan_line(const transfer::PlanEntry& entry);
std::vector<std::string> plan_lines(const std::vector<transfer::PlanEntry>& entries);

// "12 MiB/s" for a byte count over a duration (0 s: the bytes as they are).
std::string human_rate(std::uint64_t bytes, double seconds);

// One status line: "  42% [####......] 420 MiB / 1.0 GiB  3/12 files  98 MiB/s  ETA 6s",
// cut to `width` columns (0: no limit).
std::string render_progress(const transfer::ProgressState& state, std::size_t width = 0);

// The progress line on stderr, redrawn in place (one for the whole process).
transfer::ProgressView* stderr_progress();

// The one line printed at the end: "pushed 3 files (1.2 MiB) to ~/proj in 0.4 s (3.0 MiB/s);
// 4,997 unchanged; 2 deleted" (or "dry run: would send ..."; "nothing to do ...").
std::string summary_line(const transfer::Summary& summary);

// The summary as JSON (paths in display form, so always valid UTF-8):
// {"direction", "destination", "dry_run", "files_sent", "bytes_sent", "bytes_resumed",
//  "files_unchanged", "bytes_unchanged", "links", "dirs_created", "attrs_updated",
//  "deleted": [...], "plan": [...], "warnings": [...], "failures": [...], "verified",
//  "seconds", "bytes_per_second"}
nlohmann::json summary_json(const transfer::Summary& summary);

// Prints a transfer's outcome (plan or JSON on stdout, deletions, warnings, failures and the
// summary line on stderr) and returns the exit status: 1 when some files failed.
int report_outcome(const transfer::Summary& summary, const core::Context& ctx);

// True when `path` starts with this machine's home folder: what an unquoted ~/... on the
// command line becomes before ec2dl sees it.
bool looks_like_local_home(const std::string& path);

// The error with a hint to quote remote paths when one of them looks like the local shell
// expanded its ~ (put before the hint the error already has).
core::Error with_quoting_hint(core::Error error, const std::vector<std::string>& remote_paths);

// How push and pull report a failed transfer: with_quoting_hint, and for an interruption the
// hint that nothing is half-written and running the same command again finishes it.
core::Error transfer_failure(core::Error error, const std::vector<std::string>& remote_paths);

}  // namespace ec2dl::cli
