// edit: "vi ~/script.py" on the server, without a remote editor and without a lost edit: a
// private local copy, the user's own editor, and an atomic upload that refuses to overwrite
// changes made on the server meanwhile.
#include "ec2dl/transfer/edit.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/interactive.hpp"
#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/remote_command.hpp"
#include "ec2dl/transfer/send_file.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

namespace {

// The private copy: a 0700 folder holding one 0600 file, both removed at the end unless
// kept (an edit that could not be uploaded).
class PrivateCopy {
 public:
  static core::Result<PrivateCopy> create(const std::string& base, const std::string& name) {
    std::string tmpl = join_path(base.empty() ? "/tmp" : base, "ec2dl-edit-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return fail(ErrorKind::internal,
                  fmt::format("create a temporary folder in {}: {}", base, std::strerror(errno)));
    }
    PrivateCopy copy(tmpl, join_path(tmpl, name));
    const int fd = ::open(copy.m_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return fail(ErrorKind::internal,
                  fmt::format("create {}: {}", copy.m_file, std::strerror(errno)));
    }
    copy.m_fd.reset(fd);
    return copy;
  }
  PrivateCopy(PrivateCopy&& other) noexcept
      : m_dir(std::move(other.m_dir)),
        m_file(std::move(other.m_file)),
        m_fd(std::move(other.m_fd)),
        m_keep(other.m_keep) {
    other.m_keep = true;
  }
  PrivateCopy& operator=(PrivateCopy&&) = delete;
  ~PrivateCopy() {
    m_fd.reset();
    if (!m_keep) {
      ::unlink(m_file.c_str());
      ::rmdir(m_dir.c_str());
    }
  }
  const std::string& file() const { return m_file; }
  int fd() const { return m_fd.get(); }
  void close() { m_fd.reset(); }
  void keep() { m_keep = true; }

 private:
  PrivateCopy(std::string dir, std::string file) : m_dir(std::move(dir)), m_file(std::move(file)) {}
  std::string m_dir;
  std::string m_file;
  util::UniqueFd m_fd;
  bool m_keep = false;
};

struct Original {
  bool absent = false;
  std::uint32_t mode = 0644;
  std::string path;  // symlinks resolved
  std::string sha256;
};

core::Result<Original> download(ssh::Session& session, const std::string& path, PrivateCopy& copy) {
  Original original;
  original.path = path;
  std::string header;
  bool body = false;
  Sha256 hash;
  int write_errno = 0;
  auto save = [&](std::string_view data) {
    if (write_errno == 0) {
      write_errno = util::write_all(copy.fd(), data);
      hash.update(data);
    }
  };
  auto on_data = [&](std::string_view data) {
    if (body) {
      save(data);
      return;
    }
    header.append(data);
    const auto nl = header.find('\n');
    if (nl != std::string::npos) {
      body = true;
      save(std::string_view(header).substr(nl + 1));
      header.resize(nl);
    }
  };
  const remote::ScriptCall call{remote::scripts::xfer_edit_get, {path}, {}};
  EC2DL_TRY_ASSIGN(auto cmd, RemoteCommand::start(session, call, on_data));
  EC2DL_TRY(cmd.close_input());
  EC2DL_TRY_ASSIGN(const auto status, cmd.wait());
  if (status.shell_status() != 0) {
    return fail(
        remote_failure(fmt::format("edit {}", display_path(path)), status, cmd.error_text()));
  }
  if (write_errno != 0) {
    return fail(ErrorKind::internal,
                fmt::format("write {}: {}", copy.file(), std::strerror(write_errno)));
  }
  if (header == "absent") {
    original.absent = true;
  } else {
    const auto space = header.find(' ');
    unsigned mode = 0;
    if (space == std::string::npos || std::sscanf(header.c_str(), "%o", &mode) != 1) {
      return fail(ErrorKind::remote, "unexpected answer from the server");
    }
    original.mode = mode & 07777;
    original.path = remote::unescape_line(header.substr(space + 1));
  }
  original.sha256 = hash.hex();
  return original;
}

