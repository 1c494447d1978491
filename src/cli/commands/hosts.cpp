#include "ec2dl/cli/commands/hosts.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/core/profiles.hpp"
#include "ec2dl/ssh/auth.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::hosts_cmd {

namespace {

using core::ErrorKind;

// Control characters and invalid UTF-8 have no place in a config file a person edits.
bool has_control(std::string_view s) {
  return util::sanitize_for_terminal(s) != s;
}

void notice(const core::Context& ctx, const std::string& text) {
  if (!ctx.options().quiet) {
    fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(text));
  }
}

// Prints every problem and returns the exit status of the first.
int report_all(const std::vector<core::Error>& errors) {
  int status = 0;
  for (const auto& e : errors) {
    const int s = report(e);
    if (status == 0) {
      status = s;
    }
  }
  return status;
}

core::Result<core::ProfileConfig> load_config(const core::Context& ctx) {
  return core::ProfileConfig::load(core::profile_config_path(ctx.env()));
}

core::Result<int> run_add(const Options& options, core::Context& ctx) {
  const auto& g = ctx.options();
  std::vector<core::Error> errors;
  const std::string& name = options.name;
  if (auto problem = core::profile_name_problem(name); !problem.empty()) {
    errors.emplace_back(ErrorKind::usage, fmt::format("hosts add: name '{}': {}", name, problem));
  }
  if (!g.host.empty()) {
    errors.emplace_back(ErrorKind::usage,
                        "hosts add: give the server as the second argument, not with -H");
  }
  core::Profile profile;
  profile.name = name;
  auto spec = core::parse_host_spec(options.target);
  if (!spec) {
    errors.push_back(spec.error().context("hosts add"));
  } else {
    profile.host = spec->host;
    profile.user = spec->user;
    profile.port = spec->port;
    if (!g.user.empty()) {
      if (!spec->user.empty() && spec->user != g.user) {
        errors.emplace_back(ErrorKind::usage,
                            fmt::format("hosts add: two users given: '{}' in {} and '{}' with -l",
                                        spec->user, options.target, g.user));
      }
      profile.user = g.user;
    }
    if (g.port > 0) {
      if (spec->port > 0 && spec->port != g.port) {
        errors.emplace_back(ErrorKind::usage,
                            fmt::format("hosts add: two ports given: {} in {} and {} with -p",
                                        spec->port, options.target, g.port));
      }
      profile.port = g.port;
    }
    if (!profile.user.empty() &&
        profile.user.find_first_of(" \t\n@:/'\"`$;&|<>\\") != std::string::npos) {
      errors.emplace_back(ErrorKind::usage,
                          fmt::format("hosts add: '{}' is not a user name", profile.user));
    }
  }
  if (has_control(g.identity)) {
    errors.emplace_back(ErrorKind::usage,
                        "hosts add: -i: control characters and invalid UTF-8 are not allowed");
  } else if (!g.identity.empty()) {
    if (g.identity.starts_with("~")) {
      profile.identity = g.identity;
    } else {
      // An absolute path, written with ~ when it is in the home (the shell expanded it).
      std::error_code ec;
      profile.identity = std::filesystem::absolute(g.identity, ec).lexically_normal().string();
      const auto& home = ctx.env().home;
      if (!home.empty() && home != "/" && profile.identity.starts_with(home + "/")) {
        profile.identity = "~" + profile.identity.substr(home.size());
      }
    }
  }
  const auto text_setting = [&](const char* flag, const std::string& value, std::string& field) {
    if (has_control(value)) {
      errors.emplace_back(ErrorKind::usage,
                          fmt::format("hosts add: {}: control characters and invalid UTF-8 "
                                      "are not allowed",
                                      flag));
    }
    field = value;
  };
  text_setting("--workdir", options.workdir, profile.workdir);
  text_setting("--python", options.python, profile.python);
  text_setting("--remote-dir", g.remote_dir, profile.remote_dir);
  for (const auto& kv : options.env) {
    const auto eq = kv.find('=');
    const auto var = kv.substr(0, eq);
    if (eq == std::string::npos || !core::valid_env_name(var)) {
      errors.emplace_back(ErrorKind::usage,
                          fmt::format("hosts add: --env '{}': expected NAME=VALUE with NAME made "
                                      "of letters, digits and '_'",
                                      kv));
      continue;
    }
    if (has_control(kv)) {
      errors.emplace_back(ErrorKind::usage,
                          fmt::format("hosts add: --env {}: control characters and invalid "
                                      "UTF-8 are not allowed",
                                      var));
      continue;
    }
    profile.env[var] = kv.substr(eq + 1);
  }
  if (!errors.empty()) {
    return report_all(errors);
  }

  EC2DL_TRY_ASSIGN(auto config, core::with_hint(load_config(ctx),
                                                "the file was left as it is; fix it by hand (or "
                                                "move it away) and add the host again"));
  if (const auto* existing = config.find(name); existing != nullptr && !options.replace) {
    return core::fail(
        ErrorKind::usage,
        fmt::format("hosts add: a host named '{}' already exists ({}:{})", name, config.path(),
                    existing->line),
        fmt::format("add --replace to overwrite it, or remove it first: ec2dl hosts rm {}", name));
  }
  const bool becomes_default =
      options.make_default || config.default_host().empty() || config.default_host() == name;
  config.put(profile);
  if (becomes_default) {
    config.set_default(name);
  }
  EC2DL_TRY(config.save());
  notice(ctx, fmt::format("saved host '{}' ({}) in {}{}", name, profile.display(), config.path(),
                          becomes_default ? "; it is the default host" : ""));
  if (!profile.identity.empty()) {
    bool missing = false;
    const auto key = util::expand_tilde(profile.identity);
    const auto problem = ssh::identity_file_problem(key, &missing);
    if (missing) {
      warn(fmt::format("the key {} does not exist (yet)", profile.identity));
    } else if (!problem.empty()) {
      warn(problem);
    }
  }
  return core::k_exit_ok;
}

