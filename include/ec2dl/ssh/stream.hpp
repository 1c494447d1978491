#pragma once

#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::ssh {

struct StreamOptions {
  int stdin_fd = -1;  // forwarded to the command until EOF; -1: the command gets EOF at once
  int stdout_fd = 1;
  int stderr_fd = 2;
  bool pty = false;  // ask for a terminal (exec -t)
  PtyOptions pty_options;
};

// Runs `command` with its stdout and stderr copied to local fds as they arrive (constant
// memory) and local stdin forwarded. On SIGINT/SIGTERM the remote command is signalled and
// the error is kind interrupted. A local stdout that went away (EPIPE) ends the command and
// gives status 141, as a shell pipeline would.
core::Result<ExitStatus> run_streaming(Session& session, const std::string& command,
                                       const StreamOptions& options);

}  // namespace ec2dl::ssh
