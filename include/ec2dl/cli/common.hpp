#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/context.hpp"
#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/prompt.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::cli {

// Asks on the terminal and tells on stderr what connecting needs and learns (a passphrase,
// a new host key): the Prompter every command passes to ssh::Session::connect.
ssh::Prompter& prompter();

// Resolves the target, prints its config notes (-v) and opens an authenticated session.
core::Result<ssh::Session> connect(core::Context& ctx);

// Keeps `session` (opened by connect(ctx)) across dropped links, for what can pick up where
// it stopped (tail -f, wait, run -f): a blocking Reconnector that says what it does on
// stderr ("ec2dl: ...", silenced by -q) and reconnects until interrupted.
core::Result<ssh::Reconnector> keep_reconnected(core::Context& ctx, ssh::Session session);

// connect(ctx), whose failure is final (a wrong host or key is not retried), then
// keep_reconnected: the opening of tail and wait.
core::Result<ssh::Reconnector> connect_resumable(core::Context& ctx);

// The one connection a monitoring command (gpu, top, ps) uses for all its samples, a watch
// included: a fail-fast Reconnector over connect(ctx), so a watch keeps drawing and answering
// keys while it is down (retrying after 2, 4, 8, then every 10 s). The target is resolved
// by its first session(), which reports any error; its target() stays empty.
ssh::Reconnector make_monitor_link(core::Context& ctx);

// Prints "ec2dl: error: MESSAGE" (and "ec2dl: hint: HINT") on stderr; returns the exit status
// the error maps to.
int report(const core::Error& error);

// Reports every error (usage problems found together) and returns the last one's status.
int report_all(const std::vector<core::Error>& errors);

// Prints a warning or notice on stderr ("ec2dl: warning: ...").
void warn(const std::string& message);

// A command line to print for the user to paste: "ec2dl", the server and registry options this
// invocation was given (-H, -F, -p, -i, -l, --known-hosts, --remote-dir), then `words`, each
// word shell-quoted, so it reaches the same server and jobs when pasted into a shell.
std::string ec2dl_command(const core::Context& ctx, const std::vector<std::string>& words);

// The exit status table shown by --help and in the README.
std::string_view exit_status_table();

}  // namespace ec2dl::cli
