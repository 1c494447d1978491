#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"

namespace ec2dl::core {
class Context;
}

// What `run` (and `gpu-run`) will start, worked out from what was asked before connecting.
// A new flag of run is declared in cli/launch.cpp and given its meaning here.
namespace ec2dl::jobs {

// What the user asked for, as typed.
struct RunRequest {
  std::vector<std::string> words;  // SCRIPT [ARG...], or "--" CMD [ARG...]
  std::string gpu;                 // --gpu SPEC ("" none)
  std::string name;
  std::string workdir;  // "" = the default (the remote home)
  std::string log;      // "" = BASE/jobs/ID/output.log
  std::string python;   // "" = the default (python3)
  std::vector<std::string> env;
  bool no_push = false;
};

// Defaults for what a host profile may set; ec2dl's own when none does. The one place that
// fills a request's empty fields, so profiles can be wired in here.
struct LaunchDefaults {
  std::string workdir;  // "": the remote home
  std::string python = "python3";
  std::vector<std::string> env;  // added before --env (which wins)
};
LaunchDefaults launch_defaults(const core::Context& ctx);

// The job to register, and the local file to push first.
struct Plan {
  remote::LaunchSpec spec;  // spec.gpu: the --gpu request, parsed
  std::string push_local;   // "" when nothing is pushed
  std::string push_remote;  // where it goes ("~/..." or absolute or relative to the home)
};

// Validates the request and works out the plan; no network. Usage errors name every
// problem found. A SCRIPT that does not exist locally is an error unless no_push.
core::Result<Plan> make_plan(const RunRequest& request, const LaunchDefaults& defaults);

}  // namespace ec2dl::jobs
