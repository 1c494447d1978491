#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/ssh/session.hpp"

// Stopping jobs, through job_kill.sh. See docs/jobs.md ("kill").
namespace ec2dl::jobs {

// Signals the jobs' sessions with `signal` ("TERM"); with `escalate`, what is left after
// `grace_s` seconds gets KILL. Returns what happened to each job.
core::Result<std::vector<std::pair<std::int64_t, remote::KillOutcome>>> kill(
    ssh::Session& session, const std::string& base, const std::vector<std::int64_t>& ids,
    const std::string& signal, int grace_s, bool escalate);

}  // namespace ec2dl::jobs
