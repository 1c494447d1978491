#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec2dl::util {

// Writes all of `data` to fd, retrying on EINTR and short writes (waits on EAGAIN).
// Returns 0, or the errno of the failure (EPIPE when the reader went away).
int write_all(int fd, std::string_view data);

// Reads a whole local file; nullopt (and errno set) when it cannot be read. At most max_bytes.
std::optional<std::string> read_file(const std::filesystem::path& path,
                                     std::size_t max_bytes = 16u << 20);

// The names in a folder, without "." and "..", sorted; nullopt (and errno set) when it
// cannot be opened.
std::optional<std::vector<std::string>> list_dir(const std::string& path);

// The invoking user's home: $HOME when set and absolute, else the passwd entry.
std::string home_dir();

// Expands a leading "~" or "~/" with home_dir(); other paths are returned unchanged.
std::string expand_tilde(std::string_view path);

// Writes `contents` to `path` atomically: a temporary file in the same folder with `mode`,
// fsync'd, then renamed over `path`. Returns 0 or an errno; on failure nothing is left behind.
// An existing symlink is followed; an existing path that is not a regular file is refused
// (EINVAL), so a device such as /dev/null is never replaced.
int write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                      mode_t mode = 0600);

// A private (0600) temporary file removed when the owner goes out of scope.
class TempFile {
 public:
  // Creates the file in `dir` (default: $TMPDIR or /tmp) with the given name suffix.
  static std::optional<TempFile> create(std::string_view suffix = {},
                                        const std::filesystem::path& dir = {});
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  const std::filesystem::path& path() const { return m_path; }
  // Leaves the file in place when the owner dies (e.g. to keep an edited copy).
  void keep() { m_keep = true; }

 private:
  explicit TempFile(std::filesystem::path path) : m_path(std::move(path)) {}
  std::filesystem::path m_path;
  bool m_keep = false;
};

// A unique file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  int release() {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int m_fd = -1;
};

}  // namespace ec2dl::util
