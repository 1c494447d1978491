#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::run_cmd {

struct Options {
  std::vector<std::string> command;  // SCRIPT [ARG...], or "--" CMD [ARG...] (see words())
  std::string gpu;                   // --gpu SPEC ("" none)
  std::string name;
  std::string workdir;  // "" = the default (the remote home)
  std::string log;      // "" = BASE/jobs/ID/output.log
  std::string python;   // "" = the default (python3)
  std::vector<std::string> env;
  bool no_push = false;
  bool follow = false;
  bool wait = false;

  // Filled by the parser (add_launch_options): the first word, whether "--" came before it,
  // and the subcommand whose remaining arguments are the words after it.
  std::string first;
  bool separator = false;
  CLI::App* app = nullptr;

  // SCRIPT [ARG...] or "--" CMD [ARG...] as typed: `command` when set, else from the parser.
  std::vector<std::string> words() const;
};

// Defaults for what a host profile may set; ec2dl's own when none does. The one place that
// fills Options' empty fields, so profiles can be wired in here.
struct LaunchDefaults {
  std::string workdir;  // "": the remote home
  std::string python = "python3";
  std::vector<std::string> env;  // added before --env (which wins)
};
LaunchDefaults launch_defaults(const core::Context& ctx);

// What `run` will do: the job to register, and the local file to push first.
struct Plan {
  remote::LaunchSpec spec;
  std::string push_local;   // "" when nothing is pushed
  std::string push_remote;  // where it goes ("~/..." or absolute or relative to the home)
  bool gpu_given = false;
};

// Validates the options and works out the plan; no network. Usage errors name every
// problem found. A SCRIPT that does not exist locally is an error unless --no-push.
core::Result<Plan> make_plan(const Options& options, const LaunchDefaults& defaults);

// Declares the launch options (shared with gpu-run, which has no --gpu). Every word after
// SCRIPT belongs to the script, options included (`run train.py -f cfg --lr 1`).
void add_launch_options(CLI::App& app, Options& options, bool with_gpu);

// Connects, pushes, launches, and then follows or waits as asked. Returns the exit status.
int launch(const Options& options, core::Context& ctx, std::string_view command_name);

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::run_cmd
