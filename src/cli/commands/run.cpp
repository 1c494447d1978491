#include "ec2dl/cli/commands/run.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/commands/tail.hpp"
#include "ec2dl/cli/commands/wait.hpp"
#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/jobs.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/transfer/send_file.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::run_cmd {

using core::ErrorKind;

namespace {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (const char c : text) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) {
        out.push_back(std::move(word));
        word.clear();
      }
    } else {
      word += c;
    }
  }
  if (!word.empty()) {
    out.push_back(std::move(word));
  }
  return out;
}

std::string gpu_words(const std::vector<int>& indexes) {
  std::vector<std::string> parts;
  for (const int i : indexes) {
    parts.push_back(std::to_string(i));
  }
  return fmt::format("GPU{} {}", indexes.size() == 1 ? "" : "s", util::join(parts, ","));
}

}  // namespace

LaunchDefaults launch_defaults(const core::Context& ctx) {
  LaunchDefaults defaults;
  // A saved host's workdir, python and env; a malformed config is reported on connecting.
  if (auto profile = ctx.profile(); profile && *profile != nullptr) {
    const auto& p = **profile;
    defaults.workdir = p.workdir;
    if (!p.python.empty()) {
      defaults.python = p.python;
    }
    for (const auto& [name, value] : p.env) {
      defaults.env.push_back(name + "=" + value);
    }
  }
  return defaults;
}

core::Result<Plan> make_plan(const Options& options, const LaunchDefaults& defaults) {
  std::vector<std::string> problems;
  Plan plan;
  auto& spec = plan.spec;
  spec.workdir = options.workdir.empty() ? defaults.workdir : options.workdir;
  spec.log = options.log;
  spec.name = options.name;
  const std::string python = options.python.empty() ? defaults.python : options.python;

  if (!options.name.empty()) {
    if (auto ok = remote::check_job_name(options.name); !ok) {
      problems.push_back(ok.error().message());
    }
  }
  for (const auto& [flag, value] : {std::pair{"--workdir", spec.workdir}, {"--log", spec.log}}) {
    if (value.find('\n') != std::string::npos) {
      problems.push_back(fmt::format("{}: a path with a newline is not supported", flag));
    }
  }
  std::vector<std::string> env = defaults.env;
  env.insert(env.end(), options.env.begin(), options.env.end());
  for (const auto& kv : env) {
    if (auto ok = remote::check_env_word(kv); !ok) {
      problems.push_back(ok.error().message());
    } else if (kv.starts_with("CUDA_VISIBLE_DEVICES=")) {
      problems.push_back(
          "--env CUDA_VISIBLE_DEVICES: choose GPUs with --gpu (it also records them for ps and "
          "--gpu auto)");
    } else if (kv.starts_with("CUDA_DEVICE_ORDER=") && !options.gpu.empty()) {
      problems.push_back("--env CUDA_DEVICE_ORDER: --gpu sets it to PCI_BUS_ID");
    }
  }
  spec.env = env;
  if (!options.gpu.empty()) {
    if (auto request = remote::parse_gpu_spec(options.gpu); !request) {
      problems.push_back(request.error().message());
    }
    spec.gpus = "?";
    plan.gpu_given = true;
  }
  if (options.follow && options.wait) {
    // -f already waits; accepted together.
  }

  auto words = options.words();
  const bool separator = !words.empty() && words.front() == "--";
  if (separator) {
    words.erase(words.begin());
    if (words.empty()) {
      problems.push_back("nothing to run after --: give CMD [ARG...]");
    } else if (words.front().empty() || words.front().starts_with("-")) {
      problems.push_back(
          fmt::format("'{}' is not a command name", util::sanitize_for_terminal(words.front())));
    }
    for (const auto& w : words) {
      spec.argv.push_back({w, false});
    }
  } else if (words.empty()) {
    problems.push_back("nothing to run: give SCRIPT [ARG...] or -- CMD [ARG...]");
  } else {
    const std::string script = words.front();
    std::string word;  // how the job names the script, relative to its working folder
    if (options.no_push) {
      word = script;
      spec.script_check = script;
      if (script.empty()) {
        problems.push_back("the SCRIPT path is empty");
      }
    } else {
      std::error_code ec;
      const std::filesystem::path local(script);
      const auto status = std::filesystem::status(local, ec);
      if (ec || !std::filesystem::exists(status)) {
        problems.push_back(fmt::format(
            "{}: no such local file (to run a file already on the server add --no-push; to run "
            "a program: ec2dl run -- CMD [ARG...])",
            util::sanitize_for_terminal(script)));
      } else if (!std::filesystem::is_regular_file(status)) {
        problems.push_back(
            fmt::format("{}: not a regular file", util::sanitize_for_terminal(script)));
      } else {
        const std::string base = local.filename().string();
        plan.push_local = script;
        if (spec.workdir.empty() || spec.workdir == "~") {
          plan.push_remote = "~/" + base;
        } else {
          plan.push_remote = spec.workdir + (spec.workdir.ends_with("/") ? "" : "/") + base;
        }
        word = base;
        spec.script_check = base;
      }
    }
    if (!word.empty()) {
      const bool has_slash = word.find('/') != std::string::npos;
      // A bare name would be searched on PATH (or read as an option): make it a path.
      const std::string as_path = has_slash ? word : "./" + word;
      const auto ext = std::filesystem::path(word).extension().string();
      if (ext == ".py") {
        const auto py = words_of(python);
        if (py.empty()) {
          problems.push_back("--python: empty command");
        }
        for (std::size_t i = 0; i < py.size(); ++i) {
          spec.argv.push_back({py[i], i == 0});
        }
        spec.argv.push_back({word.starts_with("-") ? as_path : word, true});
      } else if (ext == ".sh") {
        spec.argv.push_back({"sh", false});
        spec.argv.push_back({word.starts_with("-") ? as_path : word, true});
      } else {
        spec.argv.push_back({as_path, true});
      }
      for (std::size_t i = 1; i < words.size(); ++i) {
        spec.argv.push_back({words[i], false});
      }
    }
  }
  if (!problems.empty()) {
    return core::fail(ErrorKind::usage, "run: " + util::join(problems, "; "));
  }
  return plan;
}

