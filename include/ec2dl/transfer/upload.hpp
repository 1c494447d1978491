#pragma once

#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::transfer {

// Streams one local file to `remote_path` over an exec channel, atomically: the bytes land
// under a temporary name in the destination folder and are renamed into place only when all
// of them arrived; mode and mtime are kept; missing parent folders are created. remote_path
// may start with "~/". Errors are kind transfer (or the session's connect/timeout kinds).
core::Result<void> upload_file(ssh::Session& session, const std::string& local_path,
                               const std::string& remote_path);

}  // namespace ec2dl::transfer
