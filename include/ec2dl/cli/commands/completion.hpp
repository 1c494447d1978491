#pragma once

#include "ec2dl/core/error.hpp"

#include <string>
#include <vector>

#include "ec2dl/cli/introspect.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
struct Environment;
struct GlobalOptions;
}  // namespace ec2dl::core

namespace ec2dl::cli::completion_cmd {

struct Options {
  std::string shell;               // bash, zsh or fish
  const CLI::App* root = nullptr;  // the whole command line, walked when the script is made
};

// `completion bash|zsh|fish`: prints a completion script generated from the live command
// line, so every subcommand and option is covered. Host names are asked at completion time
// from `ec2dl __complete hosts`.
void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

// The scripts for a described command line (`version` goes into the header comment).
std::string bash_script(const CommandInfo& root, std::string_view version);
std::string zsh_script(const CommandInfo& root, std::string_view version);
std::string fish_script(const CommandInfo& root, std::string_view version);

}  // namespace ec2dl::cli::completion_cmd
