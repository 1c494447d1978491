#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::transfer {

// One transfer script running on the server (a remote::ScriptCall): stdout goes to a callback
// as it arrives, stderr is kept (the last 64 KiB) for the error message. Writes stop with kind
// interrupted on Ctrl-C.
class RemoteCommand {
 public:
  using OutFn = std::function<void(std::string_view)>;

  static core::Result<RemoteCommand> start(ssh::Session& session, const remote::ScriptCall& call,
                                           OutFn on_stdout);
  RemoteCommand(RemoteCommand&&) noexcept;
  RemoteCommand& operator=(RemoteCommand&&) noexcept;
  ~RemoteCommand();

  // Sends bytes to the command's stdin (waits for the server's window).
  core::Result<void> write(std::string_view data);
  core::Result<void> close_input();
  // Processes traffic for up to timeout_ms; false once the command's channel closed.
  core::Result<bool> pump(int timeout_ms);
  // Waits for the command to end.
  core::Result<ssh::ExitStatus> wait();
  bool closed() const;
  // What the command wrote to stderr, trimmed.
  std::string error_text() const;

  struct State;

 private:
  explicit RemoteCommand(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

// The error for a transfer command that failed on the server: `what` and the server's
// message. Recognises a full disk, a missing GNU tool (exit 5) and permission problems.
core::Error remote_failure(std::string_view what, const ssh::ExitStatus& status,
                           const std::string& stderr_text);

// The error to report when sending to a remote command failed: when the command stopped
// reading (tar or an upload script failed on the server), its own message says why;
// otherwise (interrupted, connection lost) the original error stands.
core::Error explain_write_failure(ssh::Session& session, RemoteCommand& cmd,
                                  const core::Error& error, std::string_view what);

}  // namespace ec2dl::transfer
