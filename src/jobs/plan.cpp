#include "ec2dl/jobs/plan.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "ec2dl/core/context.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::jobs {

using core::ErrorKind;

namespace {

// Where a pushed script goes, relative to the job's working folder: the path as typed when
// it stays below the current folder (`sub/x.py`, `./x.py` -> `x.py`), so scripts of the
// same name from different folders do not overwrite each other and `python sub/x.py` finds
// its folder as it would locally; else (absolute, or above with ..) its file name.
std::string remote_script_path(const std::filesystem::path& local) {
  const auto rel = local.lexically_normal();
  if (rel.is_absolute() || rel.empty() || *rel.begin() == "..") {
    return local.filename().string();
  }
  return rel.generic_string();
}

// --python's words: split on spaces and tabs.
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

core::Result<Plan> make_plan(const RunRequest& request, const LaunchDefaults& defaults) {
  std::vector<std::string> problems;
  Plan plan;
  auto& spec = plan.spec;
  spec.workdir = request.workdir.empty() ? defaults.workdir : request.workdir;
  spec.log = request.log;
  spec.name = request.name;
  const std::string python = request.python.empty() ? defaults.python : request.python;

  if (!request.name.empty()) {
    if (auto ok = remote::check_job_name(request.name); !ok) {
      problems.push_back(ok.error().message());
    }
  }
  for (const auto& [flag, value] : {std::pair{"--workdir", spec.workdir}, {"--log", spec.log}}) {
    if (value.find('\n') != std::string::npos) {
      problems.push_back(fmt::format("{}: a path with a newline is not supported", flag));
    }
  }
  std::vector<std::string> env = defaults.env;
  env.insert(env.end(), request.env.begin(), request.env.end());
  for (const auto& kv : env) {
    if (auto ok = remote::check_env_word(kv); !ok) {
      problems.push_back(ok.error().message());
    } else if (kv.starts_with("CUDA_VISIBLE_DEVICES=")) {
      problems.push_back(
          "--env CUDA_VISIBLE_DEVICES: choose GPUs with --gpu (it also records them for ps and "
          "--gpu auto)");
    } else if (kv.starts_with("CUDA_DEVICE_ORDER=") && !request.gpu.empty()) {
      problems.push_back("--env CUDA_DEVICE_ORDER: --gpu sets it to PCI_BUS_ID");
    }
  }
  spec.env = env;
  if (!request.gpu.empty()) {
    if (auto gpu = remote::parse_gpu_spec(request.gpu); !gpu) {
      problems.push_back(gpu.error().message());
    } else {
      spec.gpu = std::move(*gpu);
    }
  }

  auto words = request.words;
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
    if (request.no_push) {
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
        const std::string rel = remote_script_path(local);
        plan.push_local = script;
        if (spec.workdir.empty() || spec.workdir == "~") {
          plan.push_remote = "~/" + rel;
        } else {
          plan.push_remote = spec.workdir + (spec.workdir.ends_with("/") ? "" : "/") + rel;
        }
        word = rel;
        spec.script_check = rel;
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

}  // namespace ec2dl::jobs
