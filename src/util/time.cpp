#include "ec2dl/util/time.hpp"

#include <chrono>
#include <ctime>

namespace ec2dl::util {

std::int64_t now_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string iso8601_utc(std::int64_t epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string local_time(std::int64_t epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string format_duration(std::int64_t seconds) {
  if (seconds < 0) {
    seconds = 0;
  }
  const std::int64_t d = seconds / 86400;
  const std::int64_t h = (seconds % 86400) / 3600;
  const std::int64_t m = (seconds % 3600) / 60;
  const std::int64_t s = seconds % 60;
  if (d > 0) {
    return std::to_string(d) + "d" + std::to_string(h) + "h";
  }
  if (h > 0) {
    return std::to_string(h) + "h" + std::to_string(m) + "m";
  }
  if (m > 0) {
    return std::to_string(m) + "m" + std::to_string(s) + "s";
  }
  return std::to_string(s) + "s";
}

}  // namespace ec2dl::util
