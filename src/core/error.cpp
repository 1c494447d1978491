#include "ec2dl/core/error.hpp"

namespace ec2dl::core {

Error Error::context(std::string_view what) const {
  std::string message(what);
  if (!m_message.empty()) {
    message += ": ";
    message += m_message;
  }
  return Error(m_kind, std::move(message), m_hint);
}

Error Error::with_hint(std::string hint) const {
  return Error(m_kind, m_message, std::move(hint));
}

int Error::exit_code() const {
  switch (m_kind) {
    case ErrorKind::usage:
      return k_exit_usage;
    case ErrorKind::connect:
    case ErrorKind::auth:
    case ErrorKind::host_key:
    case ErrorKind::timeout:
      return k_exit_ssh;
    case ErrorKind::interrupted:
      return k_exit_interrupted;
    case ErrorKind::config:
    case ErrorKind::remote:
    case ErrorKind::transfer:
    case ErrorKind::not_found:
    case ErrorKind::internal:
      return k_exit_failed;
  }
  return k_exit_failed;
}

}  // namespace ec2dl::core