// Runs the editor on `file` and waits for it, keeping the ssh connection alive meanwhile
// (a session that dies is dropped: the upload reconnects). Ctrl-C belongs to the editor; a
// SIGTERM or SIGHUP sent to ec2dl is passed on to it, so that both end.
core::Result<int> run_editor(const std::string& editor, const std::string& file,
                             std::optional<ssh::Session>& session) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_int {};
  struct sigaction old_quit {};
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGQUIT, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    const std::string script = editor + " \"$@\"";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), editor.c_str(), file.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  bool done = pid < 0;
  bool passed_on = false;
  while (!done) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) {
      break;
    }
    if (!passed_on && core::interrupted()) {
      ::kill(pid, core::interrupt_signal());
      passed_on = true;
    }
    if (session) {
      if (auto polled = session->poll(200);
          !polled && polled.error().kind() != ErrorKind::interrupted) {
        session.reset();
      }
    } else {
      ::usleep(200 * 1000);
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (pid < 0) {
    return fail(ErrorKind::internal, fmt::format("start the editor: {}", std::strerror(errno)));
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return 128 + WTERMSIG(status);
}

}  // namespace

core::Result<EditOutcome> edit_file(const std::function<core::Result<ssh::Session>()>& connect,
                                    const EditRequest& request) {
  EC2DL_TRY_ASSIGN(auto first, connect());
  std::optional<ssh::Session> session(std::move(first));
  auto name = base_name(request.remote_path);
  if (name.empty() || name == "~" || name == "/" || name == "." || name == "..") {
    name = "file";
  }
  EC2DL_TRY_ASSIGN(auto copy, PrivateCopy::create(request.temp_dir, name));
  EC2DL_TRY_ASSIGN(const auto original, download(*session, request.remote_path, copy));
  copy.close();
  EditOutcome outcome;
  outcome.path = original.path;
  outcome.created = original.absent;

  auto kept = [&](std::string why, ErrorKind kind = ErrorKind::transfer) {
    copy.keep();
    return core::Error(
        kind, fmt::format("{}; your edited copy is kept at {}", why, copy.file()),
        fmt::format("compare it with the server's, then: {} edit --force {}  "
                    "or  {} push {} {}",
                    request.command, remote::shell_quote(request.remote_path), request.command,
                    remote::shell_quote(copy.file()), remote::shell_quote(request.remote_path)));
  };

  EC2DL_TRY_ASSIGN(const int editor_status, run_editor(request.editor, copy.file(), session));
  EC2DL_TRY_ASSIGN(const auto edited, sha256_file(copy.file()));
  outcome.changed = edited != original.sha256;
  if (core::interrupted()) {
    if (outcome.changed) {
      return fail(kept("interrupted; nothing was uploaded", ErrorKind::interrupted).with_hint(""));
    }
    return fail(ErrorKind::interrupted, "interrupted; nothing was uploaded");
  }
  if (editor_status != 0) {
    const auto why = fmt::format("the editor ({}) exited with status {}; nothing was uploaded",
                                 request.editor, editor_status);
    if (outcome.changed) {
      return fail(kept(why));
    }
    return fail(ErrorKind::transfer, why);
  }
  if (!outcome.changed) {
    return outcome;
  }
  if (!session) {
    auto again = connect();
    if (!again) {
      return fail(kept(again.error().message()));
    }
    session.emplace(std::move(*again));
  }
  util::UniqueFd fd(::open(copy.file().c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    return fail(kept(fmt::format("read {}: {}", copy.file(), std::strerror(errno))));
  }
  SendOptions send;
  send.mode = original.mode;
  send.mtime = "now";
  send.expect = request.force ? "" : original.absent ? "absent" : original.sha256;
  auto sent = send_file(*session, fd.get(), copy.file(), static_cast<std::uint64_t>(st.st_size),
                        original.path, send, nullptr, nullptr);
  if (!sent) {
    return fail(kept(sent.error().message()));
  }
  if (sent->changed_meanwhile) {
    return fail(
        kept(fmt::format("{} changed on the server while you were editing it; it was not "
                         "overwritten",
                         display_path(original.path))));
  }
  if (sent->shrank) {
    return fail(kept("the edited copy changed while it was being uploaded"));
  }
  outcome.uploaded = true;
  outcome.bytes = static_cast<std::uint64_t>(st.st_size);
  return outcome;
}

core::Result<int> edit_on_server(ssh::Session& session, const std::string& remote_path) {
  const remote::ScriptCall call{remote::scripts::xfer_edit_remote, {remote_path}, {}};
  EC2DL_TRY_ASSIGN(const auto status, ssh::run_interactive(session, call.command()));
  return status.shell_status();
}

}  // namespace ec2dl::transfer
