#include "ec2dl/remote/job.hpp"

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

using core::ErrorKind;
using core::fail;

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> to_int(std::string_view s) {
  if (!all_digits(s) || s.size() > 18) {
    return std::nullopt;
  }
  return util::parse_int(s);
}

// Linux numbering, whatever the client runs on: the server's shell reported 128+N.
constexpr std::array<std::string_view, 32> k_signal_names = {
    "",     "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS"};

}  // namespace

// ---- launching ---------------------------------------------------------------------------

std::string display_command(const LaunchSpec& spec) {
  std::string out;
  for (std::size_t i = 0; i < spec.argv.size(); ++i) {
    if (i > 0) {
      out += ' ';
    }
    const auto& word = spec.argv[i];
    out += word.path ? shell_quote_path(word.text) : shell_quote(word.text);
  }
  return out;
}

std::string job_script(const LaunchSpec& spec) {
  std::string out = "# The command of this job, sourced by wrapper.sh in the job's own process.\n";
  for (const auto& kv : spec.env) {
    out += "export " + shell_quote(kv) + "\n";
  }
  out += "exec " + display_command(spec) + "\n";
  return out;
}

ScriptCall launch_call(const LaunchSpec& spec, const std::string& base, const std::string& wrapper,
                       bool check) {
  ScriptCall call{scripts::job_launch, spec.env, {}};
  for (const auto& word : spec.argv) {
    call.args.push_back(word.text);
  }
  call.inputs = {{"check", check ? "1" : "0"},
                 {"base", base},
                 {"workdir", spec.workdir},
                 {"log", spec.log},
                 {"name", spec.name},
                 {"choose_gpus", spec.gpu ? "1" : "0"},
                 {"command", display_command(spec)},
                 {"jobscript", job_script(spec)},
                 {"wrapper", check ? std::string() : wrapper},
                 {"script", spec.script_check},
                 {"env_count", std::to_string(spec.env.size())}};
  return call;
}

core::Result<LaunchResult> parse_launch_output(std::string_view bytes) {
  EC2DL_TRY_ASSIGN(const auto pairs, split_pairs(bytes));
  LaunchResult out;
  bool have_id = false;
  for (const auto& [key, value] : pairs) {
    if (key == "id") {
      if (auto n = to_int(value)) {
        out.id = *n;
        have_id = true;
      }
    } else if (key == "pid") {
      out.pid = to_int(value);
    } else if (key == "log") {
      out.log = value;
    } else if (key == "workdir") {
      out.workdir = value;
    } else if (key == "gpus") {
      out.gpus = value;
    } else if (key == "log_offset") {
      out.log_offset = to_int(value).value_or(0);
    } else if (key == "started") {
      out.started = to_int(value).value_or(0);
    }
  }
  if (!have_id) {
    return fail(ErrorKind::remote, "the launch script did not report a job id");
  }
  return out;
}

core::Result<void> check_job_name(std::string_view name) {
  if (name.empty()) {
    return fail(ErrorKind::usage, "--name: the name is empty");
  }
  if (name.size() > 100) {
    return fail(ErrorKind::usage, "--name: longer than 100 characters");
  }
  if (all_digits(name)) {
    return fail(ErrorKind::usage, fmt::format("--name {}: a name cannot be all digits", name),
                "digits name job ids; add a letter");
  }
  for (std::size_t i = 0; i < name.size();) {
    const auto cp = util::decode_utf8(name, i);
    if (!cp) {
      return fail(ErrorKind::usage, "--name: the name is not valid UTF-8");
    }
    const auto c = cp->value;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '/') {
      return fail(ErrorKind::usage,
                  "--name: control characters and '/' are not allowed in a job name");
    }
    if (util::is_bidi_control(c)) {
      return fail(ErrorKind::usage,
                  fmt::format("--name: the bidirectional control U+{:04X} is not allowed in a "
                              "job name (it would reorder tables and logs)",
                              c));
    }
    i += cp->length;
  }
  return core::ok();
}

