#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/jobs/plan.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

// What run and gpu-run share: their options and the launch as the user sees it.
namespace ec2dl::cli {

struct LaunchOptions {
  // What is asked of the job; `request.words` only when set directly (see words()).
  jobs::RunRequest request;
  bool follow = false;
  bool wait = false;

  // Filled by the parser (add_launch_options): the first word, whether "--" came before it,
  // and the subcommand whose remaining arguments are the words after it.
  std::string first;
  bool separator = false;
  CLI::App* app = nullptr;

  // SCRIPT [ARG...] or "--" CMD [ARG...] as typed: request.words when set, else from the
  // parser.
  std::vector<std::string> words() const;
};

// Declares the launch options (gpu-run has no --gpu). Every word after SCRIPT belongs to the
// script, options included (`run train.py -f cfg --lr 1`).
void add_launch_options(CLI::App& app, LaunchOptions& options, bool with_gpu);

// Plans, connects, pushes, launches, says what started, and then follows or waits as asked.
// Returns the exit status (the job's with -f or --wait).
core::Result<int> launch(const LaunchOptions& options, core::Context& ctx,
                         std::string_view command_name);

}  // namespace ec2dl::cli
