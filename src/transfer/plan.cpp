#include "ec2dl/transfer/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace ec2dl::transfer {

std::string join_path(std::string_view folder, std::string_view name) {
  if (folder.empty()) {
    return std::string(name);
  }
  if (name.empty()) {
    return std::string(folder);
  }
  if (folder.back() == '/') {
    return std::string(folder) + std::string(name);
  }
  return std::string(folder) + "/" + std::string(name);
}

namespace {

std::string_view strip_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  return path;
}

bool is_under(std::string_view rel, std::string_view folder) {
  if (folder.empty()) {
    return !rel.empty();
  }
  return rel.size() > folder.size() && rel.starts_with(folder) && rel[folder.size()] == '/';
}

bool valid_rel(std::string_view rel) {
  if (rel.empty() || rel.front() == '/' || rel.back() == '/') {
    return false;
  }
  std::size_t start = 0;
  while (start <= rel.size()) {
    auto end = rel.find('/', start);
    if (end == std::string_view::npos) {
      end = rel.size();
    }
    const auto part = rel.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string base_name(std::string_view path) {
  path = strip_trailing_slashes(path);
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos || path == "/") {
    return std::string(path);
  }
  return std::string(path.substr(slash + 1));
}

std::string parent_path(std::string_view path) {
  path = strip_trailing_slashes(path);
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return "";
  }
  if (slash == 0) {
    return "/";
  }
  return std::string(path.substr(0, slash));
}

bool wants_contents(std::string_view operand) {
  if (operand.empty()) {
    return false;
  }
  if (operand.back() == '/') {
    return true;
  }
  const auto name = base_name(operand);
  return name == "." || name == "..";
}

Layout make_layout(const std::vector<SourceRoot>& roots, std::string_view dest, bool dest_is_dir,
                   bool dest_exists) {
  Layout layout;
  const bool dest_slash = !dest.empty() && dest.back() == '/';
  const std::size_t found = static_cast<std::size_t>(std::count_if(
      roots.begin(), roots.end(), [](const SourceRoot& r) { return !r.entries.empty(); }));
  if (found == 1 && !dest_slash && !dest_is_dir) {
    const auto& root = *std::find_if(roots.begin(), roots.end(),
                                     [](const SourceRoot& r) { return !r.entries.empty(); });
    if (root.entries.front().info.type != FileType::dir) {
      layout.renamed = true;
      const auto parent = parent_path(dest);
      layout.dest_root = parent.empty() ? "." : parent;
      SourceItem item;
      item.rel = base_name(dest);
      item.source = root.path;
      item.info = root.entries.front().info;
      item.root = static_cast<std::size_t>(&root - roots.data());
      layout.items.push_back(std::move(item));
      return layout;
    }
  }
  layout.dest_root = std::string(strip_trailing_slashes(dest));
  if (dest_exists && !dest_is_dir) {
    layout.problems.push_back(
        fmt::format("{} exists and is not a folder", display_path(layout.dest_root)));
    return layout;
  }
  for (std::size_t r = 0; r < roots.size(); ++r) {
    const auto& root = roots[r];
    if (root.entries.empty()) {
      continue;
    }
    const auto& top = root.entries.front();
    std::string prefix;
    if (root.contents && top.info.type == FileType::dir) {
      layout.mirrored.emplace_back("", r);
    } else {
      prefix = base_name(root.path);
      SourceItem item;
      item.rel = prefix;
      item.source = root.path;
      item.info = top.info;
      item.root = r;
      layout.items.push_back(std::move(item));
      if (top.info.type == FileType::dir) {
        layout.mirrored.emplace_back(prefix, r);
      }
    }
    for (std::size_t e = 1; e < root.entries.size(); ++e) {
      const auto& entry = root.entries[e];
      if (root.rules.excluded(entry.rel, entry.info.type == FileType::dir)) {
        continue;
      }
      SourceItem item;
      item.rel = join_path(prefix, entry.rel);
      item.source = join_path(root.path, entry.rel);
      item.info = entry.info;
      item.root = r;
      item.rel_in_root = entry.rel;
      layout.items.push_back(std::move(item));
    }
  }
  return layout;
}

