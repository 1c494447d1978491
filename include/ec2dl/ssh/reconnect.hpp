#pragma once

#include <functional>

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

}  // namespace ec2dl::ssh
