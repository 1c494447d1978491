#include "ec2dl/ssh/reconnect.hpp"

#include <poll.h>

#include <algorithm>

#include <fmt/format.h>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::ssh {

namespace {

// Waits `ms` milliseconds unless interrupted; false when interrupted.
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

int backoff_ms(const RetryPolicy& policy, int attempt) {
  std::int64_t delay = policy.first_delay_ms;
  for (int i = 1; i < attempt && delay < policy.max_delay_ms; ++i) {
    delay *= 2;
  }
  return static_cast<int>(std::min<std::int64_t>(delay, policy.max_delay_ms));
}

}  // namespace

bool is_transient(const core::Error& error) {
  return error.kind() == core::ErrorKind::connect || error.kind() == core::ErrorKind::timeout;
}

Reconnector::Reconnector(Mode mode, core::Target target, ConnectFn connect, RetryPolicy policy,
                         SayFn say)
    : m_mode(mode),
      m_target(std::move(target)),
      m_connect(std::move(connect)),
      m_policy(policy),
      m_say(std::move(say)) {}

void Reconnector::adopt(Session session) {
  m_session.emplace(std::move(session));
  m_lost = false;
}

core::Result<Session*> Reconnector::session() {
  if (m_session) {
    return &*m_session;
  }
  return m_mode == Mode::blocking ? connect_blocking() : connect_once();
}

core::Result<Session*> Reconnector::connect_blocking() {
  const auto start = util::monotonic_ms();
  for (int attempt = 1;; ++attempt) {
    auto session = m_connect();
    if (session) {
      connected(std::move(*session));
      return &*m_session;
    }
    const int delay = backoff_ms(m_policy, attempt);
    const auto now = util::monotonic_ms();
    if (!is_transient(session.error()) ||
        (m_policy.give_up_after_s > 0 &&
         now - start + delay > static_cast<std::int64_t>(m_policy.give_up_after_s) * 1000) ||
        (m_give_up_at_ms > 0 && now + delay > m_give_up_at_ms)) {
      if (is_transient(session.error()) && m_give_up_at_ms > now &&
          !sleep_interruptible(static_cast<int>(m_give_up_at_ms - now))) {
        return core::fail(core::ErrorKind::interrupted, "interrupted");
      }
      return std::unexpected(session.error());
    }
    if (m_say) {
      m_say(fmt::format("cannot reach {} yet ({}); retrying in {} s (attempt {})",
                        m_target.display(), session.error().message(), (delay + 999) / 1000,
                        attempt + 1));
    }
    if (!sleep_interruptible(delay)) {
      return core::fail(core::ErrorKind::interrupted, "interrupted");
    }
  }
}

core::Result<Session*> Reconnector::connect_once() {
  const auto now = util::monotonic_ms();
  if (m_lost && now < m_next_attempt_ms) {
    return core::fail(core::ErrorKind::connect,
                      fmt::format("connection lost; reconnecting in {} s (attempt {})",
                                  (m_next_attempt_ms - now + 999) / 1000, m_attempts + 1));
  }
  auto session = m_connect();
  if (session) {
    connected(std::move(*session));
    return &*m_session;
  }
  if (m_lost && is_transient(session.error())) {
    ++m_attempts;
    const int delay = backoff_ms(m_policy, m_attempts);
    m_next_attempt_ms = util::monotonic_ms() + delay;
    return core::fail(core::ErrorKind::connect,
                      fmt::format("reconnecting: {}; next try in {} s", session.error().message(),
                                  (delay + 999) / 1000));
  }
  return std::unexpected(session.error());
}

void Reconnector::connected(Session session) {
  m_session.emplace(std::move(session));
  m_attempts = 0;
  if (m_lost) {
    ++m_reconnects;
    m_lost = false;
    if (m_say) {
      m_say(fmt::format("reconnected to {}", m_target.display()));
    }
  }
}

bool Reconnector::recover(const core::Error& error) {
  if (!is_transient(error)) {
    return false;
  }
  m_session.reset();
  m_lost = true;
  m_attempts = 0;
  m_next_attempt_ms = 0;
  if (m_say) {
    m_say(fmt::format("{}; reconnecting", error.message()));
  }
  return true;
}

void Reconnector::failed(const core::Error& error) {
  if (m_session) {
    recover(error);
  }
}

core::Result<bool> Reconnector::wait(int fd, int timeout_ms) {
  if (m_session) {
    auto waited = m_session->poll_with_fd(fd, timeout_ms);
    if (!waited) {
      failed(waited.error());
    }
    return waited;
  }
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

}  // namespace ec2dl::ssh
