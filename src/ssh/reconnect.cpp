#include "ec2dl/ssh/reconnect.hpp"

#include <poll.h>

#include <algorithm>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::ssh {

bool is_transient(const core::Error& error) {
  return error.kind() == core::ErrorKind::connect || error.kind() == core::ErrorKind::timeout;
}

bool sleep_interruptible(int ms) {
  const auto deadline = util::monotonic_ms() + ms;
  while (!core::interrupted()) {
    const auto left = deadline - util::monotonic_ms();
    if (left <= 0) {
      return true;
    }
    pollfd p{core::interrupt_fd(), POLLIN, 0};
    ::poll(&p, p.fd >= 0 ? 1 : 0, static_cast<int>(std::min<std::int64_t>(left, 200)));
  }
  return false;
}

core::Result<Session> connect_with_retry(const core::Target& target, const RetryPolicy& policy,
                                         const RetryNotice& notice) {
  const auto start = util::monotonic_ms();
  int delay = policy.first_delay_ms;
  for (int attempt = 1;; ++attempt) {
    auto session = Session::connect(target);
    if (session || !is_transient(session.error())) {
      return session;
    }
    if (policy.give_up_after_s > 0 &&
        util::monotonic_ms() - start + delay >
            static_cast<std::int64_t>(policy.give_up_after_s) * 1000) {
      return session;
    }
    if (notice) {
      notice(session.error(), attempt, delay);
    }
    if (!sleep_interruptible(delay)) {
      return core::fail(core::ErrorKind::interrupted, "interrupted");
    }
    delay = std::min(delay * 2, policy.max_delay_ms);
  }
}

}  // namespace ec2dl::ssh
