#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ec2dl::remote {

// A remote sh script kept as src/remote/scripts/NAME.sh and embedded into the binary at build
// time; every one is a constant in ec2dl::remote::scripts (ec2dl/remote/scripts.hpp). A
// script whose header has a line "# uses: lib ..." is embedded after the scripts it names
// (theirs first, each once), so `text` always runs on its own.
struct Script {
  std::string_view name;  // "job_launch"
  std::string_view text;  // the used scripts' bytes, then the file's
};

// One run of an embedded script: the one way every capability builds the command line that
// sshd runs for a script (ssh::capture or ssh::Channel::exec then run it).
//
//   remote::ScriptCall call{remote::scripts::xfer_put, {dest}};
//   call.inputs = {{"mode", "0644"}, {"size", "12"}};
//   ssh::capture(session, call.command());
// The KEY of a named input: [a-z0-9_]+, checked when ec2dl is compiled (keys are written in
// the source, never taken from input), so a bad one cannot build.
class InputKey {
 public:
  // Implicit on purpose: a key is written as a plain literal, {"mode", value}.
  consteval InputKey(const char* key) : m_key(key) {
    if (m_key.empty()) {
      throw "a script input name is empty";
    }
    for (const char c : m_key) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        throw "a script input name is not [a-z0-9_]+";
      }
    }
  }
  std::string_view name() const { return m_key; }
  friend bool operator==(InputKey a, std::string_view b) { return a.m_key == b; }

 private:
  std::string_view m_key;
};

// One named input: the shell variable in_KEY, set to VALUE (quoted).
struct Input {
  InputKey key;
  std::string value;
};

struct ScriptCall {
  Script script;
  std::vector<std::string> args;  // $1, $2, ...
  // Named inputs: each becomes the shell variable in_KEY, set (quoted) before the script's
  // first line, so adding one never shifts a position.
  std::vector<Input> inputs;

  // The command line: /bin/sh running the inputs' assignments and the script text, with
  // `args` as $1..., named "ec2dl-NAME" in the server's process list (remote::sh_command).
  std::string command() const;
};

}  // namespace ec2dl::remote
