#include "ec2dl/transfer/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "ec2dl/ui/table.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::transfer {

namespace {

std::string eta_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    return "--";
  }
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  return 80;
}

}  // namespace

std::string human_rate(std::uint64_t bytes, double seconds) {
  if (seconds <= 0) {
    return ui::human_bytes(static_cast<double>(bytes)) + "/s";
  }
  return ui::human_bytes(static_cast<double>(bytes) / seconds) + "/s";
}

std::string render_progress(const ProgressState& st, std::size_t width) {
  const double fraction =
      st.bytes_total > 0 ? static_cast<double>(st.bytes_done) / static_cast<double>(st.bytes_total)
      : st.files_total > 0
          ? static_cast<double>(st.files_done) / static_cast<double>(st.files_total)
          : 1.0;
  const double rate = st.seconds > 0 ? static_cast<double>(st.bytes_done) / st.seconds : 0;
  const double eta =
      rate > 0
          ? static_cast<double>(st.bytes_total - std::min(st.bytes_total, st.bytes_done)) / rate
          : NAN;
  std::string line =
      fmt::format("{:>4.0f}% {} {} / {}  {}/{} files  {}  ETA {}", std::min(fraction, 1.0) * 100.0,
                  ui::bar(fraction, 20), ui::human_bytes(static_cast<double>(st.bytes_done)),
                  ui::human_bytes(static_cast<double>(st.bytes_total)), st.files_done,
                  st.files_total, human_rate(st.bytes_done, st.seconds), eta_text(eta));
  if (width > 0 && line.size() >= width) {
    line = util::truncate_display(line, width - 1);
  }
  return line;
}

Progress::Progress(bool enabled, std::uint64_t bytes_total, std::size_t files_total)
    : m_enabled(enabled), m_start_ms(util::monotonic_ms()) {
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
  if (!m_enabled) {
    return;
  }
  const auto now = util::monotonic_ms();
  if (!force && now - m_last_draw_ms < 100) {
    return;
  }
  m_last_draw_ms = now;
  m_state.seconds = static_cast<double>(now - m_start_ms) / 1000.0;
  fmt::print(stderr, "\r{}\x1b[K", render_progress(m_state, terminal_width()));
  std::fflush(stderr);
  m_drawn = true;
}

void Progress::clear() {
  if (m_enabled && m_drawn) {
    fmt::print(stderr, "\r\x1b[K");
    std::fflush(stderr);
    m_drawn = false;
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
