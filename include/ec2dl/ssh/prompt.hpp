#pragma once

#include <optional>
#include <string>

namespace ec2dl::ssh {

// True when /dev/tty can be opened: there is a terminal to ask.
bool terminal_available();

// Writes `prompt` to the terminal and reads one line from it; without echo when `secret`.
// nullopt when there is no terminal or reading failed. Never logs what was typed.
std::optional<std::string> prompt_terminal(const std::string& prompt, bool secret);

}  // namespace ec2dl::ssh
