#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"
#include "ec2dl/util/fs.hpp"

namespace ec2dl::transfer {

// A local file being written under a temporary name in its destination folder
// (".ec2dl-tmp.PID.N"), renamed over the final name only by commit(); removed on every
// other way out.
class LocalFile {
 public:
  static core::Result<LocalFile> create(const std::string& final_path);
  LocalFile(LocalFile&& other) noexcept;
  LocalFile& operator=(LocalFile&&) = delete;
  LocalFile(const LocalFile&) = delete;
  ~LocalFile();

  // Fails (kind transfer) on a write error; a full disk says so.
  core::Result<void> write(std::string_view data);
  // Sets mode and mtime, flushes, and renames the file into place.
  core::Result<void> commit(std::uint32_t mode, std::int64_t mtime);

 private:
  LocalFile(std::string final_path, std::string temp_path, int fd)
      : m_final(std::move(final_path)), m_temp(std::move(temp_path)), m_fd(fd) {}
  std::string m_final;
  std::string m_temp;
  util::UniqueFd m_fd;
  bool m_done = false;
};

// The error for a failed local write: "disk full: write PATH: ..." with a hint on ENOSPC.
core::Error write_error(const std::string& path, int error_number);

// Removes a path and, for a folder, everything inside it (symlinks are removed, never
// followed). Returns 0 or an errno.
int remove_tree(const std::string& path);

// Removes ".ec2dl-tmp.PID.*" files in `dir` left by ec2dl processes that are gone.
void remove_stale_temps(const std::string& dir);

// Sets a local file's permission bits and mtime (not following a final symlink).
int set_attrs(const std::string& path, std::uint32_t mode, std::int64_t mtime);

}  // namespace ec2dl::transfer
