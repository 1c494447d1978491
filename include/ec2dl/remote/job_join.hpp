#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/remote/procfs.hpp"

namespace ec2dl::remote {

// What the monitoring scripts report of one job folder ($BASE/jobs/ID/): its pid (the
// leader of the job's session), the start time recorded for that pid, and whether it left an
// exit file. The scripts print, per job:
//   job ID PID PID_START EXITED      ("-" for a missing value; EXITED 0 or 1)
//   name NAME                        (first line of the name file; may be empty)
//   workdir DIR                      (first line of the workdir file; may be empty)
struct JobRecord {
  std::string id;
  std::optional<std::int64_t> pid;
  std::optional<std::uint64_t> pid_start;
  bool exited = false;
  std::string name;
  std::string workdir;
};

std::vector<JobRecord> parse_job_records(std::string_view text);

// A job is running when it has no exit file and its pid's process is alive (not a zombie)
// with the start time recorded in pid_start (so a recycled pid is not mistaken for the job).
// `procs` are the /proc/PID/stat entries seen on the server at the same time.
bool job_running(const JobRecord& job, const std::map<std::int64_t, ProcStat>& procs);

// Session id -> id of the running job whose session it is. A process belongs to a job when
// its session id equals the job's pid.
std::map<std::int64_t, std::string> running_job_sessions(
    const std::vector<JobRecord>& jobs, const std::map<std::int64_t, ProcStat>& procs);

// The jobs whose id or name is `wanted` (ids first).
std::vector<const JobRecord*> find_jobs(const std::vector<JobRecord>& jobs,
                                        std::string_view wanted);

}  // namespace ec2dl::remote
