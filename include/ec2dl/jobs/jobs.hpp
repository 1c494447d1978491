#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

// The job capability: the registry on the server (base folder `base`, e.g. "~/.ec2dl"),
// driven through the job_*.sh scripts over one session. See docs/jobs.md.
namespace ec2dl::jobs {

// The text sent to the server for a job script: job_lib.sh, then the script.
std::string script_text(const remote::Script& script);

// Runs job script `script` with `args` and returns its stdout. A non-zero status is an error of
// kind remote whose message is `what` and the script's stderr.
core::Result<std::string> run_script(ssh::Session& session, const remote::Script& script,
                                     const std::vector<std::string>& args, std::string_view what);

// Chooses CUDA_VISIBLE_DEVICES from the server's GPU facts, or refuses (nothing starts).
using GpuPicker = std::function<core::Result<std::string>(const remote::GpuFacts&)>;

// Checks, before a push, what can be checked without the pushed file: the program (unless
// given by a relative path) and, when spec.gpus is "?", the GPUs through `pick`. Starts and
// writes nothing; an error is what the launch would have refused.
core::Result<void> check_launch(ssh::Session& session, const std::string& base,
                                const remote::LaunchSpec& spec, const GpuPicker& pick);

// Registers and starts `spec` detached; returns once the job's process runs. When spec.gpus
// is "?", `pick` chooses the GPUs while the server holds the registry's GPU lock, so
// concurrent launches never pick the same free GPU.
core::Result<remote::LaunchResult> launch(ssh::Session& session, const std::string& base,
                                          const remote::LaunchSpec& spec, const GpuPicker& pick);

// Lists the jobs `ids` (all when empty) and, with `processes`, the server's other python
// processes.
core::Result<remote::JobListing> list(ssh::Session& session, const std::string& base,
                                      const std::vector<std::int64_t>& ids, bool processes);

// Resolves JOB arguments (ids or names; none: the newest job) with one listing.
core::Result<std::vector<remote::JobEntry>> find(ssh::Session& session, const std::string& base,
                                                 const std::vector<remote::JobRef>& refs);

// The ids of the jobs named by JOB arguments as typed (ids or names; none: the newest job).
core::Result<std::vector<std::int64_t>> find_ids(ssh::Session& session, const std::string& base,
                                                 const std::vector<std::string>& texts);

// Blocks until every job in `ids` has ended or is lost. Returns false when `timeout_s` (> 0)
// passed first. Interrupts and a dropped connection are errors.
core::Result<bool> wait_ended(ssh::Session& session, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s);

// Signals the jobs' sessions with `signal` ("TERM"); with `escalate`, what is left after
// `grace_s` seconds gets KILL. Returns what happened to each job.
core::Result<std::vector<std::pair<std::int64_t, remote::KillOutcome>>> kill(
    ssh::Session& session, const std::string& base, const std::vector<std::int64_t>& ids,
    const std::string& signal, int grace_s, bool escalate);

// The last `len` bytes of a log (fewer when shorter), and where they start.
struct LogTail {
  std::int64_t size = 0;  // the log's size when read
  std::int64_t from = 0;  // offset of bytes[0]
  std::string bytes;
};
core::Result<LogTail> read_tail(ssh::Session& session, const std::string& log, std::int64_t len);

// Streams a log from byte `offset`, handing each piece to `sink` and advancing `offset` by
// exactly the bytes handed over: the one place that knows where a follow stands, so it can
// resume at that byte after a dropped connection. With `job_dir` (the job's folder) it
// returns once the job has ended and all its output is out; without, it runs until
// interrupted (an error of kind interrupted). A `sink` returning false stops it early. A log
// that shrank is followed again from its start, after `on_reset`.
core::Result<void> follow(ssh::Session& session, const std::string& log, std::int64_t& offset,
                          const std::string& job_dir,
                          const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset = {});

// follow() across dropped links: a transient failure (dead keepalive, cut link, sshd
// restart) reconnects through `link` and resumes at `offset`, so the bytes handed to `sink`
// are exactly the log's, none lost or doubled.
core::Result<void> follow(ssh::Reconnector& link, const std::string& log, std::int64_t& offset,
                          const std::string& job_dir,
                          const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset = {});

// wait_ended() across dropped links; the timeout counts from this call.
core::Result<bool> wait_ended(ssh::Reconnector& link, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s);

// The folder of job `id` under `base`.
std::string job_dir(const std::string& base, std::int64_t id);

}  // namespace ec2dl::jobs
