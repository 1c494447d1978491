#pragma once

#include <functional>
#include <optional>
#include <string>

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
  int give_up_after_s = 0;    // 0: keep trying until interrupted
};

// Called before each wait: the error that made the attempt fail, the attempt number (1 for
// the first retry) and the delay before the next attempt.
using RetryNotice = std::function<void(const core::Error& error, int attempt, int delay_ms)>;

// Connects, retrying transient failures with exponential backoff. Stops with the error on a
// non-transient failure, on Ctrl-C (kind interrupted), or when give_up_after_s has passed.
core::Result<Session> connect_with_retry(const core::Target& target, const RetryPolicy& policy,
                                         const RetryNotice& notice);

// Waits `ms` milliseconds unless interrupted; false when interrupted.
bool sleep_interruptible(int ms);

// Keeps a session to one target across dropped links, for commands that can pick up where
// they stopped (a follow at a byte offset, a wait, a watch):
//
//   while (true) {
//     auto s = link.session();            // connects (with backoff) when needed
//     if (!s) return error;
//     auto r = resumable_operation(**s);  // keeps its own progress
//     if (r || !link.recover(r.error())) break;
//   }
class Reconnector {
 public:
  // `say` receives one-line notices ("connection to X lost: ...; reconnecting in 2 s").
  Reconnector(core::Target target, RetryPolicy policy, std::function<void(std::string)> say);

  // Starts from a session that is already open.
  void adopt(Session session);

  // The current session; after a loss, reconnects first (retrying transient failures).
  core::Result<Session*> session();

  // After an operation failed: true when the failure is transient and the operation should
  // run again (the session is dropped; session() reconnects); false otherwise.
  bool recover(const core::Error& error);

  const core::Target& target() const { return m_target; }
  int reconnects() const { return m_reconnects; }

 private:
  core::Target m_target;
  RetryPolicy m_policy;
  std::function<void(std::string)> m_say;
  std::optional<Session> m_session;
  bool m_lost = false;
  int m_reconnects = 0;
};

}  // namespace ec2dl::ssh
