#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/sections.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::monitor {

// A random word that marks section lines in a monitoring script's output.
std::string new_marker();

// The remote command that runs the embedded scripts `scripts` (concatenated, in order) under
// /bin/sh with `marker` as $1 and `args` after it.
std::string report_command(const std::vector<remote::Script>& scripts, std::string_view marker,
                           const std::vector<std::string>& args);

// What a monitoring script printed: its sections, and its stderr (the messages of the tools
// it ran).
struct Report {
  std::vector<remote::Section> sections;
  std::string err;
};

// Checks that a script's output came whole (it ends with an "end" section) and splits it;
// `what` names the command in errors ("gpu", "top"). Fails (kind remote) with the script's
// stderr when it did not finish.
core::Result<Report> parse_report(std::string_view out, std::string err, std::string_view marker,
                                  std::string_view what);

// One round trip: runs the scripts with a fresh marker and returns what they reported.
core::Result<Report> run_report(ssh::Session& session, const std::vector<remote::Script>& scripts,
                                const std::vector<std::string>& args, std::string_view what);

// JSON text ending in a newline: indented when `pretty`, else one line. Bytes that are not
// UTF-8 (a process name from the server) become U+FFFD instead of failing.
std::string json_text(const nlohmann::json& value, bool pretty);

// A job id for JSON: a number when it is one ("12" -> 12), else the text; null when empty.
nlohmann::json job_id_json(const std::string& id);

// The one ssh connection a monitoring command uses for all its samples, a watch included:
// opened once, then reused by every frame. After a transient failure (a dead keepalive, a
// cut link, an sshd restart) it is dropped and reopened by a later session() call, with
// backoff between attempts; while it is down, session() fails at once with a message that
// says it is reconnecting, so a watch keeps drawing and answering keys.
class Link {
 public:
  using ConnectFn = std::function<core::Result<ssh::Session>()>;
  explicit Link(ConnectFn connect) : m_connect(std::move(connect)) {}

  // The session, connecting on first use and reconnecting after a loss.
  core::Result<ssh::Session*> session();

  // Tells the link that an operation on it failed: a transient error drops the session.
  void failed(const core::Error& error);

  // True once a connection was lost and not yet reopened.
  bool reconnecting() const { return m_lost; }

  // For ui::WatchOptions::wait: waits for `fd` while the session's keepalive runs (a plain
  // poll while there is no session).
  core::Result<bool> wait(int fd, int timeout_ms);

 private:
  ConnectFn m_connect;
  std::optional<ssh::Session> m_session;
  bool m_lost = false;
  int m_attempts = 0;
  std::int64_t m_next_attempt_ms = 0;
};

}  // namespace ec2dl::monitor
