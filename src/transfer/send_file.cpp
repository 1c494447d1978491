#include "ec2dl/transfer/send_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/remote_command.hpp"
#include "ec2dl/transfer/remote_files.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

namespace {

// Hashes the first `length` bytes of fd (without moving its offset).
core::Result<void> hash_prefix(int fd, std::uint64_t length, Sha256& hash, std::string& buffer) {
  std::uint64_t done = 0;
  while (done < length) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(length - done, buffer.size()));
    const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return fail(ErrorKind::transfer, "cannot read back the part of a file already sent");
    }
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    done += static_cast<std::uint64_t>(n);
  }
  return core::ok();
}

}  // namespace

core::Result<SendResult> send_file(ssh::Session& session, int fd, const std::string& name,
                                   std::uint64_t size, const std::string& dest,
                                   const SendOptions& options, Progress* progress,
                                   RateLimiter* limiter) {
  const auto what = fmt::format("push {}", display_path(dest));
  const auto mtime =
      options.mtime == "now" ? std::int64_t{0} : util::parse_int(options.mtime).value_or(0);
  const remote::ScriptCall call{remote::scripts::xfer_put,
                                {},
                                {{"dest", dest},
                                 {"part", part_name(dest, size, mtime)},
                                 {"size", std::to_string(size)},
                                 {"mode", fmt::format("{:o}", options.mode & 07777)},
                                 {"mtime", options.mtime},
                                 {"expect", options.expect}}};
  std::string header;  // the script's first line: "HAVE HASH"
  auto keep_header = [&header](std::string_view data) {
    if (header.size() < 4096) {
      header.append(data);
    }
  };
  EC2DL_TRY_ASSIGN(auto cmd, RemoteCommand::start(session, call, keep_header));
  while (header.find('\n') == std::string::npos) {
    EC2DL_TRY_ASSIGN(const bool open, cmd.pump(200));
    if (!open) {
      auto status = cmd.wait();
      return fail(remote_failure(what, status ? *status : ssh::ExitStatus{}, cmd.error_text()));
    }
  }
  const auto words = util::split(util::trim(header.substr(0, header.find('\n'))), ' ');
  const auto have = words.size() == 2 ? util::parse_uint(words[0]) : std::nullopt;
  if (!have) {
    return fail(ErrorKind::remote, "unexpected answer from the server to an upload");
  }
  std::string buffer(256 * 1024, '\0');
  SendResult result;
  Sha256 hash;
  if (*have > 0 && *have < size) {
    Sha256 prefix;
    if (hash_prefix(fd, *have, prefix, buffer) && prefix.hex() == words[1]) {
      result.resumed = *have;
    }
  }
  if (auto sent = cmd.write(std::to_string(result.resumed) + "\n"); !sent) {
    return fail(explain_write_failure(session, cmd, sent.error(), what));
  }
  if (options.hash && result.resumed > 0) {
    EC2DL_TRY(hash_prefix(fd, result.resumed, hash, buffer));
  }
  if (progress != nullptr) {
    progress->add_bytes(result.resumed);
  }
  std::uint64_t offset = result.resumed;
  while (offset < size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(size - offset, buffer.size()));
    const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorKind::transfer,
                  fmt::format("read {}: {}", display_path(name), std::strerror(errno)));
    }
    if (n == 0) {
      result.shrank = true;  // the server sees too few bytes and keeps nothing under the name
      break;
    }
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    if (limiter != nullptr) {
      limiter->consume(chunk.size());
    }
    if (auto sent = cmd.write(chunk); !sent) {
      return fail(explain_write_failure(session, cmd, sent.error(), what));
    }
    if (options.hash) {
      hash.update(chunk);
    }
    if (progress != nullptr) {
      progress->add_bytes(chunk.size());
    }
    offset += chunk.size();
  }
  EC2DL_TRY(cmd.close_input());
  EC2DL_TRY_ASSIGN(const auto status, cmd.wait());
  result.sent = offset - result.resumed;
  if (result.shrank) {
    return result;
  }
  const int code = status.shell_status();
  if (code == 6) {
    result.changed_meanwhile = true;
    return result;
  }
  if (code == 3) {
    return fail(
        ErrorKind::transfer,
        fmt::format("{}: the server received only part of the file; run again to resume", what));
  }
  if (code != 0) {
    return fail(remote_failure(what, status, cmd.error_text()));
  }
  if (options.hash) {
    result.sha256 = hash.hex();
  }
  return result;
}

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
  SendOptions options;
  options.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  options.mtime = std::to_string(st.st_mtim.tv_sec);
  EC2DL_TRY_ASSIGN(const auto sent,
                   send_file(session, fd.get(), local_path, static_cast<std::uint64_t>(st.st_size),
                             remote_path, options, nullptr, nullptr));
  if (sent.shrank) {
    return fail(ErrorKind::transfer,
                fmt::format("{} changed while it was being sent; {} left unchanged", local_path,
                            remote_path));
  }
  return core::ok();
}

}  // namespace ec2dl::transfer
