#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ec2dl/core/error.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/remote/procfs.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::monitor {

// What `ec2dl top` looks at.
struct TopQuery {
  std::string remote_dir;           // the job registry's base folder
  double sample_s = 0.5;            // time between the two CPU samples
  std::size_t limit = 10;           // processes per list
  std::optional<std::int64_t> pid;  // --pid: this process, its threads and children
  std::string job;                  // --job: the processes of this job (id or name)
  std::string workdir;  // the saved host's working folder (its disk is shown too), or ""
};

// The arguments of top_snapshot.sh for a query.
std::vector<std::string> top_query_args(const TopQuery& query);

struct ProcessRow {
  std::int64_t pid = 0;
  std::int64_t ppid = 0;
  std::string user;  // "" when unknown
  char state = '?';
  double cpu_pct = 0;     // of one CPU (100 = one core busy), over the sample
  double cpu_time_s = 0;  // user + system time since the process started
  std::uint64_t rss_kib = 0;
  std::int64_t threads = 0;
  std::string command;  // the command line, else the command name
  std::string job_id;   // the running ec2dl job whose session it is in, or ""
};

struct ThreadRow {
  std::int64_t tid = 0;
  std::int64_t pid = 0;  // the process it belongs to
  std::string name;
  char state = '?';
  double cpu_pct = 0;
};

struct DiskRow {
  remote::DiskUsage usage;
  std::vector<std::string> holds;  // what lives there: "~", "/", "workdir (~/proj)",
                                   // "job 7 (/data/run)"
  bool warning = false;            // 90 % full or more
};

// The process or job that --pid / --job asked about.
struct Focus {
  std::optional<std::int64_t> pid;  // --pid
  std::string job_id;               // --job, resolved
  std::string job_name;
  std::vector<ProcessRow> processes;  // the process and its descendants, or the job's session
  std::vector<ThreadRow> threads;     // busiest first
};

// One look at the server, as `top -M` would give it.
struct TopSnapshot {
  std::string host;
  std::int64_t time = 0;
  double uptime_s = 0;
  remote::LoadAvg load;
  std::int64_t processes = 0;  // how many processes
  std::int64_t running = 0;    // of which running (state R)
  int cpus = 0;
  remote::CpuUse cpu;
  std::vector<double> cpu_busy_pct;  // per CPU
  // Memory in KiB, as free(1) and top count it (used = total - available).
  std::uint64_t mem_total_kib = 0, mem_used_kib = 0, mem_free_kib = 0, mem_available_kib = 0,
                mem_buff_cache_kib = 0, swap_total_kib = 0, swap_used_kib = 0, swap_free_kib = 0;
  std::vector<DiskRow> disks;
  std::vector<ProcessRow> by_cpu;     // busiest first, at most limit
  std::vector<ProcessRow> by_memory;  // largest RSS first, at most limit
  std::optional<Focus> focus;
};

// Builds a snapshot from what top_snapshot.sh reported (pure). With query.pid or query.job,
// fails (kind not_found) when no such process or job is there, and when the job has ended.
core::Result<TopSnapshot> top_snapshot_from(const Report& report, const TopQuery& query,
                                            std::int64_t time);

// One round trip.
core::Result<TopSnapshot> sample_top(ssh::Session& session, const TopQuery& query);

// Everything in the snapshot; sizes in KiB, percentages of one CPU for processes.
nlohmann::json to_json(const TopSnapshot& snapshot);

}  // namespace ec2dl::monitor
