#pragma once

#include <cstdint>
#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/transfer/progress.hpp"

namespace ec2dl::transfer {

struct SendOptions {
  std::uint32_t mode = 0644;
  std::string mtime = "now";  // epoch seconds, or "now"
  // "" to replace whatever is there; the SHA-256 the destination must still have; or
  // "absent" when it must not exist yet (see xfer_put.sh).
  std::string expect;
  bool hash = false;  // compute the SHA-256 of the whole file sent (for --verify)
};

struct SendResult {
  std::uint64_t sent = 0;          // bytes sent this time
  std::uint64_t resumed = 0;       // bytes an earlier, interrupted run had already sent
  std::string sha256;              // with SendOptions::hash
  bool changed_meanwhile = false;  // the destination no longer matched `expect`: not replaced
  bool shrank = false;             // the local file got shorter while read: not replaced
};

// Streams `size` bytes of the open local file `fd` to `dest` on the server over one exec
// channel (xfer_put.sh): written to a partial file beside dest, renamed over it only when
// complete, with `mode` and `mtime`. A partial file left by an interrupted run is resumed
// when the SHA-256 of its bytes matches the local file's first bytes. `name` is the local
// path, for messages. Progress and limiter may be null.
core::Result<SendResult> send_file(ssh::Session& session, int fd, const std::string& name,
                                   std::uint64_t size, const std::string& dest,
                                   const SendOptions& options, Progress* progress,
                                   RateLimiter* limiter);

// send_file for a local file named by its path, keeping its mode and mtime: the bytes land
// under a temporary name in the destination folder and are renamed into place only when all
// of them arrived; missing parent folders are created. remote_path may start with "~/".
// Errors are kind transfer (or the session's connect/timeout kinds), also when the file
// changed while it was sent.
core::Result<void> upload_file(ssh::Session& session, const std::string& local_path,
                               const std::string& remote_path);

}  // namespace ec2dl::transfer
