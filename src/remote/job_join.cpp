#include "ec2dl/remote/job_join.hpp"

#include "ec2dl/remote/sections.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

std::vector<JobRecord> parse_job_records(std::string_view text) {
  std::vector<JobRecord> jobs;
  for (const auto line : lines(text)) {
    if (line.starts_with("job ")) {
      const auto f = util::split(line.substr(4), ' ');
      if (f.size() != 4 || f[0].empty()) {
        continue;
      }
      JobRecord j;
      j.id = f[0];
      if (const auto pid = util::parse_int(f[1]); pid && *pid > 0) {
        j.pid = pid;
      }
      j.pid_start = util::parse_uint(f[2]);
      j.exited = f[3] == "1";
      jobs.push_back(std::move(j));
    } else if (jobs.empty()) {
      continue;
    } else if (line.starts_with("name ")) {
      jobs.back().name = std::string(line.substr(5));
    } else if (line.starts_with("workdir ")) {
      jobs.back().workdir = std::string(line.substr(8));
    }
  }
  return jobs;
}

bool job_running(const JobRecord& job, const std::map<std::int64_t, ProcStat>& procs) {
  if (job.exited || !job.pid) {
    return false;
  }
  const auto it = procs.find(*job.pid);
  if (it == procs.end() || it->second.state == 'Z') {
    return false;
  }
  return !job.pid_start || it->second.starttime == *job.pid_start;
}

std::map<std::int64_t, std::string> running_job_sessions(
    const std::vector<JobRecord>& jobs, const std::map<std::int64_t, ProcStat>& procs) {
  std::map<std::int64_t, std::string> out;
  for (const auto& j : jobs) {
    if (job_running(j, procs)) {
      out[*j.pid] = j.id;
    }
  }
  return out;
}

std::vector<const JobRecord*> find_jobs(const std::vector<JobRecord>& jobs,
                                        std::string_view wanted) {
  std::vector<const JobRecord*> out;
  for (const auto& j : jobs) {
    if (j.id == wanted) {
      out.push_back(&j);
    }
  }
  for (const auto& j : jobs) {
    if (j.id != wanted && !j.name.empty() && j.name == wanted) {
      out.push_back(&j);
    }
  }
  return out;
}

}  // namespace ec2dl::remote
