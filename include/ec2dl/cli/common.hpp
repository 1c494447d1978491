#pragma once

#include <string>

#include "ec2dl/core/context.hpp"
#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::cli {

// Resolves the target and opens an authenticated session to it.
core::Result<ssh::Session> connect(core::Context& ctx);

// A Reconnector for the context's target that says what it does on stderr ("ec2dl: ...",
// silenced by -q) and retries until interrupted. Fails when the target cannot be resolved.
core::Result<ssh::Reconnector> make_reconnector(core::Context& ctx);

// Prints "ec2dl: error: MESSAGE" (and "ec2dl: hint: HINT") on stderr; returns the exit status
// the error maps to.
int report(const core::Error& error);

// Prints a warning or notice on stderr ("ec2dl: warning: ...").
void warn(const std::string& message);

// The exit status table shown by --help and in the README.
std::string_view exit_status_table();

}  // namespace ec2dl::cli
