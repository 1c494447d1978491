#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ec2dl::remote {

// Quotes one word for POSIX sh so that it reaches the command byte for byte, whatever it
// holds (spaces, quotes, $(...), newlines, non-UTF-8). Words made only of safe characters
// are returned as they are; everything else is wrapped in single quotes.
std::string shell_quote(std::string_view word);

// Quotes each word and joins them with spaces: a command line for sh.
std::string shell_join(const std::vector<std::string>& words);

// Quotes a remote path that may start with "~/" so the server's sh still expands the tilde:
// "~/a b" -> "~/'a b'", "~" -> "~". Other paths are quoted whole.
std::string shell_quote_path(std::string_view path);

// The command line sent to sshd for `script`: run under /bin/sh whatever the login shell is
// (sh, bash, zsh, fish, csh/tcsh), with `args` as $1, $2, ... Plain text goes as
// "exec /bin/sh -c '<script>' ec2dl-NAME 'a1' 'a2'"; when any part holds a newline, a
// backslash, '!', a control or non-ASCII byte (which fish or csh would read differently
// inside quotes), that same line travels base64-encoded and /bin/sh decodes and runs it.
std::string sh_command(std::string_view script, const std::vector<std::string>& args = {},
                       std::string_view name = "ec2dl");

}  // namespace ec2dl::remote
