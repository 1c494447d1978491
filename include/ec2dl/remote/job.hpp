#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/remote/script.hpp"

// The job registry's pure side: what the client sends to the job scripts
// (src/remote/scripts/job_*.sh) and how it reads what they print. No I/O here.
namespace ec2dl::remote {

// ---- launching -------------------------------------------------------------------------

// One word of a job's command. A `path` word may start with "~/" and is expanded by the
// server's sh (the interpreter and the script); every other word reaches the program as is.
struct JobWord {
  std::string text;
  bool path = false;
};

// What to start. Empty workdir: the remote home; empty log: the default in the job folder.
struct LaunchSpec {
  std::vector<JobWord> argv;
  std::vector<std::string> env;  // "K=V" the user added
  std::string workdir;
  std::string log;
  std::string name;
  // --gpu: chosen from the server's GPU facts at launch (remote::choose_gpus); none: the job
  // sees every GPU and holds none.
  std::optional<GpuRequest> gpu;
  std::string script_check;  // a file that must exist in workdir first, or ""
};

// The command as the `command` file holds it: shell-quoted words (path words keep a leading
// "~/" expandable), so `exec` of it in sh runs exactly argv.
std::string display_command(const LaunchSpec& spec);

// The job.sh text the job's process sources: the user's exports, then exec of the command.
std::string job_script(const LaunchSpec& spec);

// How job_launch.sh runs `spec` under registry folder `base`: its scalars as named inputs,
// the ENV and ARGV words as arguments. `wrapper` is the supervisor's text (job_lib.sh +
// job_wrapper.sh; unused by a check); `check` asks only for the check made before a push.
ScriptCall launch_call(const LaunchSpec& spec, const std::string& base, const std::string& wrapper,
                       bool check);

// What job_launch.sh prints once the job runs.
struct LaunchResult {
  std::int64_t id = 0;
  std::optional<std::int64_t> pid;  // absent when the job ended before recording itself
  std::string log;
  std::string workdir;
  std::string gpus;             // CUDA_VISIBLE_DEVICES as the server recorded it
  std::int64_t log_offset = 0;  // the log's size before the job started
  std::int64_t started = 0;
  // With LaunchSpec::gpu: the choice the launch made (filled by jobs::launch, not parsed), its
  // indexes those of `gpus` as the server recorded them.
  std::optional<GpuChoice> gpu_choice;
};
core::Result<LaunchResult> parse_launch_output(std::string_view bytes);

// A job name: 1..100 bytes of valid UTF-8 with no control character (C0, C1, DEL), no
// bidirectional control (util::is_bidi_control) and no '/', and not all digits (those are ids).
core::Result<void> check_job_name(std::string_view name);
// An environment word "K=V": K is a valid variable name.
core::Result<void> check_env_word(std::string_view word);

// ---- the registry ----------------------------------------------------------------------

enum class JobStatus { starting, running, succeeded, failed, killed, lost };
std::string_view to_string(JobStatus status);

// One job as job_list.sh reports it, with its status worked out.
struct JobEntry {
  std::int64_t id = 0;
  bool missing = false;  // no such folder
  bool stopped = false;  // running, but its process is stopped by a signal (SIGSTOP, SIGTSTP)
  JobStatus status = JobStatus::lost;
  std::optional<int> exit_code;     // succeeded, failed
  std::optional<int> signal;        // killed: the signal number
  std::optional<int> shell_status;  // the status the wrapper recorded
  std::string name;
  std::string command;
  std::string workdir;
  std::string log;
  std::string gpus;
  std::optional<std::int64_t> pid;
  std::optional<std::int64_t> started;
  std::optional<std::int64_t> ended;
};

// A python process of the server that no running job owns (ps --all).
struct OtherProcess {
  std::int64_t pid = 0;
  std::int64_t sid = 0;
  std::optional<std::int64_t> started;  // epoch seconds
  std::string user;
  std::string comm;
  std::string command;
};

struct JobListing {
  std::int64_t now = 0;  // the server's clock
  std::string boot;
  std::string home;
  std::vector<JobEntry> jobs;           // by id, oldest first
  std::vector<OtherProcess> processes;  // those of running jobs left out
};

// Parses job_list.sh output (NUL-separated key/value pairs). Malformed output is an error;
// odd values in a record (a non-numeric pid) are dropped, not trusted.
core::Result<JobListing> parse_listing(std::string_view bytes);

// Splits NUL-separated "key\0value\0" pairs; an odd count is an error.
core::Result<std::vector<std::pair<std::string, std::string>>> split_pairs(std::string_view bytes);

// The `exit` file: "status N\nended EPOCH\n".
struct ExitRecord {
  int status = 0;
  std::optional<std::int64_t> ended;
};
std::optional<ExitRecord> parse_exit_record(std::string_view text);

// Sets status, exit_code and signal from a recorded shell status: 0 succeeded; 129..192
// killed by signal status-128 (as sh reports a death by signal, so a program's own
// `exit 137` reads as KILL too); anything else failed with that code.
void apply_exit_status(JobEntry& job, int status);

// The exit status ec2dl returns for an ended job: its code, 128+N for signal N, 1 when lost.
int job_exit_status(const JobEntry& job);

// The status shown in ps and JSON: to_string(job.status), or "stopped" for a running job
// whose process is stopped.
std::string_view status_word(const JobEntry& job);

// "ended with 3", "killed by TERM", "lost": for messages.
std::string describe_status(const JobEntry& job);

// Linux signal names: 15 -> "TERM" ("SIG37" when unnamed); "TERM", "SIGTERM", "term", "15"
// -> 15; nullopt when unknown.
std::string signal_name(int number);
std::optional<int> signal_number(std::string_view name);

// "~/x/y" for "/home/u/x/y" when home is "/home/u"; other paths as they are.
std::string home_relative(std::string_view path, std::string_view home);

// ---- job arguments ----------------------------------------------------------------------

// A JOB argument: an id (digits) or a name.
struct JobRef {
  std::optional<std::int64_t> id;
  std::string name;
  std::string text;  // as typed
};
JobRef parse_job_ref(std::string_view text);

// Finds the jobs `refs` name in `listing` (a name is its newest job; an empty list means the
// newest job). Fails (not_found) naming every ref that matches nothing.
core::Result<std::vector<JobEntry>> resolve_jobs(const JobListing& listing,
                                                 const std::vector<JobRef>& refs);

// ---- kill -------------------------------------------------------------------------------

enum class KillOutcome { ended, gone, signalled, killed };
// job_kill.sh output: "ID RESULT" lines.
core::Result<std::vector<std::pair<std::int64_t, KillOutcome>>> parse_kill_output(
    std::string_view text);

}  // namespace ec2dl::remote
