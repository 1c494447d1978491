#include "ec2dl/util/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ec2dl/util/handle.hpp"

namespace ec2dl::util {

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 1000);
        continue;
      }
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

std::optional<std::vector<std::string>> list_dir(const std::string& path) {
  const CHandle<DIR*, ::closedir> dir{::opendir(path.c_str())};
  if (dir == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, std::min(static_cast<std::size_t>(n), max_bytes - out.size()));
  }
  return out;
}

std::string home_dir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return home;
  }
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* result = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  return "/";
}

std::string expand_tilde(std::string_view path) {
  if (path == "~") {
    return home_dir();
  }
  if (path.starts_with("~/")) {
    return home_dir() + std::string(path.substr(1));
  }
  return std::string(path);
}

int write_file_atomic(const std::filesystem::path& given, std::string_view contents, mode_t mode) {
  // Replace only regular files: a device such as /dev/null must never become a file, and a
  // symlink keeps pointing where it did (its target is replaced).
  std::filesystem::path path = given;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      path = std::filesystem::canonical(given, ec);
      if (ec) {
        return ec.value();
      }
      if (::stat(path.c_str(), &st) != 0) {
        return errno;
      }
    }
    if (!S_ISREG(st.st_mode)) {
      return EINVAL;
    }
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  const int raw = ::mkstemp(tmpl.data());
  if (raw < 0) {
    return errno;
  }
  UniqueFd fd(raw);
  auto cleanup = [&](int err) {
    ::unlink(tmpl.c_str());
    return err;
  };
  if (::fchmod(fd.get(), mode) != 0) {
    return cleanup(errno);
  }
  if (const int err = write_all(fd.get(), contents); err != 0) {
    return cleanup(err);
  }
  if (::fsync(fd.get()) != 0) {
    return cleanup(errno);
  }
  fd.reset();
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    return cleanup(errno);
  }
  return 0;
}

std::optional<TempFile> TempFile::create(std::string_view suffix,
                                         const std::filesystem::path& dir) {
  std::filesystem::path base = dir;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = (tmpdir != nullptr && tmpdir[0] != '\0') ? tmpdir : "/tmp";
  }
  std::string tmpl = (base / "ec2dl-XXXXXX").string() + std::string(suffix);
  const mode_t old = ::umask(077);
  const int fd = ::mkstemps(tmpl.data(), static_cast<int>(suffix.size()));
  ::umask(old);
  if (fd < 0) {
    return std::nullopt;
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  return TempFile(tmpl);
}

TempFile::TempFile(TempFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_keep(other.m_keep) {
  other.m_path.clear();
}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (!m_path.empty() && !m_keep) {
      ::unlink(m_path.c_str());
    }
    m_path = std::move(other.m_path);
    m_keep = other.m_keep;
    other.m_path.clear();
  }
  return *this;
}

TempFile::~TempFile() {
  if (!m_path.empty() && !m_keep) {
    ::unlink(m_path.c_str());
  }
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset(other.release());
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  reset();
}

void UniqueFd::reset(int fd) {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  m_fd = fd;
}

}  // namespace ec2dl::util
