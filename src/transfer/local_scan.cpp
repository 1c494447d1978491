#include "ec2dl/transfer/local_scan.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "ec2dl/util/fs.hpp"

namespace ec2dl::transfer {

using remote::FileInfo;
using remote::FileType;

FileInfo file_info_from_stat(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) {
    info.type = FileType::file;
    info.size = static_cast<std::uint64_t>(st.st_size);
  } else if (S_ISDIR(st.st_mode)) {
    info.type = FileType::dir;
  } else if (S_ISLNK(st.st_mode)) {
    info.type = FileType::symlink;
  } else {
    info.type = FileType::other;
  }
  info.mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  info.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  return info;
}

namespace {

std::string read_link(const std::string& path) {
  std::string target(256, '\0');
  while (true) {
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) {
      return {};
    }
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

class Scanner {
 public:
  Scanner(const ScanOptions& options, LocalScan& out) : m_options(options), m_out(out) {}

  // Describes `path` (as rel); returns false when it does not exist.
  bool describe(const std::string& path, const std::string& rel, FileInfo& info, struct stat& st) {
    int rc = m_options.follow_symlinks ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
    if (rc != 0 && m_options.follow_symlinks && (errno == ENOENT || errno == ELOOP)) {
      rc = ::lstat(path.c_str(), &st);  // a dangling link is copied as the link it is
    }
    if (rc != 0) {
      if (rel.empty()) {
        m_out.error_number = errno;
      } else {
        m_out.errors.push_back(fmt::format("{}: {}", path, std::strerror(errno)));
      }
      return false;
    }
    info = file_info_from_stat(st);
    if (info.type == FileType::symlink) {
      info.link = read_link(path);
      info.size = info.link.size();
    }
    return true;
  }

  void walk(const std::string& path, const std::string& rel, const struct stat& st) {
    if (m_options.follow_symlinks) {
      const auto key = std::make_pair(st.st_dev, st.st_ino);
      if (!m_active.insert(key).second) {
        m_out.errors.push_back(fmt::format("{}: symlink loop, skipped", path));
        return;
      }
    }
    const auto listed = util::list_dir(path);
    if (!listed) {
      m_out.errors.push_back(fmt::format("{}: {}", path, std::strerror(errno)));
      m_out.complete = false;
      if (m_options.follow_symlinks) {
        m_active.erase(std::make_pair(st.st_dev, st.st_ino));
      }
      return;
    }
    std::vector<std::string> names;
    for (const auto& name : *listed) {
      if (name.starts_with(".ec2dl-tmp.") || name.starts_with(".ec2dl-part.") ||
          name.starts_with(".ec2dl-stage.")) {
        m_out.leftovers.push_back(path + "/" + name);
        continue;
      }
      names.push_back(name);
    }
    if (m_options.rules != nullptr && m_options.read_ignore_files &&
        std::binary_search(names.begin(), names.end(), std::string(".ec2dlignore"))) {
      const auto text = util::read_file(path + "/.ec2dlignore", 64 * 1024);
      if (text) {
        m_options.rules->add_file(rel, *text);
      }
    }
    for (const auto& name : names) {
      const auto child = path + "/" + name;
      const auto child_rel = rel.empty() ? name : rel + "/" + name;
      FileInfo info;
      struct stat cst {};
      if (!describe(child, child_rel, info, cst)) {
        continue;
      }
      const bool is_dir = info.type == FileType::dir;
      if (m_options.rules != nullptr && m_options.rules->matches(child_rel, is_dir)) {
        continue;
      }
      m_out.entries.push_back(remote::ManifestEntry{child_rel, info});
      if (is_dir) {
        walk(child, child_rel, cst);
      }
    }
    if (m_options.follow_symlinks) {
      m_active.erase(std::make_pair(st.st_dev, st.st_ino));
    }
  }

 private:
  const ScanOptions& m_options;
  LocalScan& m_out;
  std::set<std::pair<dev_t, ino_t>> m_active;  // folders being walked (loop detection)
};

}  // namespace

LocalScan scan_local(const std::string& path, const ScanOptions& options) {
  LocalScan out;
  Scanner scanner(options, out);
  FileInfo info;
  struct stat st {};
  if (!scanner.describe(path, "", info, st)) {
    return out;
  }
  out.found = true;
  out.entries.push_back(remote::ManifestEntry{"", info});
  if (options.recursive && info.type == FileType::dir) {
    std::string base = path;
    while (base.size() > 1 && base.back() == '/') {
      base.pop_back();
    }
    scanner.walk(base, "", st);
  }
  if (!out.errors.empty()) {
    out.complete = false;
  }
  return out;
}

}  // namespace ec2dl::transfer
