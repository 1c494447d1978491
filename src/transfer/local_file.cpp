#include "ec2dl/transfer/local_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

core::Error write_error(const std::string& path, int error_number) {
  if (error_number == ENOSPC || error_number == EDQUOT) {
    return core::Error(
        ErrorKind::transfer,
        fmt::format("disk full: write {}: {}", display_path(path), std::strerror(error_number)),
        "free some space (df -h .) and run the same command again");
  }
  return core::Error(ErrorKind::transfer,
                     fmt::format("write {}: {}", display_path(path), std::strerror(error_number)));
}

core::Result<LocalFile> LocalFile::create(const std::string& final_path) {
  static std::atomic<unsigned> counter{0};
  std::string dir = parent_path(final_path);
  if (dir.empty()) {
    dir.assign(1, '.');
  }
  const auto temp = join_path(dir, fmt::format(".ec2dl-tmp.{}.{}", ::getpid(), counter++));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(write_error(final_path, errno));
  }
  return LocalFile(final_path, temp, fd);
}

LocalFile::LocalFile(LocalFile&& other) noexcept
    : m_final(std::move(other.m_final)),
      m_temp(std::move(other.m_temp)),
      m_fd(std::move(other.m_fd)),
      m_done(other.m_done) {
  other.m_done = true;
}

LocalFile::~LocalFile() {
  if (!m_done) {
    m_fd.reset();
    ::unlink(m_temp.c_str());
  }
}

core::Result<void> LocalFile::write(std::string_view data) {
  if (const int err = util::write_all(m_fd.get(), data); err != 0) {
    return fail(write_error(m_final, err));
  }
  return core::ok();
}

core::Result<void> LocalFile::commit(std::uint32_t mode, std::int64_t mtime) {
  const timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(mtime), 0}};
  if (::fchmod(m_fd.get(), static_cast<mode_t>(mode & 07777)) != 0 ||
      ::futimens(m_fd.get(), times) != 0) {
    return fail(write_error(m_final, errno));
  }
  const int fd = m_fd.release();
  if (::close(fd) != 0) {
    return fail(write_error(m_final, errno));
  }
  if (::rename(m_temp.c_str(), m_final.c_str()) != 0) {
    return fail(write_error(m_final, errno));
  }
  m_done = true;
  return core::ok();
}

int remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? 0 : errno;
  }
  if (!S_ISDIR(st.st_mode)) {
    return ::unlink(path.c_str()) == 0 ? 0 : errno;
  }
  const auto names = util::list_dir(path);
  if (!names) {
    return errno;
  }
  for (const auto& name : *names) {
    if (const int err = remove_tree(path + "/" + name); err != 0) {
      return err;
    }
  }
  return ::rmdir(path.c_str()) == 0 ? 0 : errno;
}

void remove_stale_temps(const std::string& dir) {
  const auto names = util::list_dir(dir);
  if (!names) {
    return;
  }
  for (const auto& name : *names) {
    if (!name.starts_with(".ec2dl-tmp.")) {
      continue;
    }
    const auto rest = std::string_view(name).substr(11);
    const auto pid = util::parse_int(rest.substr(0, rest.find('.')));
    if (pid && *pid > 0 && *pid != ::getpid() && ::kill(static_cast<pid_t>(*pid), 0) != 0 &&
        errno == ESRCH) {
      ::unlink(join_path(dir, name).c_str());
    }
  }
}

int set_attrs(const std::string& path, std::uint32_t mode, std::int64_t mtime) {
  if (::chmod(path.c_str(), static_cast<mode_t>(mode & 07777)) != 0) {
    return errno;
  }
  const timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(mtime), 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    return errno;
  }
  return 0;
}

}  // namespace ec2dl::transfer
