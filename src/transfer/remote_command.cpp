#include "ec2dl/transfer/remote_command.hpp"

#include <fmt/format.h>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/transfer/hash.hpp"
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

core::Result<RemoteCommand> RemoteCommand::start(ssh::Session& session, const std::string& command,
                                                 OutFn on_stdout) {
  auto state = std::make_unique<State>();
  state->on_stdout = std::move(on_stdout);
  State* st = state.get();
  auto channel = ssh::Channel::exec(session, command, [st](std::string_view data, bool is_stderr) {
    if (is_stderr) {
      st->err.append(data);
      if (st->err.size() > k_max_stderr) {
        st->err.erase(0, st->err.size() - k_max_stderr);
      }
    } else if (st->on_stdout) {
      st->on_stdout(data);
    }
  });
  if (!channel) {
    return std::unexpected(channel.error());
  }
  state->channel.emplace(std::move(*channel));
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

core::Result<remote::Manifest> fetch_manifest(ssh::Session& session, const ManifestQuery& query) {
  const auto command =
      remote::sh_command(remote::scripts::xfer_manifest.text,
                         {query.follow_symlinks ? "1" : "0", query.ignore_files ? "1" : "0",
                          query.registry, query.job, query.job_auto ? "1" : "0"},
                         "ec2dl-manifest");
  auto captured = ssh::capture(session, command, query.requests, 512u << 20);
  if (!captured) {
    return std::unexpected(captured.error());
  }
  const int status = captured->status.shell_status();
  const auto message = std::string(util::trim(captured->err));
  if (status == 3) {
    return fail(ErrorKind::not_found, message.empty() ? "no such job" : message,
                "ec2dl ps lists the jobs on the server");
  }
  if (status == 4) {
    return fail(
        ErrorKind::usage, message,
        fmt::format("use --job {} for the job, or ./{} for the file", query.job, query.job));
  }
  if (status != 0) {
    return fail(remote_failure("list files on the server", captured->status, captured->err));
  }
  return remote::parse_manifest(captured->out);
}

namespace {

std::string as_hash_key(const std::string& path) {
  if (path.starts_with("~/")) {
    return "./" + path.substr(2);
  }
  return path;
}

std::string nul_joined(const std::vector<std::string>& paths) {
  std::string input;
  for (const auto& p : paths) {
    input += p;
    input += '\0';
  }
  return input;
}

}  // namespace

core::Result<std::map<std::string, std::string>> remote_hashes(
    ssh::Session& session, const std::vector<std::string>& paths) {
  std::map<std::string, std::string> result;
  if (paths.empty()) {
    return result;
  }
  auto captured =
      ssh::capture(session, remote::sh_command(remote::scripts::xfer_hash.text, {}, "ec2dl-hash"),
                   nul_joined(paths), 512u << 20);
  if (!captured) {
    return std::unexpected(captured.error());
  }
  std::map<std::string, std::string> by_name;
  for (auto& [name, hash] : remote::parse_sha256sum(captured->out)) {
    by_name[name] = hash;
  }
  for (const auto& p : paths) {
    const auto it = by_name.find(as_hash_key(p));
    if (it != by_name.end()) {
      result[p] = it->second;
    }
  }
  return result;
}

core::Result<void> remote_reset_mtimes(ssh::Session& session,
                                       const std::vector<std::string>& paths) {
  if (paths.empty()) {
    return core::ok();
  }
  auto captured =
      ssh::capture(session,
                   remote::sh_command("cd && sed -z 's|^~/|./|' | xargs -0 -r touch -m -d @0 --",
                                      {}, "ec2dl-touch"),
                   nul_joined(paths));
  if (!captured) {
    return std::unexpected(captured.error());
  }
  return core::ok();
}

std::string part_name(std::string_view destination, std::uint64_t size, std::int64_t mtime) {
  return fmt::format(".ec2dl-part.{}.{}-{}", sha256_hex(destination).substr(0, 16), size, mtime);
}

}  // namespace ec2dl::transfer
