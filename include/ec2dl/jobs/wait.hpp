#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

// Waiting for jobs to end, through job_wait.sh.
namespace ec2dl::jobs {

// Blocks until every job in `ids` has ended or is lost. Returns false when `timeout_s` (> 0)
// passed first. Interrupts and a dropped connection are errors.
core::Result<bool> wait_ended(ssh::Session& session, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s);

// wait_ended() across dropped links; the timeout counts from this call.
core::Result<bool> wait_ended(ssh::Reconnector& link, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s);

// What a wait found.
struct WaitResult {
  bool ended = false;          // false: the timeout passed first
  remote::JobListing listing;  // the jobs waited for, listed afterwards
};

// Waits for the jobs `ids` across dropped links (wait_ended), then lists them. Ctrl-C is an
// error of kind interrupted; the jobs go on.
core::Result<WaitResult> wait_jobs(ssh::Reconnector& link, const std::string& base,
                                   const std::vector<std::int64_t>& ids, double timeout_s);

}  // namespace ec2dl::jobs
