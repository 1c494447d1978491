#pragma once

#include "ec2dl/core/error.hpp"

#include <string>
#include <string_view>

#include "ec2dl/cli/introspect.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::manpage_cmd {

struct Options {
  const CLI::App* root = nullptr;  // the whole command line, walked when the page is made
};

// Hidden `__manpage`: prints ec2dl(1) in roff, made from the live command line (every
// subcommand's usage, options and examples) and the sections below. Run by the build.
void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

// The page for a described command line.
std::string man_page(const CommandInfo& root, std::string_view version);

// Escapes text for roff: backslashes, hyphens (kept as ASCII minus for copy and paste), and
// a leading '.' or '\''.
std::string roff_escape(std::string_view text);

}  // namespace ec2dl::cli::manpage_cmd
