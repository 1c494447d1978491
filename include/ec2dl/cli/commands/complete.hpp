#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
struct Environment;
struct GlobalOptions;
}  // namespace ec2dl::core

namespace ec2dl::cli::complete_cmd {

struct Options {
  std::string what;  // hosts or profiles
};

// Hidden `__complete hosts|profiles`: candidates for the completion scripts, one a line.
// Never fails: an unreadable config just contributes nothing.
void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

// Host aliases of ssh config (~/.ssh/config or -F FILE, and /etc/ssh/ssh_config) and the
// saved profile names, sorted, without duplicates.
std::vector<std::string> host_candidates(const core::GlobalOptions& options,
                                         const core::Environment& env);
std::vector<std::string> profile_candidates(const core::Environment& env);

}  // namespace ec2dl::cli::complete_cmd
