#include "ec2dl/transfer/sync.hpp"

#include <fmt/format.h>

#include <set>

#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/remote_files.hpp"

namespace ec2dl::transfer {

namespace {

// Copies the plan's listing and counts into the summary (before anything runs).
void describe_into(Summary& summary, const Plan& plan, const Layout& layout) {
  summary.plan = describe_plan(plan, layout);
  summary.files_unchanged = plan.files_unchanged;
  summary.bytes_unchanged = plan.bytes_unchanged;
  for (const auto& step : plan.steps) {
    if (step.action == Action::remove) {
      summary.deleted.push_back(
          display_path(layout.dest_root == "." ? step.rel : join_path(layout.dest_root, step.rel)));
    }
  }
  for (const auto& note : plan.notes) {
    summary.warnings.push_back(note);
  }
}

// For --checksum: the SHA-256 of both sides of every same-size file pair (the server's
// side is the source for a pull, the destination for a push).
core::Result<std::pair<Hashes, Hashes>> checksum_hashes(ssh::Session& session, const Layout& layout,
                                                        const DestTree& tree,
                                                        bool remote_is_source) {
  std::pair<Hashes, Hashes> hashes;
  auto& [source, dest] = hashes;
  const auto candidates = checksum_candidates(layout, tree);
  auto remote_path = [&](const SourceItem& item) {
    return remote_is_source ? item.source : join_path(layout.dest_root, item.rel);
  };
  auto local_path = [&](const SourceItem& item) {
    return remote_is_source ? join_path(layout.dest_root, item.rel) : item.source;
  };
  std::vector<std::string> paths;
  for (const auto i : candidates) {
    paths.push_back(remote_path(layout.items[i]));
  }
  EC2DL_TRY_ASSIGN(const auto remote, remote_hashes(session, paths));
  for (const auto i : candidates) {
    const auto& item = layout.items[i];
    if (auto h = remote.find(remote_path(item)); h != remote.end()) {
      (remote_is_source ? source : dest)[item.rel] = h->second;
    }
    if (auto local = sha256_file(local_path(item))) {
      (remote_is_source ? dest : source)[item.rel] = *local;
    }
  }
  return hashes;
}

}  // namespace

std::vector<std::string> topmost_removals(const Plan& plan) {
  std::set<std::string> kept;
  std::vector<std::string> out;
  for (const auto& step : plan.steps) {
    if (step.action != Action::remove) {
      continue;
    }
    bool inside = false;
    for (auto p = parent_path(step.rel); !p.empty() && p != "/"; p = parent_path(p)) {
      if (kept.contains(p)) {
        inside = true;
        break;
      }
    }
    if (!inside) {
      kept.insert(step.rel);
      out.push_back(step.rel);
    }
  }
  return out;
}

bool mirrors_home(const Layout& layout, const std::string& dest_abs, const std::string& home) {
  for (const auto& [folder, root] : layout.mirrored) {
    (void)root;
    if (!folder.empty()) {
      continue;
    }
    std::string d = dest_abs;
    while (d.size() > 1 && d.back() == '/') {
      d.pop_back();
    }
    if (d == "/" || (!home.empty() && d == home)) {
      return true;
    }
  }
  return false;
}

core::Result<Plan> plan_into(Summary& summary, ssh::Session& session, const Layout& layout,
                             const DestTree& tree, const SyncOptions& options,
                             bool remote_is_source) {
  std::pair<Hashes, Hashes> hashes;
  if (options.checksum) {
    EC2DL_TRY_ASSIGN(hashes, checksum_hashes(session, layout, tree, remote_is_source));
  }
  auto plan = make_plan(layout, tree, {options.delete_extra, options.checksum}, hashes.first,
                        hashes.second);
  if (!plan.problems.empty()) {
    return core::fail(core::ErrorKind::transfer,
                      fmt::format("{}: {}", summary.direction, list_problems(plan.problems)));
  }
  describe_into(summary, plan, layout);
  summary.destination =
      layout.renamed ? join_path(layout.dest_root, layout.items.front().rel) : layout.dest_root;
  if (options.dry_run) {
    summary.files_sent = plan.count(Action::send);
    summary.bytes_sent = plan.bytes_to_send;
    summary.links = plan.count(Action::link);
    summary.dirs_created = plan.count(Action::mkdir);
    summary.attrs_updated = plan.count(Action::attrs);
  }
  return plan;
}

std::string list_problems(const std::vector<std::string>& problems) {
  std::string text;
  const std::size_t shown = std::min<std::size_t>(problems.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) {
    text += (i == 0 ? "" : "; ") + problems[i];
  }
  if (problems.size() > shown) {
    text += fmt::format("; and {} more", problems.size() - shown);
  }
  return text;
}

}  // namespace ec2dl::transfer
