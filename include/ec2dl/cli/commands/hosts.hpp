#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::hosts_cmd {

struct Options {
  enum class Action { none, add, list, rm, set_default };
  Action action = Action::none;
  std::string name;                // add: NAME; default: [NAME]
  std::vector<std::string> names;  // rm: NAME...
  std::string target;              // add: [user@]host[:port]
  std::string workdir;
  std::string python;
  std::vector<std::string> env;  // K=V
  bool replace = false;
  bool make_default = false;
  bool unset = false;
};

// `hosts add|list|rm|default`: the host profiles of the ec2dl config file. Never connects;
// the global -i/-l/-p/--remote-dir given to `hosts add` are recorded in the profile.
void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::hosts_cmd
