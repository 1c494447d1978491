#pragma once

#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::ssh {

// Runs a login shell (command empty) or `command` on a remote terminal wired to the local
// one: local terminal in raw mode, restored on every way out (return, error, signal); window
// size changes forwarded; TERM passed. Needs stdin and stdout to be terminals (kind usage
// error otherwise). Returns the remote status.
core::Result<ExitStatus> run_interactive(Session& session, const std::string& command);

}  // namespace ec2dl::ssh
