#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/jobs/plan.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/ssh/session.hpp"

// Starting jobs, through job_launch.sh: one round trip that checks, chooses GPUs (under the
// registry's GPU lock, so concurrent launches never pick the same free GPU), registers and
// starts the job detached. See docs/jobs.md ("How a launch runs").
namespace ec2dl::jobs {

// The client's side of job_launch.sh's GPU question, without I/O. Fed the script's stdout,
// it answers once the facts are out (at "@choose") with remote::choose_gpus's choice, or
// with an empty line, which aborts the launch, when the choice is refused.
class GpuQuestion {
 public:
  explicit GpuQuestion(remote::GpuRequest request) : m_request(std::move(request)) {}

  // `out` is the script's stdout so far. The first time it holds the facts: removes them
  // from `out` and returns the line to send back; otherwise nullopt.
  std::optional<std::string> answer(std::string& out);

  // Why the choice was refused (an error of remote::choose_gpus), if it was.
  const std::optional<core::Error>& refused() const { return m_refused; }

  // The choice sent (nullopt before the answer or when refused).
  const std::optional<remote::GpuChoice>& choice() const { return m_choice; }

  // The choice sent, its indexes those of `recorded`, the GPUs as the launch recorded them
  // (LaunchResult::gpus): what the job got.
  std::optional<remote::GpuChoice> choice_recorded(std::string_view recorded) const;

 private:
  remote::GpuRequest m_request;
  bool m_answered = false;
  std::optional<core::Error> m_refused;
  std::optional<remote::GpuChoice> m_choice;
  std::vector<remote::GpuState> m_gpus;  // the server's GPUs, as the facts listed them
};

// What a check found: what the launch would choose now (with spec.gpu).
struct LaunchCheck {
  std::optional<remote::GpuChoice> gpu_choice;
};

// Checks, before a push, what can be checked without the pushed file: the program (unless
// given by a relative path) and, with spec.gpu, the GPUs (remote::choose_gpus on the server's
// facts). Starts and writes nothing; an error is what the launch would have refused.
core::Result<LaunchCheck> check_launch(ssh::Session& session, const std::string& base,
                                       const remote::LaunchSpec& spec);

// Registers and starts `spec` detached; returns once the job's process runs. With spec.gpu
// it chooses the GPUs (remote::choose_gpus) while the server holds the registry's GPU lock,
// and returns the choice in LaunchResult::gpu_choice; a refused choice is the error.
core::Result<remote::LaunchResult> launch(ssh::Session& session, const std::string& base,
                                          const remote::LaunchSpec& spec);

// Copies local file `local` to `remote` on the server (transfer::upload_file).
using Upload = std::function<core::Result<void>(ssh::Session& session, const std::string& local,
                                                const std::string& remote)>;

// Starts `plan`: when it pushes SCRIPT, first checks what the launch would refuse (so a
// refused run uploads nothing and leaves the server's copy of SCRIPT alone) and pushes it
// with `upload`; then launches. Returns what the launch reported, with the GPUs it chose.
core::Result<remote::LaunchResult> start(ssh::Session& session, const std::string& base,
                                         const Plan& plan, const Upload& upload);

}  // namespace ec2dl::jobs
