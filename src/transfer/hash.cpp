#include "ec2dl/transfer/hash.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/handle.hpp"

namespace ec2dl::transfer {

struct Sha256::State {
  util::CHandle<EVP_MD_CTX*, EVP_MD_CTX_free> ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
  EVP_DigestInit_ex(m_state->ctx.get(), EVP_sha256(), nullptr);
}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(m_state->ctx.get(), data.data(), data.size());
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(m_state->ctx.get(), digest, &len);
  EVP_DigestInit_ex(m_state->ctx.get(), EVP_sha256(), nullptr);
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += fmt::format("{:02x}", digest[i]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

core::Result<std::string> sha256_file(const std::string& path, std::uint64_t limit) {
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return core::fail(core::ErrorKind::transfer,
                      fmt::format("read {}: {}", path, std::strerror(errno)));
  }
  Sha256 h;
  std::string buffer(256 * 1024, '\0');
  std::uint64_t left = limit;
  while (left > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    const ssize_t n = ::read(fd.get(), buffer.data(), want);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return core::fail(core::ErrorKind::transfer,
                        fmt::format("read {}: {}", path, std::strerror(errno)));
    }
    if (n == 0) {
      if (limit != std::numeric_limits<std::uint64_t>::max()) {
        return core::fail(core::ErrorKind::transfer,
                          fmt::format("{}: shorter than expected", path));
      }
      break;
    }
    h.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    left -= static_cast<std::uint64_t>(n);
  }
  return h.hex();
}

}  // namespace ec2dl::transfer