nlohmann::ordered_json or_null(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

core::Result<int> run_list(const Options&, core::Context& ctx) {
  EC2DL_TRY_ASSIGN(auto config, load_config(ctx));
  if (ctx.options().json) {
    nlohmann::ordered_json hosts = nlohmann::ordered_json::array();
    for (const auto& p : config.hosts()) {
      hosts.push_back({
          {"name", p.name},
          {"host", p.host},
          {"user", or_null(p.user)},
          {"port", p.port > 0 ? nlohmann::ordered_json(p.port) : nlohmann::ordered_json(nullptr)},
          {"identity", or_null(p.identity)},
          {"workdir", or_null(p.workdir)},
          {"python", or_null(p.python)},
          {"remote_dir", or_null(p.remote_dir)},
          {"env", p.env},
          {"default", p.name == config.default_host()},
      });
    }
    const nlohmann::ordered_json out = {
        {"config", config.path()},
        {"default", or_null(config.default_host())},
        {"hosts", hosts},
    };
    fmt::print("{}\n", util::json_text(out, 2));
    return core::k_exit_ok;
  }
  if (config.hosts().empty()) {
    notice(ctx, fmt::format("no hosts saved in {}; add one with: ec2dl hosts add NAME "
                            "[user@]host[:port] -i KEY",
                            config.path()));
    return core::k_exit_ok;
  }
  ui::Table table({{"NAME"}, {"SERVER"}, {"IDENTITY"}, {"WORKDIR"}, {"ENV"}});
  const bool color = ctx.color();
  for (const auto& p : config.hosts()) {
    const bool is_default = p.name == config.default_host();
    std::vector<std::string> env;
    for (const auto& [k, v] : p.env) {
      env.push_back(k + "=" + v);
    }
    table.add_row({ui::Cell(p.name + (is_default ? " *" : ""),
                            is_default ? ui::Color::bold : ui::Color::none),
                   p.display(), p.identity.empty() ? "-" : p.identity,
                   p.workdir.empty() ? "-" : p.workdir, env.empty() ? "-" : util::join(env, " ")});
  }
  fmt::print("{}", table.render(color));
  if (!config.default_host().empty()) {
    notice(ctx, fmt::format("* default host (used when neither -H nor EC2DL_HOST is given)"));
  }
  return core::k_exit_ok;
}

core::Result<int> run_rm(const Options& options, core::Context& ctx) {
  std::vector<core::Error> errors;
  for (const auto& name : options.names) {
    if (auto problem = core::profile_name_problem(name); !problem.empty()) {
      errors.emplace_back(ErrorKind::usage, fmt::format("hosts rm: name '{}': {}", name, problem));
    }
  }
  if (!errors.empty()) {
    return report_all(errors);
  }
  EC2DL_TRY_ASSIGN(auto config,
                   core::with_hint(load_config(ctx), "the file was left as it is; fix it by hand"));
  for (const auto& name : options.names) {
    if (config.find(name) == nullptr) {
      errors.emplace_back(ErrorKind::not_found,
                          fmt::format("hosts rm: no host named '{}' in {}", name, config.path()),
                          "list them with: ec2dl hosts list");
    }
  }
  if (!errors.empty()) {
    return report_all(errors);
  }
  const auto old_default = config.default_host();
  for (const auto& name : options.names) {
    config.remove(name);
  }
  EC2DL_TRY(config.save());
  notice(ctx, fmt::format("removed {} from {}", util::join(options.names, ", "), config.path()));
  if (!old_default.empty() && config.default_host().empty()) {
    notice(ctx, fmt::format("'{}' was the default host; there is none now (set one with: ec2dl "
                            "hosts default NAME)",
                            old_default));
  }
  return core::k_exit_ok;
}

core::Result<int> run_default(const Options& options, core::Context& ctx) {
  if (options.unset && !options.name.empty()) {
    return core::fail(ErrorKind::usage, "hosts default: give either NAME or --unset, not both");
  }
  EC2DL_TRY_ASSIGN(auto config, load_config(ctx));
  if (options.name.empty() && !options.unset) {
    if (config.default_host().empty()) {
      return core::fail(ErrorKind::not_found, fmt::format("no default host in {}", config.path()),
                        "set one with: ec2dl hosts default NAME");
    }
    fmt::print("{}\n", config.default_host());
    return core::k_exit_ok;
  }
  if (options.unset) {
    config.set_default({});
  } else {
    const auto& name = options.name;
    if (auto problem = core::profile_name_problem(name); !problem.empty()) {
      return core::fail(ErrorKind::usage,
                        fmt::format("hosts default: name '{}': {}", name, problem));
    }
    if (config.find(name) == nullptr) {
      return core::fail(ErrorKind::not_found,
                        fmt::format("hosts default: no host named '{}' in {}", name, config.path()),
                        "list them with: ec2dl hosts list");
    }
    config.set_default(name);
  }
  EC2DL_TRY(config.save());
  notice(ctx, options.unset ? std::string("no default host now")
                            : fmt::format("the default host is '{}'", options.name));
  return core::k_exit_ok;
}

}  // namespace