core::Result<void> check_env_word(std::string_view word) {
  const auto eq = word.find('=');
  const auto key = word.substr(0, eq);
  bool valid = eq != std::string_view::npos && !key.empty() && !(key[0] >= '0' && key[0] <= '9');
  for (const char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      valid = false;
    }
  }
  if (!valid) {
    return fail(ErrorKind::usage,
                fmt::format("--env {}: expected NAME=VALUE with a valid variable name",
                            util::sanitize_for_terminal(word)));
  }
  return core::ok();
}

// ---- the registry ------------------------------------------------------------------------

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::starting:
      return "starting";
    case JobStatus::running:
      return "running";
    case JobStatus::succeeded:
      return "succeeded";
    case JobStatus::failed:
      return "failed";
    case JobStatus::killed:
      return "killed";
    case JobStatus::lost:
      return "lost";
  }
  return "lost";
}

core::Result<std::vector<std::pair<std::string, std::string>>> split_pairs(std::string_view bytes) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const auto nul = bytes.find('\0', start);
    if (nul == std::string_view::npos) {
      return fail(ErrorKind::remote, "job registry output was cut short");
    }
    fields.push_back(bytes.substr(start, nul - start));
    start = nul + 1;
  }
  if (fields.size() % 2 != 0) {
    return fail(ErrorKind::remote, "job registry output is malformed");
  }
  out.reserve(fields.size() / 2);
  for (std::size_t i = 0; i < fields.size(); i += 2) {
    out.emplace_back(std::string(fields[i]), std::string(fields[i + 1]));
  }
  return out;
}

std::optional<ExitRecord> parse_exit_record(std::string_view text) {
  ExitRecord out;
  bool have_status = false;
  for (const auto& line : util::split(text, '\n')) {
    const auto trimmed = util::trim(line);
    if (trimmed.starts_with("status ")) {
      const auto n = util::parse_int(util::trim(trimmed.substr(7)));
      if (n && *n >= 0 && *n <= 255) {
        out.status = static_cast<int>(*n);
        have_status = true;
      }
    } else if (trimmed.starts_with("ended ")) {
      out.ended = to_int(util::trim(trimmed.substr(6)));
    }
  }
  if (!have_status) {
    return std::nullopt;
  }
  return out;
}

void apply_exit_status(JobEntry& job, int status) {
  job.shell_status = status;
  job.exit_code.reset();
  job.signal.reset();
  if (status == 0) {
    job.status = JobStatus::succeeded;
    job.exit_code = 0;
  } else if (status > 128 && status <= 128 + 64) {
    job.status = JobStatus::killed;
    job.signal = status - 128;
  } else {
    job.status = JobStatus::failed;
    job.exit_code = status;
  }
}

int job_exit_status(const JobEntry& job) {
  switch (job.status) {
    case JobStatus::succeeded:
    case JobStatus::failed:
      return job.exit_code.value_or(1);
    case JobStatus::killed:
      return 128 + job.signal.value_or(0);
    default:
      return 1;
  }
}

std::string_view status_word(const JobEntry& job) {
  return job.status == JobStatus::running && job.stopped ? "stopped" : to_string(job.status);
}

std::string describe_status(const JobEntry& job) {
  switch (job.status) {
    case JobStatus::succeeded:
      return "succeeded";
    case JobStatus::failed:
      return fmt::format("failed with exit code {}", job.exit_code.value_or(1));
    case JobStatus::killed:
      return fmt::format("killed by SIG{}", signal_name(job.signal.value_or(0)));
    case JobStatus::lost:
      return "lost (its process is gone and left no exit record)";
    default:
      return std::string(status_word(job));
  }
}

std::string signal_name(int number) {
  if (number > 0 && number < static_cast<int>(k_signal_names.size())) {
    return std::string(k_signal_names[static_cast<std::size_t>(number)]);
  }
  return fmt::format("{}", number);
}