std::size_t Plan::count(Action action) const {
  return static_cast<std::size_t>(std::count_if(
      steps.begin(), steps.end(), [action](const Step& s) { return s.action == action; }));
}

std::vector<std::size_t> checksum_candidates(const Layout& layout, const DestTree& dest) {
  std::vector<std::size_t> result;
  for (std::size_t i = 0; i < layout.items.size(); ++i) {
    const auto& item = layout.items[i];
    if (item.info.type != FileType::file) {
      continue;
    }
    const auto d = dest.find(item.rel);
    if (d != dest.end() && d->second.type == FileType::file && d->second.size == item.info.size) {
      result.push_back(i);
    }
  }
  return result;
}

Plan make_plan(const Layout& layout, const DestTree& dest, const PlanOptions& options,
               const Hashes& source_hashes, const Hashes& dest_hashes) {
  Plan plan;
  std::map<std::string, FileType> source_types;
  std::vector<Step> removes;
  std::vector<Step> mkdirs;
  std::vector<Step> transfers;
  std::vector<Step> attrs;
  std::set<std::string> changed_dirs;          // folders whose entries change
  std::map<std::string, std::string> dir_why;  // folders whose own attributes must be set
  std::set<std::string> removed;

  auto remove_tree = [&](const std::string& rel) {
    if (!removed.insert(rel).second) {
      return;
    }
    removes.push_back(Step{Action::remove, 0, rel, ""});
    for (auto it = dest.upper_bound(rel); it != dest.end() && is_under(it->first, rel); ++it) {
      if (removed.insert(it->first).second) {
        removes.push_back(Step{Action::remove, 0, it->first, ""});
      }
    }
    changed_dirs.insert(parent_path(rel));
  };

  for (std::size_t i = 0; i < layout.items.size(); ++i) {
    const auto& item = layout.items[i];
    const auto& rel = item.rel;
    if (!valid_rel(rel)) {
      plan.problems.push_back(fmt::format("refusing the malformed path '{}'", display_path(rel)));
      continue;
    }
    const auto parent = parent_path(rel);
    if (!parent.empty()) {
      const auto p = source_types.find(parent);
      if (p == source_types.end() || p->second != FileType::dir) {
        plan.problems.push_back(fmt::format("refusing '{}': its folder is not part of the transfer",
                                            display_path(rel)));
        continue;
      }
    }
    if (!source_types.emplace(rel, item.info.type).second) {
      plan.problems.push_back(
          fmt::format("two sources would both be written to '{}'", display_path(rel)));
      continue;
    }
    const auto d = dest.find(rel);
    const FileInfo* there = d == dest.end() ? nullptr : &d->second;
    const auto& info = item.info;

    if (info.type == FileType::other) {
      plan.notes.push_back(fmt::format("skipping '{}': not a regular file, folder or symlink",
                                       display_path(item.source)));
      continue;
    }
    if (info.type == FileType::dir) {
      if (there == nullptr || there->type != FileType::dir) {
        if (there != nullptr) {
          remove_tree(rel);
        }
        mkdirs.push_back(Step{Action::mkdir, i, rel, "new"});
        changed_dirs.insert(parent);
        dir_why[rel] = "new";
      } else if (there->mode != info.mode) {
        dir_why[rel] = "mode";
      } else if (there->mtime != info.mtime) {
        dir_why[rel] = "mtime";
      }
      continue;
    }
    // A file or a symlink.
    if (there != nullptr && there->type == FileType::dir) {
      if (!options.delete_extra) {
        plan.problems.push_back(fmt::format(
            "'{}' is a folder on the destination but not in the source (--delete replaces it)",
            display_path(rel)));
        continue;
      }
      remove_tree(rel);
      there = nullptr;
    }
    if (info.type == FileType::symlink) {
      if (there != nullptr && there->type == FileType::symlink && there->link == info.link) {
        ++plan.files_unchanged;
        continue;
      }
      transfers.push_back(Step{Action::link, i, rel, there == nullptr ? "new" : "target"});
      changed_dirs.insert(parent);
      continue;
    }
    std::string why;
    if (there == nullptr) {
      why = "new";
    } else if (there->type != FileType::file) {
      why = "type";
    } else if (there->size != info.size) {
      why = "size";
    } else if (options.checksum) {
      const auto s = source_hashes.find(rel);
      const auto h = dest_hashes.find(rel);
      if (s == source_hashes.end() || h == dest_hashes.end() || s->second != h->second) {
        why = "content";
      }
    } else if (there->mtime != info.mtime) {
      why = "mtime";
    }
    if (!why.empty()) {
      transfers.push_back(Step{Action::send, i, rel, why});
      plan.bytes_to_send += info.size;
      changed_dirs.insert(parent);
      continue;
    }
    ++plan.files_unchanged;
    plan.bytes_unchanged += info.size;
    if (there->mode != info.mode || there->mtime != info.mtime) {
      attrs.push_back(Step{Action::attrs, i, rel, there->mode != info.mode ? "mode" : "mtime"});
    }
  }

  if (options.delete_extra) {
    for (const auto& [folder, root] : layout.mirrored) {
      (void)root;
      for (auto it = folder.empty() ? dest.begin() : dest.upper_bound(folder); it != dest.end();
           ++it) {
        if (!folder.empty() && !is_under(it->first, folder)) {
          break;
        }
        if (!source_types.contains(it->first) && !removed.contains(it->first)) {
          remove_tree(it->first);
        }
      }
    }
  }

  std::sort(removes.begin(), removes.end(),
            [](const Step& a, const Step& b) { return a.rel < b.rel; });
  plan.steps = std::move(removes);
  plan.steps.insert(plan.steps.end(), mkdirs.begin(), mkdirs.end());
  plan.steps.insert(plan.steps.end(), transfers.begin(), transfers.end());
  plan.steps.insert(plan.steps.end(), attrs.begin(), attrs.end());
  // Folders last, deepest first, once everything inside them is in place.
  for (std::size_t i = layout.items.size(); i-- > 0;) {
    const auto& item = layout.items[i];
    if (item.info.type != FileType::dir || !source_types.contains(item.rel)) {
      continue;
    }
    const auto why = dir_why.find(item.rel);
    if (why != dir_why.end()) {
      plan.steps.push_back(Step{Action::dir_attrs, i, item.rel, why->second});
    } else if (changed_dirs.contains(item.rel)) {
      plan.steps.push_back(Step{Action::dir_attrs, i, item.rel, ""});
    }
  }
  return plan;
}

