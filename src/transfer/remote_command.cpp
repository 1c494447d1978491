#include "ec2dl/transfer/remote_command.hpp"

#include <fmt/format.h>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

namespace {
constexpr std::size_t k_max_stderr = 64 * 1024;
}

struct RemoteCommand::State {
  OutFn on_stdout;
  std::string err;
  std::optional<ssh::Channel> channel;
};

RemoteCommand::RemoteCommand(std::unique_ptr<State> state) : m_state(std::move(state)) {}
RemoteCommand::RemoteCommand(RemoteCommand&&) noexcept = default;
RemoteCommand& RemoteCommand::operator=(RemoteCommand&&) noexcept = default;
RemoteCommand::~RemoteCommand() = default;

core::Result<RemoteCommand> RemoteCommand::start(ssh::Session& session,
                                                 const remote::ScriptCall& call, OutFn on_stdout) {
  auto state = std::make_unique<State>();
  state->on_stdout = std::move(on_stdout);
  State* st = state.get();
  auto on_output = [st](std::string_view data, bool is_stderr) {
    if (is_stderr) {
      st->err.append(data);
      if (st->err.size() > k_max_stderr) {
        st->err.erase(0, st->err.size() - k_max_stderr);
      }
    } else if (st->on_stdout) {
      st->on_stdout(data);
    }
  };
  EC2DL_TRY_ASSIGN(auto channel, ssh::Channel::exec(session, call.command(), on_output));
  state->channel.emplace(std::move(channel));
  return RemoteCommand(std::move(state));
}

core::Result<void> RemoteCommand::write(std::string_view data) {
  if (core::interrupted()) {
    return fail(ErrorKind::interrupted, "interrupted");
  }
  return m_state->channel->write(data);
}

core::Result<void> RemoteCommand::close_input() {
  return m_state->channel->send_eof();
}

core::Result<bool> RemoteCommand::pump(int timeout_ms) {
  return m_state->channel->pump(timeout_ms);
}

core::Result<ssh::ExitStatus> RemoteCommand::wait() {
  return m_state->channel->wait();
}

bool RemoteCommand::closed() const {
  return m_state->channel->closed();
}

std::string RemoteCommand::error_text() const {
  return std::string(util::trim(m_state->err));
}

core::Error remote_failure(std::string_view what, const ssh::ExitStatus& status,
                           const std::string& stderr_text) {
  std::string detail = stderr_text;
  // Keep the message to its last few lines: the useful part of tar's complaints.
  auto lines = util::split(detail, '\n');
  if (lines.size() > 4) {
    lines.erase(lines.begin(), lines.end() - 4);
  }
  detail = util::join(lines, "; ");
  if (detail.empty()) {
    detail = fmt::format("the server reported status {}", status.shell_status());
  }
  if (stderr_text.find("No space left on device") != std::string::npos ||
      stderr_text.find("Disk quota exceeded") != std::string::npos) {
    return core::Error(ErrorKind::transfer,
                       fmt::format("{}: disk full on the server: {}", what, detail),
                       "free some space on the server (df -h) and run the same command again");
  }
  if (status.code && *status.code == 5) {
    return core::Error(
        ErrorKind::remote, fmt::format("{}: {}", what, detail),
        "install GNU tar and findutils on the server (apt-get install tar findutils)");
  }
  return core::Error(ErrorKind::transfer, fmt::format("{}: {}", what, detail));
}

core::Error explain_write_failure(ssh::Session& session, RemoteCommand& cmd,
                                  const core::Error& error, std::string_view what) {
  if (error.kind() == ErrorKind::interrupted || !session.connected()) {
    return error;
  }
  auto status = cmd.wait();
  if (status && status->shell_status() != 0) {
    return remote_failure(what, *status, cmd.error_text());
  }
  return error;
}

}  // namespace ec2dl::transfer
