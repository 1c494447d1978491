#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}

namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli {

// Declares a subcommand's flags on `app` and returns what runs it once parsing is done. A
// runner returns the exit status, or the error that ended the command: main() is the one
// place that reports an error (cli::report) and maps it to its exit status.
using Runner = std::function<core::Result<int>(core::Context&)>;
using Installer = std::function<Runner(CLI::App&)>;

struct CommandSpec {
  std::string_view name;
  std::string_view summary;  // one line for --help
  Installer install;
};

// Builds a CommandSpec from a subcommand's Options struct, its setup() and its run().
template <class Options>
CommandSpec make_command(std::string_view name, std::string_view summary,
                         void (*setup)(CLI::App&, Options&),
                         core::Result<int> (*run)(const Options&, core::Context&)) {
  return {name, summary, [setup, run](CLI::App& app) -> Runner {
            auto options = std::make_shared<Options>();
            setup(app, *options);
            return [options, run](core::Context& ctx) { return run(*options, ctx); };
          }};
}

// The same for a run() that reports its own errors (it prints partial results and errors
// together, as `kill` and `wait` do) and returns the exit status.
template <class Options>
CommandSpec make_command(std::string_view name, std::string_view summary,
                         void (*setup)(CLI::App&, Options&),
                         int (*run)(const Options&, core::Context&)) {
  return {name, summary, [setup, run](CLI::App& app) -> Runner {
            auto options = std::make_shared<Options>();
            setup(app, *options);
            return [options, run](core::Context& ctx) -> core::Result<int> {
              return run(*options, ctx);
            };
          }};
}

// Every subcommand, in the order --help lists them (the dispatcher table).
const std::vector<CommandSpec>& command_table();

// Parses argv, runs the chosen subcommand, and returns the process exit status.
int main(int argc, char** argv);

}  // namespace ec2dl::cli
