#include "ec2dl/ssh/stream.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/util/fs.hpp"

namespace ec2dl::ssh {

using core::ErrorKind;
using core::fail;

core::Result<ExitStatus> run_streaming(Session& session, const std::string& command,
                                       const StreamOptions& options) {
  int local_error = 0;
  const auto on_data = [&](std::string_view data, bool is_stderr) {
    if (local_error != 0) {
      return;
    }
    const int err = util::write_all(is_stderr ? options.stderr_fd : options.stdout_fd, data);
    if (err != 0 && !is_stderr) {
      local_error = err;
    }
  };
  EC2DL_TRY_ASSIGN(auto channel, Channel::exec(session, command, on_data,
                                               options.pty ? &options.pty_options : nullptr));

  bool stdin_open = options.stdin_fd >= 0;
  if (!stdin_open) {
    EC2DL_TRY(channel.send_eof());
  }
  std::string buffer(256 * 1024, '\0');
  while (!channel.closed()) {
    if (local_error != 0) {
      channel.send_signal("PIPE");
      if (local_error == EPIPE) {
        ExitStatus status;
        status.code = 141;
        return status;
      }
      return fail(ErrorKind::internal,
                  std::string("write to local output: ") + std::strerror(local_error));
    }
    core::Result<bool> open = true;
    if (stdin_open) {
      bool ready = false;
      open = channel.pump_with_fd(options.stdin_fd, 200, &ready);
      if (open && ready) {
        const ssize_t n = ::read(options.stdin_fd, buffer.data(), buffer.size());
        if (n > 0) {
          auto written = channel.write(std::string_view(buffer.data(), static_cast<size_t>(n)));
          if (!written) {
            if (channel.closed()) {
              stdin_open = false;  // the command stopped reading and ended
              continue;
            }
            return std::unexpected(written.error());
          }
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          stdin_open = false;
          EC2DL_TRY(channel.send_eof());
        }
      }
    } else {
      open = channel.pump(200);
    }
    if (!open) {
      if (open.error().kind() == ErrorKind::interrupted) {
        channel.send_signal(core::interrupt_signal() == SIGTERM ? "TERM" : "INT");
      }
      return std::unexpected(open.error());
    }
  }
  return channel.exit_status();
}

}  // namespace ec2dl::ssh
