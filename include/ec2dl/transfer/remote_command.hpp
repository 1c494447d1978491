#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::transfer {

// One remote command of a transfer: stdout goes to a callback as it arrives, stderr is kept
// (the last 64 KiB) for the error message. Writes stop with kind interrupted on Ctrl-C.
class RemoteCommand {
 public:
  using OutFn = std::function<void(std::string_view)>;

  static core::Result<RemoteCommand> start(ssh::Session& session, const std::string& command,
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

// Arguments of xfer_manifest.sh.
struct ManifestQuery {
  bool follow_symlinks = false;
  bool ignore_files = false;
  std::string registry;  // the job registry base
  std::string job;       // "" for none
  bool job_auto = false;
  std::string requests;  // lines made with remote::manifest_request
};

// Runs xfer_manifest.sh. Errors: no such job (not_found), a name that is both a job and a
// file (usage), GNU find missing (remote).
core::Result<remote::Manifest> fetch_manifest(ssh::Session& session, const ManifestQuery& query);

// SHA-256 of files on the server, by the paths given (absolute, relative to the home folder,
// or "~/..."). Files that could not be read are missing from the result.
core::Result<std::map<std::string, std::string>> remote_hashes(
    ssh::Session& session, const std::vector<std::string>& paths);

// Sets the mtime of server files to the epoch, so that the next run sends them again.
core::Result<void> remote_reset_mtimes(ssh::Session& session,
                                       const std::vector<std::string>& paths);

// ".ec2dl-part.KEY.SIZE-MTIME": the partial-file name of a resumable transfer of a file to
// `destination`, with the size and mtime of the source version being sent.
std::string part_name(std::string_view destination, std::uint64_t size, std::int64_t mtime);

}  // namespace ec2dl::transfer
