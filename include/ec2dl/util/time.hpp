#pragma once

#include <cstdint>
#include <string>

namespace ec2dl::util {

// Seconds since the epoch, and a monotonic clock in milliseconds.
std::int64_t now_epoch();
std::int64_t monotonic_ms();

// "2026-11-27T10:04:43Z" for an epoch second (UTC).
std::string iso8601_utc(std::int64_t epoch);
// "2026-11-27 10:04:43" in local time, for tables.
std::string local_time(std::int64_t epoch);
// "3h12m", "45s", "2d4h": compact, for tables.
std::string format_duration(std::int64_t seconds);

}  // namespace ec2dl::util
