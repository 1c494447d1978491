#pragma once

#include <optional>
#include <string>

namespace ec2dl::ssh {

// True when /dev/tty can be opened: there is a terminal to ask.
bool terminal_available();

// Writes `prompt` to the terminal and reads one line from it; without echo when `secret`.
// nullopt when there is no terminal or reading failed. Never logs what was typed.
std::optional<std::string> prompt_terminal(const std::string& prompt, bool secret);

// What connecting asks of the person at the terminal and tells them. The ssh layer prints
// nothing itself: the command line passes its own Prompter (cli::prompter()) to
// Session::connect, and tests can pass a scripted one.
class Prompter {
 public:
  virtual ~Prompter() = default;

  // True when someone can be asked (a passphrase, a new host key).
  virtual bool can_ask() = 0;
  // The passphrase of the private key in `file`; nullopt when none was given.
  virtual std::optional<std::string> passphrase(const std::string& file) = 0;
  // The passphrase just given did not unlock the key; it is asked again.
  virtual void wrong_passphrase() = 0;
  // An identity file is not offered: `problem` says why (identity_file_problem).
  virtual void key_ignored(const std::string& problem) = 0;
  // Whether to trust host `name`'s unknown key of `type` ("ED25519") and `fingerprint`;
  // false when no one accepts it.
  virtual bool accept_host_key(const std::string& name, const std::string& type,
                               const std::string& fingerprint) = 0;
  // The key of `name` was recorded in `file`, as OpenSSH announces a key it learns.
  virtual void host_key_recorded(const std::string& name, const std::string& type,
                                 const std::string& file) = 0;
};

}  // namespace ec2dl::ssh
