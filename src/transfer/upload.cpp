#include "ec2dl/transfer/upload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

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
  const auto command = remote::sh_command(remote::script("upload_file"),
                                          {remote_path, fmt::format("{:o}", st.st_mode & 07777),
                                           std::to_string(st.st_mtime), std::to_string(st.st_size)},
                                          "ec2dl-upload");
  std::string remote_err;
  auto channel = ssh::Channel::exec(session, command, [&](std::string_view data, bool is_stderr) {
    if (is_stderr && remote_err.size() < 4096) {
      remote_err.append(data);
    }
  });
  if (!channel) {
    return std::unexpected(channel.error());
  }
  std::string buffer(256 * 1024, '\0');
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorKind::transfer,
                  fmt::format("read {}: {}", local_path, std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    EC2DL_TRY(channel->write(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
  }
  EC2DL_TRY(channel->send_eof());
  auto status = channel->wait();
  if (!status) {
    return std::unexpected(status.error());
  }
  if (status->shell_status() != 0) {
    return fail(ErrorKind::transfer,
                fmt::format("upload {} to {}: {}", local_path, remote_path,
                            remote_err.empty() ? "failed on the server"
                                               : std::string(util::trim(remote_err))));
  }
  return core::ok();
}

}  // namespace ec2dl::transfer
