#include "ec2dl/cli/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Matches `text` whole against `pattern`, where each '*' stands for one or more characters
// (the shortest that lets the rest match); returns what each '*' matched, or nullopt.
std::optional<std::vector<std::string>> match(std::string_view text, std::string_view pattern) {
  const auto star = pattern.find('*');
  if (star == std::string_view::npos) {
    return text == pattern ? std::optional<std::vector<std::string>>(std::in_place) : std::nullopt;
  }
  if (!text.starts_with(pattern.substr(0, star))) {
    return std::nullopt;
  }
  text.remove_prefix(star);
  pattern.remove_prefix(star + 1);
  for (std::size_t len = 1; len <= text.size(); ++len) {
    if (auto rest = match(text.substr(len), pattern)) {
      rest->insert(rest->begin(), std::string(text.substr(0, len)));
      return rest;
    }
  }
  return std::nullopt;
}

bool is_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// CLI11's message in ec2dl's words: "COMMAND: what is wrong", one line.
std::string usage_message(CLI::App& app, const CLI::ParseError& e, const std::string& command) {
  std::string text(util::trim(e.what()));
  std::replace(text.begin(), text.end(), '\n', ' ');
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
  auto word = [](const std::string& s) { return s.find(' ') == std::string::npos; };
  std::optional<std::vector<std::string>> m;
  if ((m = match(text, "* is required")) && word((*m)[0])) {
    text = fmt::format("missing {}", option_words(app, (*m)[0]));
  } else if ((m = match(text, "*: At Most * required but received *")) && is_number((*m)[1]) &&
             is_number((*m)[2])) {
    text = fmt::format("{} takes at most {} value{}, not {}", option_words(app, (*m)[0]), (*m)[1],
                       (*m)[1] == "1" ? "" : "s", (*m)[2]);
  } else if ((m = match(text, "*: At least * required but received *")) && is_number((*m)[1]) &&
             is_number((*m)[2])) {
    text = fmt::format("{} needs at least {} value{}, not {}", option_words(app, (*m)[0]), (*m)[1],
                       (*m)[1] == "1" ? "" : "s", (*m)[2]);
  } else if ((m = match(text, "*: * required * missing")) && is_number((*m)[1])) {
    text = fmt::format("{} needs a value ({})", (*m)[0], (*m)[2]);
  } else if ((m = match(text, "The following argument was not expected: *")) ||
             (m = match(text, "The following arguments were not expected: *"))) {
    const auto& words = (*m)[0];
    if (words.find(' ') != std::string::npos) {
      text = fmt::format("unexpected arguments: {}", words);
    } else if (words.starts_with('-')) {
      text = fmt::format("unknown option: {}", words);
    } else {
      text =
          fmt::format("{}: {}", command.empty() ? "unknown command" : "unexpected argument", words);
    }
  } else if ((m = match(text, "*: Value * not in range * to *")) && word((*m)[0])) {
    text = fmt::format("{} takes a number from {} to {}, not '{}'", (*m)[0], number((*m)[2]),
                       number((*m)[3]), (*m)[1]);
  } else if ((m = match(text, "*: * not in {*}")) && word((*m)[0])) {
    auto choices = (*m)[2];
    std::replace(choices.begin(), choices.end(), ',', ' ');
    text = fmt::format("{} takes one of: {}; not '{}'", (*m)[0], choices, (*m)[1]);
  } else if (text == "A subcommand is required" ||
             (((m = match(text, "Requires at least * subcommand")) ||
               (m = match(text, "Requires at least * subcommands"))) &&
              is_number((*m)[0]))) {
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