std::optional<int> signal_number(std::string_view name) {
  if (auto n = to_int(name)) {
    if (*n >= 1 && *n <= 64) {
      return static_cast<int>(*n);
    }
    return std::nullopt;
  }
  std::string upper;
  for (const char c : name) {
    upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string_view bare = upper;
  if (bare.starts_with("SIG")) {
    bare.remove_prefix(3);
  }
  for (std::size_t i = 1; i < k_signal_names.size(); ++i) {
    if (k_signal_names[i] == bare) {
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

namespace {

void finish_record(JobEntry& job, const std::string& state, const std::string& exit_text) {
  if (state == "ended") {
    if (auto rec = parse_exit_record(exit_text)) {
      apply_exit_status(job, rec->status);
      job.ended = rec->ended;
      return;
    }
    job.status = JobStatus::lost;  // an exit record we cannot read
  } else if (state == "running") {
    job.status = JobStatus::running;
  } else if (state == "starting") {
    job.status = JobStatus::starting;
  } else {
    job.status = JobStatus::lost;
  }
}

}  // namespace

core::Result<JobListing> parse_listing(std::string_view bytes) {
  EC2DL_TRY_ASSIGN(auto pairs, split_pairs(bytes));
  JobListing out;
  JobEntry* job = nullptr;
  OtherProcess* proc = nullptr;
  std::string state;
  std::string exit_text;
  std::int64_t btime = 0;
  std::int64_t hz = 100;
  std::vector<std::int64_t> proc_ticks;
  auto close_job = [&] {
    if (job != nullptr) {
      finish_record(*job, state, exit_text);
    }
    job = nullptr;
    state.clear();
    exit_text.clear();
  };
  for (auto& [key, value] : pairs) {
    if (key == "id") {
      close_job();
      proc = nullptr;
      const auto id = to_int(value);
      if (!id) {
        return fail(ErrorKind::remote, "job registry output has a bad job id");
      }
      out.jobs.emplace_back();
      job = &out.jobs.back();
      job->id = *id;
      continue;
    }
    if (key == "proc") {
      close_job();
      const auto pid = to_int(value);
      if (!pid) {
        return fail(ErrorKind::remote, "process listing has a bad pid");
      }
      out.processes.emplace_back();
      proc = &out.processes.back();
      proc->pid = *pid;
      proc_ticks.push_back(-1);
      continue;
    }
    if (key == "now" || key == "boot" || key == "home" || key == "btime" || key == "hz") {
      if (key == "now") {
        out.now = to_int(value).value_or(0);
      } else if (key == "boot") {
        out.boot = std::move(value);
      } else if (key == "home") {
        out.home = std::move(value);
      } else if (key == "btime") {
        btime = to_int(value).value_or(0);
      } else {
        hz = std::max<std::int64_t>(1, to_int(value).value_or(100));
      }
      continue;
    }
    if (job != nullptr) {
      if (key == "missing") {
        job->missing = true;
      } else if (key == "state") {
        state = value;
      } else if (key == "stopped") {
        job->stopped = true;
      } else if (key == "name") {
        job->name = std::move(value);
      } else if (key == "command") {
        job->command = std::move(value);
      } else if (key == "workdir") {
        job->workdir = std::move(value);
      } else if (key == "log") {
        job->log = std::move(value);
      } else if (key == "gpus") {
        job->gpus = std::move(value);
      } else if (key == "pid") {
        job->pid = to_int(value);
      } else if (key == "started") {
        job->started = to_int(value);
      } else if (key == "exit") {
        exit_text = std::move(value);
      }
      continue;
    }
    if (proc != nullptr) {
      if (key == "sid") {
        proc->sid = to_int(value).value_or(0);
      } else if (key == "start") {
        proc_ticks.back() = to_int(value).value_or(-1);
      } else if (key == "user") {
        proc->user = std::move(value);
      } else if (key == "comm") {
        proc->comm = std::move(value);
      } else if (key == "cmd") {
        proc->command = std::string(util::trim(value));
      }
      continue;
    }
  }
  close_job();
  for (std::size_t i = 0; i < out.processes.size(); ++i) {
    if (btime > 0 && proc_ticks[i] >= 0) {
      out.processes[i].started = btime + proc_ticks[i] / hz;
    }
  }
  std::stable_sort(out.jobs.begin(), out.jobs.end(),
                   [](const JobEntry& a, const JobEntry& b) { return a.id < b.id; });
  // A process belongs to a running job when its session is the job's pid.
  std::vector<std::int64_t> sessions;
  for (const auto& j : out.jobs) {
    if (j.pid && (j.status == JobStatus::running || j.status == JobStatus::starting)) {
      sessions.push_back(*j.pid);
    }
  }
  std::erase_if(out.processes, [&](const OtherProcess& p) {
    return std::find(sessions.begin(), sessions.end(), p.sid) != sessions.end();
  });
  return out;
}

std::string home_relative(std::string_view path, std::string_view home) {
  if (!home.empty() && home != "/" && path.starts_with(home) && path.size() > home.size() &&
      path[home.size()] == '/') {
    return "~" + std::string(path.substr(home.size()));
  }
  return std::string(path);
}

// ---- job arguments ------------------------------------------------------------------------

JobRef parse_job_ref(std::string_view text) {
  JobRef ref;
  ref.text = std::string(text);
  if (all_digits(text)) {
    ref.id = to_int(text);
    if (!ref.id) {
      ref.id = -1;  // too long to be an id we made: matches nothing
    }
  } else {
    ref.name = std::string(text);
  }
  return ref;
}

core::Result<std::vector<JobEntry>> resolve_jobs(const JobListing& listing,
                                                 const std::vector<JobRef>& refs) {
  std::vector<JobEntry> out;
  std::vector<std::string> unknown;
  std::vector<const JobEntry*> present;
  for (const auto& j : listing.jobs) {
    if (!j.missing) {
      present.push_back(&j);
    }
  }
  if (refs.empty()) {
    if (present.empty()) {
      return fail(ErrorKind::not_found, "there are no jobs on this server yet",
                  "start one with: ec2dl run SCRIPT");
    }
    out.push_back(*present.back());
    return out;
  }
  for (const auto& ref : refs) {
    const JobEntry* found = nullptr;
    for (const auto* j : present) {
      if ((ref.id && j->id == *ref.id) || (!ref.id && j->name == ref.name)) {
        found = j;  // names: the newest wins (jobs are sorted by id)
      }
    }
    if (found == nullptr) {
      unknown.push_back(util::sanitize_for_terminal(ref.text));
    } else if (std::none_of(out.begin(), out.end(),
                            [&](const JobEntry& j) { return j.id == found->id; })) {
      out.push_back(*found);
    }
  }
  if (!unknown.empty()) {
    return fail(ErrorKind::not_found, fmt::format("no such job: {}", util::join(unknown, ", ")),
                "ec2dl ps lists the jobs on this server (a JOB is an id or a --name)");
  }
  return out;
}

core::Result<std::vector<std::pair<std::int64_t, KillOutcome>>> parse_kill_output(
    std::string_view text) {
  static const std::map<std::string, KillOutcome, std::less<>> k_outcomes = {
      {"ended", KillOutcome::ended},
      {"gone", KillOutcome::gone},
      {"signalled", KillOutcome::signalled},
      {"killed", KillOutcome::killed}};
  std::vector<std::pair<std::int64_t, KillOutcome>> out;
  for (const auto& line : util::split(text, '\n')) {
    if (util::trim(line).empty()) {
      continue;
    }
    const auto parts = util::split(util::trim(line), ' ');
    const auto id = parts.size() == 2 ? to_int(parts[0]) : std::nullopt;
    const auto it = parts.size() == 2 ? k_outcomes.find(parts[1]) : k_outcomes.end();
    if (!id || it == k_outcomes.end()) {
      return fail(ErrorKind::remote, fmt::format("unexpected answer from the kill script: {}",
                                                 util::sanitize_for_terminal(line)));
    }
    out.emplace_back(*id, it->second);
  }
  return out;
}

}  // namespace ec2dl::remote
