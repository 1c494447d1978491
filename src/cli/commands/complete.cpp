#include "ec2dl/cli/commands/complete.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>

#include "ec2dl/core/context.hpp"
#include "ec2dl/core/profiles.hpp"
#include "ec2dl/core/ssh_config.hpp"
#include "ec2dl/util/fs.hpp"

namespace ec2dl::cli::complete_cmd {

std::vector<std::string> profile_candidates(const core::Environment& env) {
  std::vector<std::string> out;
  if (auto config = core::ProfileConfig::load(core::profile_config_path(env))) {
    for (const auto& p : config->hosts()) {
      out.push_back(p.name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> host_candidates(const core::GlobalOptions& options,
                                         const core::Environment& env) {
  std::set<std::string> names;
  const auto ssh_dir = env.home + "/.ssh";
  std::vector<std::string> files;
  if (!options.ssh_config.empty()) {
    files.push_back(util::expand_tilde(options.ssh_config));
  } else {
    files = {ssh_dir + "/config", "/etc/ssh/ssh_config"};
  }
  for (const auto& file : files) {
    if (auto config = core::SshConfig::load(file, ssh_dir)) {
      for (const auto& alias : config->aliases()) {
        names.insert(alias);
      }
    }
  }
  for (const auto& p : profile_candidates(env)) {
    names.insert(p);
  }
  return {names.begin(), names.end()};
}

void setup(CLI::App& app, Options& options) {
  app.group("");  // hidden: for the completion scripts
  app.add_option("what", options.what, "hosts or profiles")->required();
}

int run(const Options& options, core::Context& ctx) {
  std::vector<std::string> words;
  if (options.what == "hosts") {
    words = host_candidates(ctx.options(), ctx.env());
  } else if (options.what == "profiles") {
    words = profile_candidates(ctx.env());
  }
  for (const auto& w : words) {
    // Names with spaces or control characters would break the shells' word lists.
    if (w.find_first_of(" \t\n\r'\"\\") == std::string::npos) {
      fmt::print("{}\n", w);
    }
  }
  return core::k_exit_ok;
}

}  // namespace ec2dl::cli::complete_cmd
