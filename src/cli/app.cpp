#include "ec2dl/cli/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/version.hpp"

namespace ec2dl::cli {

namespace {

void add_global_options(CLI::App& app, core::GlobalOptions& g) {
  const char* group = "Server and connection";
  app.add_option("-H,--host", g.host,
                 "Server: a saved host (ec2dl hosts), an ~/.ssh/config alias or "
                 "[user@]host[:port] (default: $EC2DL_HOST, then the saved default host)")
      ->type_name("TARGET")
      ->group(group);
  app.add_option("-i,--identity", g.identity, "Private key file (like ssh -i)")
      ->type_name("FILE")
      ->group(group);
  app.add_option("-l,--user", g.user, "Remote user name")->type_name("USER")->group(group);
  app.add_option("-p,--port", g.port, "Remote ssh port")
      ->type_name("N")
      ->check(CLI::Range(1, 65535))
      ->group(group);
  app.add_option("-F,--ssh-config", g.ssh_config, "ssh config file (default: ~/.ssh/config)")
      ->type_name("FILE")
      ->group(group);
  app.add_option("--known-hosts", g.known_hosts, "known_hosts file (default: ~/.ssh/known_hosts)")
      ->type_name("FILE")
      ->group(group);
  app.add_option("--host-key-check", g.host_key_check,
                 "Unknown host keys: ask (default on a terminal), accept-new, strict (default "
                 "otherwise); a changed key is always refused")
      ->type_name("MODE")
      ->check(CLI::IsMember({"ask", "accept-new", "strict"}))
      ->group(group);
  app.add_option("--connect-timeout", g.connect_timeout, "Seconds to wait for a connection (10)")
      ->type_name("SECS")
      ->check(CLI::Range(1, 3600))
      ->group(group);
  app.add_option("--keepalive", g.keepalive,
                 "Seconds between keepalives; 3 unanswered = dead link (30; 0 = off)")
      ->type_name("SECS")
      ->check(CLI::Range(0, 86400))
      ->group(group);
  app.add_option("--remote-dir", g.remote_dir,
                 "Job registry folder on the server (default: $EC2DL_REMOTE_DIR or ~/.ec2dl)")
      ->type_name("DIR")
      ->group(group);
  const char* out = "Output";
  app.add_flag("-v,--verbose", g.verbosity, "Debug log on stderr (-vv: also libssh's protocol)")
      ->group(out);
  app.add_flag("-q,--quiet", g.quiet, "Only data on stdout; no notices")->group(out);
  app.add_flag("--json", g.json, "Structured output where a command has it")->group(out);
  app.add_flag("--no-color", g.no_color, "No colour, even on a terminal (NO_COLOR also works)")
      ->group(out);
}

void setup_logging(int verbosity) {
  auto logger = spdlog::stderr_color_st("ec2dl");
  logger->set_pattern("ec2dl: debug: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity >= 2   ? spdlog::level::trace
                    : verbosity == 1 ? spdlog::level::debug
                                     : spdlog::level::off);
  ssh::configure_libssh_logging(verbosity);
}

}  // namespace

int main(int argc, char** argv) {
  core::install_interrupt_handlers();

  CLI::App app{"ec2dl: run deep-learning jobs on rented GPU servers from your workstation"};
  app.name("ec2dl");
  app.set_version_flag("--version", std::string("ec2dl ") + k_version);
  app.require_subcommand(0, 1);
  app.footer(std::string(exit_status_table()) +
             "\nRun 'ec2dl COMMAND --help' for a command's options and examples.");

  core::GlobalOptions global;
  add_global_options(app, global);

  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const auto& spec : command_table()) {
    CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.summary));
    sub->fallthrough();
    runners.emplace_back(sub, spec.install(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    for (auto& c : message) {
      if (c == '\n') {
        c = ' ';
      }
    }
    fmt::print(stderr, "ec2dl: error: {}\nec2dl: hint: run 'ec2dl --help' for usage\n",
               util::sanitize_for_terminal(util::trim(message)));
    return core::k_exit_usage;
  }

  setup_logging(global.verbosity);
  for (auto& [sub, runner] : runners) {
    if (sub->parsed()) {
      core::Context ctx(global, core::Environment::from_process());
      try {
        auto status = runner(ctx);
        return status ? *status : report(status.error());
      } catch (const std::exception& e) {
        return report(core::Error(core::ErrorKind::internal, e.what()));
      }
    }
  }
  fmt::print(stderr, "{}", app.help());
  return core::k_exit_usage;
}

}  // namespace ec2dl::cli
