// Helpers shared by push and pull (not part of the public interface).
#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/sync.hpp"

namespace ec2dl::transfer::detail {

// The removals of a plan that are not inside another removal (rm -rf does the rest).
std::vector<std::string> topmost_removals(const Plan& plan);

// Copies the plan's listing and counts into the summary (before anything runs).
void describe_into(Summary& summary, const Plan& plan, const Layout& layout);

// Whether --delete would mirror a whole home folder (or "/") and must be refused.
bool mirrors_home(const Layout& layout, const std::string& dest_abs, const std::string& home);

// For --checksum: the SHA-256 of both sides of every same-size file pair (the server's
// side is the source for a pull, the destination for a push).
core::Result<std::pair<Hashes, Hashes>> checksum_hashes(ssh::Session& session, const Layout& layout,
                                                        const DestTree& tree,
                                                        bool remote_is_source);

// Plans (asking both sides for hashes first with --checksum), refuses a plan with problems
// (kind transfer), and fills the summary's listing and destination; for a dry run also the
// counts of what would be done.
core::Result<Plan> plan_into(Summary& summary, ssh::Session& session, const Layout& layout,
                             const DestTree& tree, const SyncOptions& options,
                             bool remote_is_source);

// Text for a list of problems: the first few, then "and N more".
std::string list_problems(const std::vector<std::string>& problems);

}  // namespace ec2dl::transfer::detail
