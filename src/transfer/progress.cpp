#include "ec2dl/transfer/progress.hpp"

#include <cctype>
#include <ctime>

#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::transfer {

Progress::Progress(ProgressView* view, std::uint64_t bytes_total, std::size_t files_total)
    : m_view(view), m_start_ms(util::monotonic_ms()) {
  m_state.bytes_total = bytes_total;
  m_state.files_total = files_total;
}

Progress::~Progress() {
  clear();
}

double Progress::seconds() const {
  return static_cast<double>(util::monotonic_ms() - m_start_ms) / 1000.0;
}

void Progress::add_bytes(std::uint64_t n) {
  m_state.bytes_done += n;
  draw(false);
}

void Progress::add_file() {
  ++m_state.files_done;
  draw(false);
}

void Progress::draw(bool force) {
  if (m_view == nullptr) {
    return;
  }
  const auto now = util::monotonic_ms();
  if (!force && now - m_last_draw_ms < 100) {
    return;
  }
  m_last_draw_ms = now;
  m_state.seconds = static_cast<double>(now - m_start_ms) / 1000.0;
  m_view->draw(m_state);
}

void Progress::clear() {
  if (m_view != nullptr) {
    m_view->clear();
  }
}

RateLimiter::RateLimiter(std::uint64_t bytes_per_second)
    : m_rate(bytes_per_second), m_start_ms(util::monotonic_ms()) {}

void RateLimiter::consume(std::uint64_t n) {
  if (m_rate == 0) {
    return;
  }
  m_bytes += n;
  const auto due_ms = static_cast<std::int64_t>(static_cast<double>(m_bytes) * 1000.0 /
                                                static_cast<double>(m_rate));
  const auto ahead = due_ms - (util::monotonic_ms() - m_start_ms);
  if (ahead > 0) {
    timespec ts{static_cast<time_t>(ahead / 1000), static_cast<long>((ahead % 1000) * 1000000)};
    ::nanosleep(&ts, nullptr);
  }
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  double multiplier = 1;
  const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  if (last == 'K' || last == 'M' || last == 'G' || last == 'T') {
    multiplier = last == 'K'   ? 1024.0
                 : last == 'M' ? 1048576.0
                 : last == 'G' ? 1073741824.0
                               : 1099511627776.0;
    text.remove_suffix(1);
  }
  const auto value = util::parse_double(text);
  if (!value || *value <= 0) {
    return std::nullopt;
  }
  const double bytes = *value * multiplier;
  if (bytes < 1 || bytes > 1e18) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace ec2dl::transfer
