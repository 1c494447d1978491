#include "ec2dl/cli/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <regex>

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

// The subcommand being parsed when CLI11 stopped ("hosts add"), or "" at the top level.
std::string parsed_command_path(CLI::App& app) {
  std::string path;
  CLI::App* at = &app;
  while (true) {
    const auto subs = at->get_subcommands();
    if (subs.empty()) {
      return path;
    }
    at = subs.back();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
}

// What the user typed for an option or positional CLI11 names in a message: its type name
// ("JOB...") when it has one, else the name.
std::string option_words(CLI::App& app, const std::string& name) {
  CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().back();
  }
  for (CLI::App* a = at; a != nullptr; a = a->get_parent()) {
    if (const auto* opt = a->get_option_no_throw(name); opt != nullptr) {
      if (opt->get_positional() && !opt->get_type_name().empty()) {
        return opt->get_type_name();
      }
      return opt->get_name();
    }
  }
  return name;
}

// CLI11's message in ec2dl's words: "COMMAND: what is wrong", one line.
std::string usage_message(CLI::App& app, const CLI::ParseError& e, const std::string& command) {
  std::string text(util::trim(e.what()));
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::smatch m;
  static const std::regex required(R"(^(\S+) is required$)");
  static const std::regex at_most(R"(^(\S+): At Most (\d+) required but received (\d+)$)");
  static const std::regex at_least(R"(^(\S+): At least (\d+) required but received (\d+)$)");
  static const std::regex missing(R"(^(\S+): (\d+) required (\S+) missing$)");
  static const std::regex extras(R"(^The following arguments? (?:was|were) not expected: (.*)$)");
  static const std::regex range(R"(^(\S+): Value (.*) not in range (\S+) to (\S+)$)");
  static const std::regex member(R"(^(\S+): (.*) not in \{(.*)\}$)");
  static const std::regex subcommand(
      R"(^(A subcommand is required|Requires at least \d+ subcommands?)$)");
  auto number = [](std::string n) {  // "0.000000" -> "0"
    if (n.find('.') != std::string::npos) {
      while (n.back() == '0') {
        n.pop_back();
      }
      if (n.back() == '.') {
        n.pop_back();
      }
    }
    return n;
  };
  if (std::regex_match(text, m, required)) {
    text = fmt::format("missing {}", option_words(app, m[1]));
  } else if (std::regex_match(text, m, at_most)) {
    text = fmt::format("{} takes at most {} value{}, not {}", option_words(app, m[1]), m[2].str(),
                       m[2] == "1" ? "" : "s", m[3].str());
  } else if (std::regex_match(text, m, at_least)) {
    text = fmt::format("{} needs at least {} value{}, not {}", option_words(app, m[1]), m[2].str(),
                       m[2] == "1" ? "" : "s", m[3].str());
  } else if (std::regex_match(text, m, missing)) {
    text = fmt::format("{} needs a value ({})", m[1].str(), m[3].str());
  } else if (std::regex_match(text, m, extras)) {
    const auto words = m[1].str();
    if (words.find(' ') != std::string::npos) {
      text = fmt::format("unexpected arguments: {}", words);
    } else if (words.starts_with('-')) {
      text = fmt::format("unknown option: {}", words);
    } else {
      text =
          fmt::format("{}: {}", command.empty() ? "unknown command" : "unexpected argument", words);
    }
  } else if (std::regex_match(text, m, range)) {
    text = fmt::format("{} takes a number from {} to {}, not '{}'", m[1].str(), number(m[3]),
                       number(m[4]), m[2].str());
  } else if (std::regex_match(text, m, member)) {
    auto choices = m[3].str();
    std::replace(choices.begin(), choices.end(), ',', ' ');
    text = fmt::format("{} takes one of: {}; not '{}'", m[1].str(), choices, m[2].str());
  } else if (std::regex_match(text, m, subcommand)) {
    std::vector<std::string> names;
    CLI::App* at = &app;
    while (!at->get_subcommands().empty()) {
      at = at->get_subcommands().back();
    }
    for (const auto* sub :
         at->get_subcommands([](CLI::App* a) { return !a->get_name().empty(); })) {
      names.push_back(sub->get_name());
    }
    text = fmt::format("give a subcommand: {}", util::join(names, ", "));
  } else if (!text.empty() && std::isupper(static_cast<unsigned char>(text.front())) &&
             text.size() > 1 && std::islower(static_cast<unsigned char>(text[1]))) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return command.empty() ? text : command + ": " + text;
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
    // Every usage error: one line in ec2dl's words, and the help of the command it is about.
    const auto command = parsed_command_path(app);
    fmt::print(stderr, "ec2dl: error: {}\nec2dl: hint: run 'ec2dl {}--help' for usage\n",
               util::sanitize_for_terminal(usage_message(app, e, command)),
               command.empty() ? "" : command + " ");
    return core::k_exit_usage;
  }

  setup_logging(global.verbosity);
  for (auto& [sub, runner] : runners) {
    if (sub->parsed()) {
      core::Context ctx(global, core::Environment::from_process());
      try {
        auto status = runner(ctx);
        if (!status && status.error().kind() == core::ErrorKind::usage &&
            status.error().hint().empty()) {
          // A usage error with no better advice points at the command's help.
          return report(status.error().with_hint(
              fmt::format("run 'ec2dl {} --help' for usage", parsed_command_path(app))));
        }
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