void add_launch_options(CLI::App& app, Options& options, bool with_gpu) {
  // CLI11 would go on reading options after SCRIPT: the launch options live in a group that
  // is switched off, and parent fall-through stopped, as soon as SCRIPT is seen; everything
  // after it then stays unparsed, in order, in app.remaining().
  app.set_help_flag();
  auto* group = app.add_option_group("Options");
  group->add_flag_callback(
      "-h,--help", [] { throw CLI::CallForHelp(); }, "Print this help");
  if (with_gpu) {
    group
        ->add_option("--gpu", options.gpu,
                     "GPUs for the job: 2, 0,1, GPU-<uuid>, auto (the free GPU with the most "
                     "free memory) or auto:N; sets CUDA_VISIBLE_DEVICES and "
                     "CUDA_DEVICE_ORDER=PCI_BUS_ID")
        ->type_name("SPEC");
  }
  group->add_option("--name", options.name, "A name to use instead of the job id")
      ->type_name("NAME");
  group
      ->add_option("--workdir", options.workdir,
                   "Working folder on the server (default: the saved host's workdir, else the "
                   "remote home); SCRIPT is pushed there")
      ->type_name("DIR");
  group
      ->add_option("--log", options.log,
                   "Log file on the server, appended to (default: ~/.ec2dl/jobs/ID/output.log)")
      ->type_name("PATH");
  group->add_option("--env", options.env, "Add K=V to the job's environment (repeatable)")
      ->type_name("K=V")
      ->allow_extra_args(false);  // one K=V per --env, so "--env K=V -- CMD" keeps its "--"
  group
      ->add_option("--python", options.python,
                   "The interpreter for .py scripts (default: the saved host's python, else "
                   "python3)")
      ->type_name("CMD");
  group->add_flag("--no-push", options.no_push,
                  "SCRIPT is a path on the server: run it without copying the local file");
  group->add_flag("-f,--follow", options.follow,
                  "Then follow the log until the job ends; exit with the job's status");
  group->add_flag("--wait", options.wait, "Then wait for the job to end; exit with its status");
  app.validate_positionals();
  options.app = &app;
  app.add_option("script", options.first,
                 "SCRIPT [ARG...]: pushed, then run (.py with python3, .sh with sh, other files "
                 "as programs); or -- CMD [ARG...]: a program on the server")
      ->type_name("SCRIPT [ARG...]")
      ->check(CLI::Validator(
          [&app, &options, group](std::string&) {
            if (!group->get_disabled()) {
              const auto seen = app.remaining();
              options.separator = !seen.empty() && seen.back() == "--";
              group->disabled();
              app.fallthrough(false);
            }
            return std::string();
          },
          "", "after-script"));
  // A positional that takes nothing: while CLI11 sees one still open, a "--" right after
  // SCRIPT is kept in remaining() instead of being dropped, so it reaches the script.
  app.add_option_function<std::vector<std::string>>("after-script",
                                                    [](const std::vector<std::string>&) {})
      ->group("")
      ->check(CLI::Validator([](std::string&) { return std::string("belongs to SCRIPT"); }, "",
                             "script-word"));
  app.prefix_command();
}