std::string display_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  std::size_t i = 0;
  while (i < path.size()) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (c == '\n') {
      out += "\\n";
      ++i;
      continue;
    }
    if (c == '\t') {
      out += "\\t";
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A UTF-8 sequence is kept when it is valid (and not a C1 control), else escaped.
    std::size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (c >= 0xf5) {
      len = 0;
    }
    bool ok = len > 0 && i + len <= path.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(path[i + k]) & 0xc0) == 0x80;
    }
    if (ok && len == 2 && c == 0xc2 && static_cast<unsigned char>(path[i + 1]) < 0xa0) {
      ok = false;  // U+0080..U+009F: C1 controls
    }
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(path[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(path[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    out.append(path.substr(i, len));
    i += len;
  }
  return out;
}

std::vector<PlanEntry> describe_plan(const Plan& plan, const Layout& layout) {
  std::vector<PlanEntry> entries;
  for (const auto& step : plan.steps) {
    PlanEntry entry;
    entry.action = step.action;
    entry.path = display_path(step.rel);
    if (step.action != Action::remove) {
      const auto& info = layout.items[step.item].info;
      entry.size = step.action == Action::send ? info.size : 0;
      entry.mode = info.mode;
      if (step.action == Action::link) {
        entry.target = display_path(info.link);
      }
    }
    if (step.action == Action::send || step.action == Action::attrs ||
        step.action == Action::dir_attrs) {
      entry.why = step.why;
    }
    if (step.action == Action::dir_attrs && step.why != "mode" && step.why != "mtime") {
      continue;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace ec2dl::transfer
