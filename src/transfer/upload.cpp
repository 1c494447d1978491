#include "ec2dl/transfer/upload.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "ec2dl/transfer/put.hpp"
#include "ec2dl/util/fs.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

core::Result<void> upload_file(ssh::Session& session, const std::string& local_path,
                               const std::string& remote_path) {
  util::UniqueFd fd(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return fail(ErrorKind::transfer, fmt::format("read {}: {}", local_path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(ErrorKind::transfer, fmt::format("{}: not a regular file", local_path));
  }
  PutOptions options;
  options.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  options.mtime = std::to_string(st.st_mtim.tv_sec);
  auto put = put_file(session, fd.get(), local_path, static_cast<std::uint64_t>(st.st_size),
                      remote_path, options, nullptr, nullptr);
  if (!put) {
    return std::unexpected(put.error());
  }
  if (put->shrank) {
    return fail(ErrorKind::transfer,
                fmt::format("{} changed while it was being sent; {} left unchanged", local_path,
                            remote_path));
  }
  return core::ok();
}

}  // namespace ec2dl::transfer
