#include "ec2dl/ssh/reconnect.hpp"

#include <poll.h>

#include <algorithm>

#include <fmt/format.h>

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

Reconnector::Reconnector(core::Target target, RetryPolicy policy,
                         std::function<void(std::string)> say)
    : m_target(std::move(target)), m_policy(policy), m_say(std::move(say)) {}

void Reconnector::adopt(Session session) {
  m_session.emplace(std::move(session));
  m_lost = false;
}

core::Result<Session*> Reconnector::session() {
  if (m_session) {
    return &*m_session;
  }
  auto session = connect_with_retry(
      m_target, m_policy, [this](const core::Error& error, int attempt, int delay_ms) {
        if (m_say) {
          m_say(fmt::format("cannot reach {} yet ({}); retrying in {} s (attempt {})",
                            m_target.display(), error.message(), (delay_ms + 999) / 1000,
                            attempt + 1));
        }
      });
  if (!session) {
    return std::unexpected(session.error());
  }
  m_session.emplace(std::move(*session));
  if (m_lost) {
    ++m_reconnects;
    m_lost = false;
    if (m_say) {
      m_say(fmt::format("reconnected to {}", m_target.display()));
    }
  }
  return &*m_session;
}

bool Reconnector::recover(const core::Error& error) {
  if (!is_transient(error)) {
    return false;
  }
  m_session.reset();
  m_lost = true;
  if (m_say) {
    m_say(fmt::format("{}; reconnecting", error.message()));
  }
  return true;
}

}  // namespace ec2dl::ssh
