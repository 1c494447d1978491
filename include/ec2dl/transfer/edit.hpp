#pragma once

#include <functional>
#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::transfer {

struct EditRequest {
  std::string remote_path;        // as typed; a leading "~/" is the server's home
  std::string editor;             // a shell command line: $VISUAL, $EDITOR or "vi"
  bool force = false;             // upload even if the file changed on the server meanwhile
  std::string temp_dir;           // where the private copy goes ($TMPDIR or /tmp when empty)
  std::string command = "ec2dl";  // how hints name ec2dl (with the server options given)
};

struct EditOutcome {
  bool changed = false;   // the editor changed the content
  bool uploaded = false;  // and it replaced the server's file
  bool created = false;   // the file did not exist before
  std::string path;       // the server path that was edited (symlinks resolved)
  std::uint64_t bytes = 0;
};

// Downloads the file into a private temporary folder (0700, file 0600), runs the editor on
// it, and uploads it atomically, keeping its mode, only when it changed and the server's copy
// is still the one that was downloaded (unless force). Refused: kind transfer, the edited
// copy kept and named in the message. The temporary copy is removed on every other way out.
// `connect` opens a session (again if the first one died during a long edit).
core::Result<EditOutcome> edit_file(const std::function<core::Result<ssh::Session>()>& connect,
                                    const EditRequest& request);

// Runs the server's $VISUAL / $EDITOR / vi on the file in a remote terminal; returns its
// exit status.
core::Result<int> edit_on_server(ssh::Session& session, const std::string& remote_path);

}  // namespace ec2dl::transfer
