#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec2dl::remote {

// The fields of one /proc/PID/stat (or /proc/PID/task/TID/stat) line that ec2dl uses.
struct ProcStat {
  std::int64_t pid = 0;
  std::string comm;  // between the first '(' and the last ')': may hold spaces and ')'
  char state = '?';
  std::int64_t ppid = 0;
  std::int64_t pgrp = 0;
  std::int64_t session = 0;  // field 6
  std::uint64_t utime = 0;   // clock ticks
  std::uint64_t stime = 0;   // clock ticks
  std::int64_t num_threads = 0;
  std::uint64_t starttime = 0;  // field 22: clock ticks after boot
  std::int64_t rss_pages = 0;   // field 24
};

// Parses one stat line; the fields after the command name are read after its last ')'.
// nullopt when the line is cut short or not a stat line.
std::optional<ProcStat> parse_proc_stat(std::string_view line);

// Every parsable stat line of `text` (one per line), by pid; unparsable lines are skipped.
std::map<std::int64_t, ProcStat> parse_proc_stats(std::string_view text);

// A thread's stat line as `grep -H '' /proc/PID/task/TID/stat` prints it:
// "/proc/PID/task/TID/stat:LINE".
struct TaskStat {
  std::int64_t pid = 0;  // the process the thread belongs to
  ProcStat stat;         // stat.pid is the thread id
};
// Every parsable task line of `text`, by thread id.
std::map<std::int64_t, TaskStat> parse_task_stats(std::string_view text);

// "/proc/123 alice" lines (`stat -c '%n %U' /proc/[0-9]*`) -> pid -> user.
std::map<std::int64_t, std::string> parse_proc_owners(std::string_view text);

// "  123 python3 train.py --lr 0.1" lines (`ps -eo pid=,args=`) -> pid -> command line.
std::map<std::int64_t, std::string> parse_ps_args(std::string_view text);

// One "cpu"/"cpuN" line of /proc/stat: jiffies by kind.
struct CpuTimes {
  std::string name;  // "cpu" (all CPUs) or "cpu0", "cpu1", ...
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                steal = 0;
  std::uint64_t total() const {
    return user + nice + system + idle + iowait + irq + softirq + steal;
  }
  std::uint64_t idle_all() const { return idle + iowait; }
};

// The cpu lines of /proc/stat, in order ("cpu" first).
std::vector<CpuTimes> parse_cpu_times(std::string_view text);

// CPU use between two samples of the same CPU, in percent of its time.
struct CpuUse {
  double busy_pct = 0, user_pct = 0, system_pct = 0, iowait_pct = 0, steal_pct = 0, idle_pct = 0;
};
CpuUse cpu_use(const CpuTimes& before, const CpuTimes& after);

// /proc/meminfo, in KiB; nullopt where the kernel does not report a field.
struct MemInfo {
  std::optional<std::uint64_t> total, free, available, buffers, cached, sreclaimable, swap_total,
      swap_free;
};
MemInfo parse_meminfo(std::string_view text);

// /proc/loadavg: "0.52 0.58 0.59 2/1234 5678".
struct LoadAvg {
  double one = 0, five = 0, fifteen = 0;
  std::int64_t running = 0, total = 0;
};
std::optional<LoadAvg> parse_loadavg(std::string_view text);

// /proc/uptime: seconds since boot (its first field).
std::optional<double> parse_uptime(std::string_view text);

// One data line of `df -P -k PATH`.
struct DiskUsage {
  std::string filesystem;
  std::string mount;
  std::uint64_t size_kib = 0, used_kib = 0, avail_kib = 0;
  double used_pct = 0;  // as df computes it: used / (used + available), rounded up
};
// The usage in a df -P line; names with spaces are kept (the numbers are found from the right
// of the filesystem name and the left of the mount point). nullopt for anything else.
std::optional<DiskUsage> parse_df_line(std::string_view line);

}  // namespace ec2dl::remote