std::vector<std::string> Options::words() const {
  if (!command.empty() || app == nullptr) {
    return command;
  }
  std::vector<std::string> out;
  if (first.empty() && !separator) {
    return out;
  }
  if (separator) {
    out.push_back("--");
  }
  out.push_back(first);
  auto rest = app->remaining();
  // The "--" that came before the first word is kept first in remaining().
  if (separator && !rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  }
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

int launch(const Options& options, core::Context& ctx, std::string_view command_name) {
  const auto& global = ctx.options();
  if (global.json && options.follow) {
    return report(core::Error(ErrorKind::usage,
                              fmt::format("{}: --json and --follow do not mix (the log goes to "
                                          "stdout); use --json --wait",
                                          command_name)));
  }
  auto plan = make_plan(options, launch_defaults(ctx));
  if (!plan) {
    return report(plan.error());
  }
  std::optional<remote::GpuRequest> request;
  if (plan->gpu_given) {
    request = *remote::parse_gpu_spec(options.gpu);
  }
  auto session = connect(ctx);
  if (!session) {
    return report(session.error());
  }
  const std::string base = ctx.remote_dir();
  std::vector<int> chosen;
  std::vector<std::string> notices;
  const auto pick = [&](const remote::GpuFacts& facts) -> core::Result<std::string> {
    auto choice = remote::choose_gpus(*request, facts);
    if (!choice) {
      return std::unexpected(choice.error());
    }
    chosen = choice->indexes;
    notices = choice->notices;
    return choice->visible;
  };
  if (!plan->push_local.empty()) {
    // What the launch would refuse (a GPU, the interpreter) is refused before the push, so
    // a refused run leaves the server's copy of SCRIPT alone.
    if (auto checked = jobs::check_launch(*session, base, plan->spec, pick); !checked) {
      return report(checked.error());
    }
    if (auto pushed = transfer::upload_file(*session, plan->push_local, plan->push_remote);
        !pushed) {
      return report(pushed.error().context(fmt::format("push {}", plan->push_local)));
    }
  }
  auto launched = jobs::launch(*session, base, plan->spec, pick);
  if (!launched) {
    return report(launched.error());
  }
  if (!global.quiet) {
    for (const auto& n : notices) {
      warn(n);
    }
  }

  const auto& job = *launched;
  const auto pid = job.pid.value_or(0);
  if (global.json) {
    nlohmann::json doc = {
        {"id", job.id},
        {"pid", job.pid ? nlohmann::json(pid) : nlohmann::json(nullptr)},
        {"log", job.log},
        {"gpus", chosen},
        {"name", options.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.name)},
        {"workdir", job.workdir},
        {"command", remote::display_command(plan->spec)}};
    fmt::print("{}\n", doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (global.quiet) {
    if (!options.follow) {
      fmt::print("{}\n", job.id);  // with -f, stdout is the log
    }
  } else {
    const auto line = fmt::format("job {}{} started on {}: pid {}{}, log {}", job.id,
                                  options.name.empty() ? "" : fmt::format(" ({})", options.name),
                                  session->target().display(), pid,
                                  chosen.empty() ? "" : ", " + gpu_words(chosen), job.log);
    if (options.follow) {
      fmt::print(stderr, "ec2dl: {}\n", util::sanitize_for_terminal(line));
    } else {
      fmt::print("{}\n", util::sanitize_for_terminal(line));
      if (!options.wait) {
        fmt::print(stderr, "ec2dl: follow it with: ec2dl tail -f {}\n", job.id);
      }
    }
  }
  std::fflush(stdout);

  if (options.follow || options.wait) {
    // From here on the job runs on its own: a dropped link is reconnected, not fatal.
    auto link = make_reconnector(ctx);
    if (!link) {
      return report(link.error());
    }
    link->adopt(std::move(*session));
    if (options.follow) {
      auto filter = tail_cmd::make_filter(ctx, false, true);
      return tail_cmd::follow_job(*link, ctx, base, job.id, job.log, job.log_offset, filter);
    }
    return wait_cmd::wait_jobs(*link, ctx, base, {job.id}, 0);
  }
  return core::k_exit_ok;
}

void setup(CLI::App& app, Options& options) {
  add_launch_options(app, options, true);
  app.footer(
      "Forms: ec2dl run [OPTIONS] SCRIPT [ARG...]    ec2dl run [OPTIONS] -- CMD [ARG...]\n"
      "Options go before SCRIPT; every word after it is the script's own.\n\n"
      "Examples:\n"
      "  ec2dl run train.py --epochs 10        push train.py, run it detached with python3\n"
      "  ec2dl run --gpu auto -f train.py      pick a free GPU, then follow the log\n"
      "  ec2dl run --gpu 0,1 --name big train.py\n"
      "  ec2dl run --no-push --workdir ~/proj scripts/eval.sh\n"
      "  ec2dl run -- nvidia-smi dmon -c 60\n"
      "  id=$(ec2dl run -q train.py) && ec2dl wait \"$id\" && ec2dl pull ...\n"
      "Prints the job id (only the id with -q). The job survives logout, SIGHUP and a lost\n"
      "connection; its exit status is kept on the server (ec2dl ps, ec2dl wait).\n"
      "Exit status: 0 once started; with -f or --wait, the job's own status (128+N when it\n"
      "was killed by signal N, 1 when lost).");
}

int run(const Options& options, core::Context& ctx) {
  return launch(options, ctx, "run");
}

}  // namespace ec2dl::cli::run_cmd
