#include "ec2dl/monitor/report.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <algorithm>

#include <random>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::monitor {

std::string new_marker() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint32_t> dist;
  return fmt::format("@ec2dl-{:08x}{:08x}", dist(rd), dist(rd));
}

std::string report_command(const std::vector<remote::Script>& scripts, std::string_view marker,
                           const std::vector<std::string>& args) {
  std::string text;
  for (const auto& script : scripts) {
    text += script.text;
    if (!text.empty() && text.back() != '\n') {
      text += '\n';
    }
  }
  std::vector<std::string> all{std::string(marker)};
  all.insert(all.end(), args.begin(), args.end());
  return remote::sh_command(
      text, all, scripts.empty() ? "ec2dl" : "ec2dl-" + std::string(scripts.back().name));
}

core::Result<Report> parse_report(std::string_view out, std::string err, std::string_view marker,
                                  std::string_view what) {
  auto sections = remote::split_sections(out, marker);
  if (sections.empty() || sections.back().name != "end") {
    const auto why = util::trim(err);
    return core::fail(core::ErrorKind::remote,
                      fmt::format("{}: the server's answer was cut short{}{}", what,
                                  why.empty() ? "" : ": ", why.substr(0, 300)));
  }
  return Report{std::move(sections), std::move(err)};
}

core::Result<Report> run_report(ssh::Session& session, const std::vector<remote::Script>& scripts,
                                const std::vector<std::string>& args, std::string_view what) {
  const auto marker = new_marker();
  auto captured = ssh::capture(session, report_command(scripts, marker, args));
  if (!captured) {
    return std::unexpected(captured.error());
  }
  return parse_report(captured->out, std::move(captured->err), marker, what);
}

std::string json_text(const nlohmann::json& value, bool pretty) {
  return value.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json job_id_json(const std::string& id) {
  if (id.empty()) {
    return nullptr;
  }
  if (const auto n = util::parse_uint(id); n && id.size() < 16) {
    return *n;
  }
  return id;
}

core::Result<ssh::Session*> Link::session() {
  if (m_session) {
    return &*m_session;
  }
  const auto now = util::monotonic_ms();
  if (m_lost && now < m_next_attempt_ms) {
    return core::fail(core::ErrorKind::connect,
                      fmt::format("connection lost; reconnecting in {} s (attempt {})",
                                  (m_next_attempt_ms - now + 999) / 1000, m_attempts + 1));
  }
  auto s = m_connect();
  if (!s) {
    if (m_lost && ssh::is_transient(s.error())) {
      ++m_attempts;
      const int delay_s = std::min(10, 1 << std::min(m_attempts, 4));
      m_next_attempt_ms = util::monotonic_ms() + delay_s * 1000;
      return core::fail(core::ErrorKind::connect, fmt::format("reconnecting: {}; next try in {} s",
                                                              s.error().message(), delay_s));
    }
    return std::unexpected(s.error());
  }
  m_session.emplace(std::move(*s));
  m_lost = false;
  m_attempts = 0;
  return &*m_session;
}

void Link::failed(const core::Error& error) {
  if (m_session && ssh::is_transient(error)) {
    m_session.reset();
    m_lost = true;
    m_attempts = 0;
    m_next_attempt_ms = 0;
  }
}

core::Result<bool> Link::wait(int fd, int timeout_ms) {
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

}  // namespace ec2dl::monitor
