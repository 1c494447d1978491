#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/session.hpp"

// Running the job scripts (src/remote/scripts/job_*.sh, each embedded with job_lib.sh, the
// helpers they share, in front: "# uses: job_lib").
namespace ec2dl::jobs {

// Bounds on what a job script may send back (a listing of thousands of jobs fits easily).
inline constexpr std::size_t k_max_output = 64u << 20;
inline constexpr std::size_t k_max_stderr = 64u << 10;

// Runs `call` and returns its stdout. A non-zero status is an error of kind remote whose
// message is `what` and the script's stderr.
core::Result<std::string> run_script(ssh::Session& session, const remote::ScriptCall& call,
                                     std::string_view what);

// The error for a script that ended with `status`: "WHAT: " and the last line of its stderr.
core::Error script_error(std::string_view what, const std::string& err,
                         const ssh::ExitStatus& status);

}  // namespace ec2dl::jobs
