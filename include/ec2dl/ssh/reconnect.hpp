#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/target.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::ssh {

// True for failures a network outage or a server restart explains (kinds connect and
// timeout), which are worth retrying; false for auth, host key, usage and the rest.
bool is_transient(const core::Error& error);

struct RetryPolicy {
  int first_delay_ms = 1000;  // doubled after each failed attempt ...
  int max_delay_ms = 30000;   // ... up to this
  int give_up_after_s = 0;    // 0: keep trying until interrupted (blocking mode only)
};

// Keeps a session to one target across dropped links, for commands that can pick up where
// they stopped (a follow at a byte offset, a wait, a watch):
//
//   auto r = link.retry([&](Session& s) { return resumable_operation(s); });
//
// runs the operation (which keeps its own progress) on the session, reconnecting and
// running it again after each transient failure.
//
// It has two modes. A blocking one (tail -f, wait) retries transient failures inside
// session() with backoff until it connects, is interrupted or gives up. A fail-fast one (a
// watch, which must keep drawing and answering keys) tries once per call: while the link is
// down, session() fails at once (kind connect) with a message that says it is reconnecting,
// and a later call tries again once the backoff has passed.
class Reconnector {
 public:
  enum class Mode { blocking, fail_fast };
  using ConnectFn = std::function<core::Result<Session>()>;
  // Receives one-line notices ("connection to X lost: ...; reconnecting").
  using SayFn = std::function<void(std::string)>;

  // `connect` opens a session to `target` (named in notices; may be left empty when `say`
  // is); `say` may be empty (no notices).
  Reconnector(Mode mode, core::Target target, ConnectFn connect, RetryPolicy policy = {},
              SayFn say = {});

  // Starts from a session that is already open.
  void adopt(Session session);

  // The current session, connecting on first use. After a loss it reconnects first: blocking,
  // retrying transient failures with backoff; fail-fast, at most one attempt per backoff.
  core::Result<Session*> session();

  // After an operation failed: true when the failure is transient and the operation should
  // run again (the session is dropped; session() reconnects); false otherwise.
  bool recover(const core::Error& error);

  // Runs `op(session)` on the current session, and again after each transient failure (the
  // link reconnects first), until it succeeds or fails for good: session() then recover().
  // For operations that keep their own progress (a follow's offset) or can simply run
  // again (a listing). `op` returns a core::Result.
  template <class Op>
  auto retry(Op&& op) -> decltype(op(std::declval<Session&>())) {
    while (true) {
      EC2DL_TRY_ASSIGN(Session * current, session());
      auto result = op(*current);
      if (result || !recover(result.error())) {
        return result;
      }
    }
  }

  // The watch's form of recover(): drops the session after a transient failure of an
  // operation on it, and ignores errors that session() itself returned while down.
  void failed(const core::Error& error);

  // Blocking mode: session() stops retrying when the next attempt would start after
  // `monotonic_ms` (util::monotonic_ms time; 0: no such limit): it waits until then and
  // returns the last failure.
  // For a wait with a timeout, which must end at its deadline even while the link is down.
  void give_up_at(std::int64_t monotonic_ms) { m_give_up_at_ms = monotonic_ms; }

  // True once a connection was lost and not yet reopened.
  bool reconnecting() const { return m_lost; }

  // Waits up to timeout_ms for `fd` to be readable while the session's keepalive runs (a
  // plain poll while there is no session); returns whether it is. A failure of the session
  // meanwhile goes through failed() and is returned.
  core::Result<bool> wait(int fd, int timeout_ms);

  const core::Target& target() const { return m_target; }
  int reconnects() const { return m_reconnects; }

 private:
  core::Result<Session*> connect_blocking();
  core::Result<Session*> connect_once();
  void connected(Session session);

  Mode m_mode;
  core::Target m_target;
  ConnectFn m_connect;
  RetryPolicy m_policy;
  SayFn m_say;
  std::optional<Session> m_session;
  bool m_lost = false;
  int m_reconnects = 0;
  int m_attempts = 0;                  // failed attempts since the loss (fail-fast)
  std::int64_t m_next_attempt_ms = 0;  // no attempt before this (fail-fast)
  std::int64_t m_give_up_at_ms = 0;    // no attempt after this (blocking; 0: none)
};

}  // namespace ec2dl::ssh
