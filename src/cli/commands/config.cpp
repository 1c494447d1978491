#include "ec2dl/cli/commands/config.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/core/profiles.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::config_cmd {

void setup(CLI::App& app, Options& options) {
  app.add_option("HOST", options.host,
                 "The alias or [user@]host[:port] to resolve (default: -H, EC2DL_HOST)")
      ->type_name("HOST");
  app.footer(
      "Prints the settings ec2dl resolved for HOST the way 'ssh -G HOST' prints OpenSSH's\n"
      "(keyword, space, value), so the two can be compared line by line. Unknown keywords\n"
      "are warned about on stderr; -v adds the Host and Match lines evaluated.\n"
      "Examples:\n"
      "  ec2dl config gpu1\n"
      "  diff <(ec2dl config gpu1 | sort) <(ssh -G gpu1 | sort)\n"
      "Exit status: 0 resolved; 1 the ssh config is malformed or a name does not resolve\n"
      "(CanonicalizeFallbackLocal no); 2 usage.");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  core::GlobalOptions g = ctx.options();
  if (!options.host.empty()) {
    if (!g.host.empty() && g.host != options.host) {
      return core::fail(
          core::ErrorKind::usage,
          fmt::format("config: two hosts given: '{}' with -H and '{}'", g.host, options.host));
    }
    g.host = options.host;
  }
  const core::Profile* profile = nullptr;
  std::optional<core::Profile> chosen;
  EC2DL_TRY_ASSIGN(const auto config,
                   core::ProfileConfig::load(core::profile_config_path(ctx.env())));
  EC2DL_TRY_ASSIGN(chosen, core::select_profile(config, g, ctx.env()));
  if (chosen) {
    profile = &*chosen;
  }
  EC2DL_TRY_ASSIGN(
      const auto target,
      core::with_context(core::resolve_target(g, ctx.env(), ctx.interactive(), profile), "config"));
  if (g.verbosity > 0) {
    for (const auto& line : target.config_trail) {
      fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(line));
    }
  }
  if (!g.quiet) {
    for (const auto& note : target.notes) {
      warn(note);
    }
  }
  for (const auto& [key, value] : target.ssh_settings) {
    fmt::print("{} {}\n", key, value);
  }
  return 0;
}

}  // namespace ec2dl::cli::config_cmd
