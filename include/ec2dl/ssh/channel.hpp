#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/handles.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::ssh {

// How a remote command ended.
struct ExitStatus {
  std::optional<int> code;  // exit-status, when the server sent one
  std::string signal;       // "TERM", "KILL" ... when it died of a signal
  bool core_dumped = false;

  // What a shell would report: the code, 128+N for signal N, 255 when neither came.
  int shell_status() const;
};

// Signal number for an ssh signal name ("TERM" -> 15); 0 when unknown.
int signal_number(std::string_view name);

// A terminal to ask for on the server.
struct PtyOptions {
  std::string term = "xterm";
  int cols = 80;
  int rows = 24;
};

// A session channel running one remote command (or a shell). Data from the server is handed
// to `on_data` as it arrives, on the calling thread, from whichever call processes traffic
// (write, pump, wait). Must be destroyed before its Session.
class Channel {
 public:
  using DataFn = std::function<void(std::string_view data, bool is_stderr)>;

  static core::Result<Channel> exec(Session& session, const std::string& command, DataFn on_data,
                                    const PtyOptions* pty = nullptr);
  static core::Result<Channel> shell(Session& session, DataFn on_data, const PtyOptions& pty);

  Channel(Channel&&) noexcept;
  Channel& operator=(Channel&&) noexcept;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ~Channel();

  // Sends all of `data` to the command's stdin, waiting for the server's window.
  core::Result<void> write(std::string_view data);
  core::Result<void> send_eof();
  // Processes traffic for up to timeout_ms. Returns false once the channel is closed.
  core::Result<bool> pump(int timeout_ms);
  // Like pump, also waking when `fd` is readable; sets *fd_ready.
  core::Result<bool> pump_with_fd(int fd, int timeout_ms, bool* fd_ready);
  // Waits for the command to end and the channel to close.
  core::Result<ExitStatus> wait();

  bool closed() const;
  const ExitStatus& exit_status() const;

  // Asks the server to deliver a signal ("INT", "TERM") to the command; best effort.
  void send_signal(const char* name);
  void change_pty_size(int cols, int rows);

  struct State;  // implementation detail, public for the libssh callbacks

 private:
  explicit Channel(std::unique_ptr<State> state);
  static core::Result<Channel> open(Session& session, DataFn on_data);
  std::unique_ptr<State> m_state;
};

// The stdout, stderr and status of a command run to completion.
struct Captured {
  std::string out;
  std::string err;
  ExitStatus status;
};

// Runs `command`, feeding `input` to its stdin, and collects its output (at most max_bytes
// of each stream; more is an error, so memory stays bounded).
core::Result<Captured> capture(Session& session, const std::string& command,
                               std::string_view input = {}, std::size_t max_bytes = 64u << 20);

}  // namespace ec2dl::ssh
