#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"

namespace ec2dl::transfer {

// Incremental SHA-256 (OpenSSL), for --checksum, --verify and resume checks.
class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();
  void update(std::string_view data);
  // The digest in lower-case hex, as sha256sum prints it; the object is reset.
  std::string hex();

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

std::string sha256_hex(std::string_view data);

// The SHA-256 of the first `limit` bytes of a local file (the whole file by default).
// Fails (kind transfer) when it cannot be read or is shorter than `limit`.
core::Result<std::string> sha256_file(
    const std::string& path, std::uint64_t limit = std::numeric_limits<std::uint64_t>::max());

}  // namespace ec2dl::transfer
