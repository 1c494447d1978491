#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/target.hpp"
#include "ec2dl/ssh/handles.hpp"
#include "ec2dl/ssh/prompt.hpp"

namespace ec2dl::ssh {

// Sets libssh's own logging to follow ec2dl's verbosity (0: off, 2: protocol at -vv).
void configure_libssh_logging(int verbosity);

// One authenticated ssh connection to a target. Move-only; channels opened on it must be
// destroyed before it. All calls must come from the thread that made it.
class Session {
 public:
  // Connects, checks the host key against known_hosts under the target's policy, and
  // authenticates (agent, then identity files), asking and telling through `prompter` (it
  // is not kept). Errors carry kind connect, host_key or auth.
  static core::Result<Session> connect(const core::Target& target, Prompter& prompter);

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  ssh_session raw() const;
  const core::Target& target() const;

  // Processes incoming traffic for up to timeout_ms, dispatching channel callbacks, and runs
  // the keepalive. Fails (kind timeout) when the server stopped answering keepalives,
  // (kind connect) when the connection dropped, and (kind interrupted) on SIGINT/SIGTERM.
  core::Result<void> poll(int timeout_ms);

  // Like poll(), but also wakes when `fd` is readable; returns whether it is.
  core::Result<bool> poll_with_fd(int fd, int timeout_ms);

  // The error to report for a failed libssh call on this session: a dropped connection is
  // kind connect ("connection to HOST lost"), otherwise `kind` with libssh's message.
  core::Error error(core::ErrorKind kind, std::string_view what) const;

  // True while the transport is up.
  bool connected() const;

 private:
  struct State;
  explicit Session(std::unique_ptr<State> state);
  core::Result<void> keepalive_tick();
  std::unique_ptr<State> m_state;
};

}  // namespace ec2dl::ssh
