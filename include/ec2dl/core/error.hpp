#pragma once

#include <expected>
#include <string>
#include <utility>

namespace ec2dl::core {

// What went wrong, coarse enough to pick an exit status and a message prefix.
enum class ErrorKind {
  usage,        // bad command line: exit 2
  config,       // a local configuration file or value is wrong: exit 1
  connect,      // TCP/ssh transport could not be set up: exit 255
  auth,         // no identity was accepted: exit 255
  host_key,     // host key unknown under strict, or changed: exit 255
  timeout,      // the connection stopped answering: exit 255
  remote,       // the server ran the command and it failed: exit 1
  transfer,     // a file transfer failed: exit 1
  not_found,    // a job, file or GPU named by the user does not exist: exit 1
  interrupted,  // SIGINT/SIGTERM: exit 130
  internal,     // a bug or an unexpected local failure: exit 1
};

// Exit statuses shared by every subcommand (README and --help carry the same table).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failed = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_interrupted = 130;
inline constexpr int k_exit_ssh = 255;

class Error {
 public:
  Error(ErrorKind kind, std::string message, std::string hint = {})
      : m_kind(kind), m_message(std::move(message)), m_hint(std::move(hint)) {}

  ErrorKind kind() const { return m_kind; }
  const std::string& message() const { return m_message; }
  const std::string& hint() const { return m_hint; }

  // Prefixes the message with context: "connect to h:22" + "refused" -> "connect to h:22: refused".
  Error context(std::string_view what) const;
  Error with_hint(std::string hint) const;

  // The process exit status this error maps to.
  int exit_code() const;

 private:
  ErrorKind m_kind;
  std::string m_message;
  std::string m_hint;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error from a function returning Result<T>.
inline std::unexpected<Error> fail(ErrorKind kind, std::string message, std::string hint = {}) {
  return std::unexpected<Error>(Error(kind, std::move(message), std::move(hint)));
}
inline std::unexpected<Error> fail(Error error) {
  return std::unexpected<Error>(std::move(error));
}

// The result unchanged, or its error with `hint` added (a hint the caller knows better).
template <class T>
Result<T> with_hint(Result<T> result, std::string hint) {
  if (!result) {
    return std::unexpected(result.error().with_hint(std::move(hint)));
  }
  return result;
}

// The result unchanged, or its error prefixed with `what` (Error::context).
template <class T>
Result<T> with_context(Result<T> result, std::string_view what) {
  if (!result) {
    return std::unexpected(result.error().context(what));
  }
  return result;
}

// Result<void> helper: `return ok();`
inline Result<void> ok() {
  return {};
}

}  // namespace ec2dl::core

// Propagates an error from an expression returning Result<...>; evaluates to nothing.
//   EC2DL_TRY(channel.write(bytes));
#define EC2DL_TRY(expr)                                        \
  do {                                                         \
    if (auto ec2dl_try_result_ = (expr); !ec2dl_try_result_) { \
      return std::unexpected(ec2dl_try_result_.error());       \
    }                                                          \
  } while (false)

#define EC2DL_TRY_CONCAT_INNER_(a, b) a##b
#define EC2DL_TRY_CONCAT_(a, b) EC2DL_TRY_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Result<T>); on error returns it from the enclosing function, else moves
// the value into `target`, which may be a declaration (ccache's TRY_ASSIGN):
//   EC2DL_TRY_ASSIGN(auto session, connect(ctx));
//   EC2DL_TRY_ASSIGN(listing, jobs::list(*session, base, ids, false));
#define EC2DL_TRY_ASSIGN(target, expr) \
  EC2DL_TRY_ASSIGN_IMPL_(EC2DL_TRY_CONCAT_(ec2dl_try_assign_, __LINE__), target, expr)
#define EC2DL_TRY_ASSIGN_IMPL_(tmp, target, expr)   \
  auto tmp = (expr);                                \
  if (!tmp) {                                       \
    return std::unexpected(std::move(tmp).error()); \
  }                                                 \
  target = std::move(*tmp)
