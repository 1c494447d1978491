#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ec2dl::transfer {

struct ProgressState {
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::size_t files_done = 0;
  std::size_t files_total = 0;
  double seconds = 0;  // since the start
};

// Where the progress of a transfer is shown (a status line on a terminal): draw() at most
// 10 times a second while it runs, clear() before other messages and at the end.
class ProgressView {
 public:
  virtual ~ProgressView() = default;
  virtual void draw(const ProgressState& state) = 0;
  virtual void clear() = 0;
};

// Counts what a transfer did and tells the view now and then; does nothing without a view.
class Progress {
 public:
  Progress(ProgressView* view, std::uint64_t bytes_total, std::size_t files_total);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  void add_bytes(std::uint64_t n);
  void add_file();
  // Erases the view's line (before other messages, and at the end).
  void clear();
  double seconds() const;
  const ProgressState& state() const { return m_state; }

 private:
  void draw(bool force);
  ProgressView* m_view;
  std::int64_t m_start_ms;
  std::int64_t m_last_draw_ms = 0;
  ProgressState m_state;
};

// Keeps a byte stream at or under `bytes_per_second` by sleeping (0: no limit).
class RateLimiter {
 public:
  explicit RateLimiter(std::uint64_t bytes_per_second);
  void consume(std::uint64_t n);

 private:
  std::uint64_t m_rate;
  std::int64_t m_start_ms;
  std::uint64_t m_bytes = 0;
};

// Parses a byte rate or size: "500K", "20M", "1.5G", "1000" (K = 1024). nullopt if bad.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace ec2dl::transfer
