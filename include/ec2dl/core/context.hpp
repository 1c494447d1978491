#pragma once

#include <optional>
#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/profiles.hpp"
#include "ec2dl/core/target.hpp"

namespace ec2dl::core {

// Everything a subcommand needs to know about how it was invoked: the global options, the
// environment, which standard streams are terminals, and (once asked) the resolved target.
class Context {
 public:
  Context(GlobalOptions options, Environment env);

  const GlobalOptions& options() const { return m_options; }
  const Environment& env() const { return m_env; }

  bool stdin_tty() const { return m_stdin_tty; }
  bool stdout_tty() const { return m_stdout_tty; }
  bool stderr_tty() const { return m_stderr_tty; }
  // A person is there to answer prompts: stdin and stderr are terminals.
  bool interactive() const { return m_stdin_tty && m_stderr_tty; }
  // Colour on stdout: a terminal, no --no-color, no NO_COLOR.
  bool color() const;

  // The resolved server; computed on first use and cached.
  Result<Target> target();

  // The ec2dl host profile chosen by -H NAME, $EC2DL_HOST or the config's default host, or
  // nullptr when the server is not a profile. Its workdir, python and env are defaults for
  // the commands that use them (flags win). Reads the config file on first use; fails when
  // it is malformed.
  Result<const Profile*> profile() const;

  // The job registry's base folder on the server, as a remote path ("~/.ec2dl" by default):
  // --remote-dir > EC2DL_REMOTE_DIR > the profile's remote_dir > default.
  std::string remote_dir() const;

  // For tests and callers that resolve the target themselves.
  void set_target(Target target) { m_target = std::move(target); }
  void set_profile(std::optional<Profile> profile) { m_profile = std::move(profile); }

 private:
  GlobalOptions m_options;
  Environment m_env;
  bool m_stdin_tty = false;
  bool m_stdout_tty = false;
  bool m_stderr_tty = false;
  std::optional<Target> m_target;
  mutable std::optional<std::optional<Profile>> m_profile;  // outer: loaded yet
};

}  // namespace ec2dl::core