void setup(CLI::App& app, Options& options) {
  using Action = Options::Action;
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  ec2dl hosts add gpu1 ec2-user@54.218.86.47 -i ~/.ssh/aws-keypair.pem\n"
      "  ec2dl hosts list\n"
      "  ec2dl hosts default gpu1\n"
      "  ec2dl -H gpu1 login\n"
      "Profiles live in ~/.config/ec2dl/config.toml ($XDG_CONFIG_HOME, $EC2DL_CONFIG).");

  auto* add = app.add_subcommand("add", "Save a server under a short name (never connects)");
  add->fallthrough();
  add->add_option("name", options.name, "Short name for the server (letters, digits, . _ -)")
      ->type_name("NAME")
      ->required();
  add->add_option("target", options.target, "The server: [user@]host[:port]")
      ->type_name("TARGET")
      ->required();
  add->add_option("--workdir", options.workdir,
                  "Remote working folder used by run, push and pull (default: home)")
      ->type_name("DIR");
  add->add_option("--python", options.python,
                  "Interpreter for .py scripts on this server (default: python3)")
      ->type_name("CMD");
  add->add_option("--env", options.env, "Environment variable for jobs on this server (repeat)")
      ->type_name("NAME=VALUE");
  add->add_flag("--default", options.make_default, "Make it the default host");
  add->add_flag("--replace", options.replace, "Overwrite a host of the same name");
  add->footer(
      "The key (-i), user (-l/--user), port (-p/--port) and registry folder (--remote-dir)\n"
      "given with it are recorded in the profile, not used to connect. The first host saved\n"
      "becomes the default.\n"
      "Examples:\n"
      "  ec2dl hosts add gpu1 ec2-user@54.218.86.47 -i ~/.ssh/aws-keypair.pem\n"
      "  ec2dl hosts add lab 10.0.0.7:2222 -l me --workdir ~/proj --env WANDB_MODE=offline\n"
      "  ec2dl hosts add gpu1 ec2-user@54.218.86.48 -i ~/.ssh/aws-keypair.pem --replace");
  add->callback([&options] { options.action = Action::add; });

  auto* list = app.add_subcommand("list", "List the saved servers (--json for scripts)");
  list->fallthrough();
  list->alias("ls");
  list->footer(
      "Examples:\n"
      "  ec2dl hosts list\n"
      "  ec2dl --json hosts list");
  list->callback([&options] { options.action = Action::list; });

  auto* rm = app.add_subcommand("rm", "Forget saved servers");
  rm->fallthrough();
  rm->alias("remove");
  rm->add_option("names", options.names, "Names of the servers to forget")
      ->type_name("NAME")
      ->required();
  rm->footer(
      "Examples:\n"
      "  ec2dl hosts rm gpu1\n"
      "  ec2dl hosts rm old1 old2");
  rm->callback([&options] { options.action = Action::rm; });

  auto* def = app.add_subcommand(
      "default", "Show or set the server used when neither -H nor EC2DL_HOST is given");
  def->fallthrough();
  def->add_option("name", options.name, "The saved server to use by default")->type_name("NAME");
  def->add_flag("--unset", options.unset, "Have no default server");
  def->footer(
      "Examples:\n"
      "  ec2dl hosts default gpu1\n"
      "  ec2dl hosts default          # prints the default\n"
      "  ec2dl hosts default --unset");
  def->callback([&options] { options.action = Action::set_default; });
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  switch (options.action) {
    case Options::Action::add:
      return run_add(options, ctx);
    case Options::Action::list:
      return run_list(options, ctx);
    case Options::Action::rm:
      return run_rm(options, ctx);
    case Options::Action::set_default:
      return run_default(options, ctx);
    case Options::Action::none:
      break;
  }
  return core::fail(ErrorKind::usage, "hosts: name an action: add, list, rm, default");
}

}  // namespace ec2dl::cli::hosts_cmd
