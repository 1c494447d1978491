#include "ec2dl/monitor/top.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ec2dl/remote/job_join.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::monitor {

namespace {

using nlohmann::json;

constexpr double k_disk_warning_pct = 90;

// Clock ticks one CPU had between the two samples (the whole machine's ticks / CPUs).
struct Sampling {
  double ticks_per_cpu = 0;
  double clk_tck = 100;
  double page_kib = 4;
};

double cpu_pct(const remote::ProcStat& now, const remote::ProcStat* before, const Sampling& s) {
  if (s.ticks_per_cpu <= 0) {
    return 0;
  }
  const auto ticks_now = now.utime + now.stime;
  std::uint64_t ticks_before = 0;
  // A process missing from the first sample, or a recycled pid, ran only since then.
  if (before != nullptr && before->starttime == now.starttime &&
      before->utime + before->stime <= ticks_now) {
    ticks_before = before->utime + before->stime;
  }
  const double pct = 100.0 * static_cast<double>(ticks_now - ticks_before) / s.ticks_per_cpu;
  // The process and the whole-CPU counters are read at slightly different moments, so the
  // ratio can overshoot; no process runs more than one core per thread.
  return std::min(pct, 100.0 * static_cast<double>(std::max<std::int64_t>(1, now.num_threads)));
}

json process_json(const ProcessRow& p) {
  return {{"pid", p.pid},
          {"ppid", p.ppid},
          {"user", p.user.empty() ? json(nullptr) : json(p.user)},
          {"state", std::string(1, p.state)},
          {"cpu_pct", std::round(p.cpu_pct * 10) / 10},
          {"cpu_time_s", std::round(p.cpu_time_s * 100) / 100},
          {"rss_kib", p.rss_kib},
          {"threads", p.threads},
          {"command", p.command},
          {"job_id", job_id_json(p.job_id)}};
}

// Descendants of `root` (itself included), parents before children.
std::vector<std::int64_t> family(std::int64_t root,
                                 const std::map<std::int64_t, remote::ProcStat>& procs) {
  std::map<std::int64_t, std::vector<std::int64_t>> children;
  for (const auto& [pid, p] : procs) {
    children[p.ppid].push_back(pid);
  }
  std::vector<std::int64_t> out{root};
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (const auto child : children[out[i]]) {
      if (std::find(out.begin(), out.end(), child) == out.end()) {
        out.push_back(child);
      }
    }
  }
  return out;
}

core::Result<Focus> focus_on(const TopQuery& query, const std::vector<remote::JobRecord>& jobs,
                             const std::map<std::int64_t, remote::ProcStat>& procs,
                             const std::string& host) {
  Focus f;
  if (query.pid) {
    if (!procs.contains(*query.pid)) {
      return core::fail(core::ErrorKind::not_found,
                        fmt::format("no process {} on {}", *query.pid, host),
                        "'ec2dl top' lists the busiest processes; 'ec2dl ps' lists jobs");
    }
    f.pid = query.pid;
    return f;
  }
  const auto found = remote::find_jobs(jobs, query.job);
  if (found.empty()) {
    return core::fail(
        core::ErrorKind::not_found,
        fmt::format("no job '{}' on {} (in {}/jobs)", query.job, host, query.remote_dir),
        "'ec2dl ps' lists the jobs");
  }
  std::vector<const remote::JobRecord*> running;
  for (const auto* j : found) {
    if (remote::job_running(*j, procs)) {
      running.push_back(j);
    }
  }
  if (running.empty()) {
    return core::fail(core::ErrorKind::not_found,
                      fmt::format("job '{}' is not running (it has ended)", query.job),
                      fmt::format("'ec2dl tail {}' shows its log", found.front()->id));
  }
  if (running.size() > 1) {
    std::vector<std::string> ids;
    for (const auto* j : running) {
      ids.push_back(j->id);
    }
    return core::fail(core::ErrorKind::usage,
                      fmt::format("{} running jobs are named '{}' (ids {}): give one id",
                                  running.size(), query.job, util::join(ids, ", ")));
  }
  f.job_id = running.front()->id;
  f.job_name = running.front()->name;
  f.pid = running.front()->pid;
  return f;
}

}  // namespace

std::vector<std::string> top_query_args(const TopQuery& query) {
  return {query.remote_dir, fmt::format("{:g}", query.sample_s),
          query.pid ? std::to_string(*query.pid) : std::string(), query.job, query.workdir};
}

core::Result<TopSnapshot> top_snapshot_from(const Report& report, const TopQuery& query,
                                            std::int64_t time) {
  const auto& sections = report.sections;
  TopSnapshot snap;
  snap.time = time;
  if (const auto* s = remote::find_section(sections, "host")) {
    snap.host = util::join(s->args, " ");
  }
  Sampling sampling;
  if (const auto* s = remote::find_section(sections, "conf"); s != nullptr && s->args.size() == 2) {
    sampling.clk_tck = std::max(1.0, util::parse_double(s->args[0]).value_or(100));
    sampling.page_kib = std::max(1.0, util::parse_double(s->args[1]).value_or(4096) / 1024.0);
  }
  std::optional<std::int64_t> self;
  if (const auto* s = remote::find_section(sections, "self"); s != nullptr && !s->args.empty()) {
    self = util::parse_int(s->args.front());
  }
  snap.uptime_s = remote::parse_uptime(remote::section_body(sections, "uptime")).value_or(0);
  snap.load =
      remote::parse_loadavg(remote::section_body(sections, "loadavg")).value_or(remote::LoadAvg{});

  // Memory as procps-ng 4 counts it: used = total - available.
  const auto mem = remote::parse_meminfo(remote::section_body(sections, "meminfo"));
  snap.mem_total_kib = mem.total.value_or(0);
  snap.mem_free_kib = mem.free.value_or(0);
  snap.mem_buff_cache_kib =
      mem.buffers.value_or(0) + mem.cached.value_or(0) + mem.sreclaimable.value_or(0);
  snap.mem_available_kib = mem.available.value_or(
      std::min(snap.mem_total_kib, snap.mem_free_kib + snap.mem_buff_cache_kib));
  snap.mem_used_kib = snap.mem_total_kib - std::min(snap.mem_total_kib, snap.mem_available_kib);
  snap.swap_total_kib = mem.swap_total.value_or(0);
  snap.swap_free_kib = std::min(mem.swap_free.value_or(0), snap.swap_total_kib);
  snap.swap_used_kib = snap.swap_total_kib - snap.swap_free_kib;

  // CPU: the machine, each CPU, and the clock ticks one CPU had between the samples.
  const auto cpu1 = remote::parse_cpu_times(remote::section_body(sections, "cpu1"));
  const auto cpu2 = remote::parse_cpu_times(remote::section_body(sections, "cpu2"));
  if (cpu1.empty() || cpu2.empty() || cpu1.front().name != "cpu" || cpu2.front().name != "cpu") {
    return core::fail(core::ErrorKind::remote, "top: the server did not report its CPU times",
                      "ec2dl top needs a Linux server (/proc)");
  }
  snap.cpu = remote::cpu_use(cpu1.front(), cpu2.front());
  for (std::size_t i = 1; i < cpu2.size(); ++i) {
    ++snap.cpus;
    const auto before = std::find_if(cpu1.begin(), cpu1.end(), [&](const remote::CpuTimes& c) {
      return c.name == cpu2[i].name;
    });
    snap.cpu_busy_pct.push_back(before == cpu1.end() ? 0
                                                     : remote::cpu_use(*before, cpu2[i]).busy_pct);
  }
  const auto total_ticks = static_cast<double>(
      cpu2.front().total() - std::min(cpu1.front().total(), cpu2.front().total()));
  sampling.ticks_per_cpu = total_ticks / std::max(1, snap.cpus);

  const auto procs1 = remote::parse_proc_stats(remote::section_body(sections, "procs1"));
  auto procs = remote::parse_proc_stats(remote::section_body(sections, "procs2"));
  const auto owners = remote::parse_proc_owners(remote::section_body(sections, "owners"));
  const auto args = remote::parse_ps_args(remote::section_body(sections, "args"));
  const auto jobs = remote::parse_job_records(remote::section_body(sections, "jobs"));
  const auto sessions = remote::running_job_sessions(jobs, procs);

  // The probe itself (its shell and what it ran) is no process of the server's.
  if (self) {
    for (const auto pid : family(*self, procs)) {
      procs.erase(pid);
    }
  }

  std::map<std::int64_t, ProcessRow> rows;
  for (const auto& [pid, p] : procs) {
    ProcessRow r;
    r.pid = pid;
    r.ppid = p.ppid;
    r.state = p.state;
    const auto before = procs1.find(pid);
    r.cpu_pct = cpu_pct(p, before == procs1.end() ? nullptr : &before->second, sampling);
    r.cpu_time_s = static_cast<double>(p.utime + p.stime) / sampling.clk_tck;
    r.rss_kib = static_cast<std::uint64_t>(std::max<std::int64_t>(0, p.rss_pages) *
                                           static_cast<std::int64_t>(sampling.page_kib));
    r.threads = p.num_threads;
    if (const auto o = owners.find(pid); o != owners.end()) {
      r.user = o->second;
    }
    const auto a = args.find(pid);
    r.command = a != args.end() && !a->second.empty() ? a->second : "[" + p.comm + "]";
    if (const auto j = sessions.find(p.session); j != sessions.end()) {
      r.job_id = j->second;
    }
    ++snap.processes;
    snap.running += p.state == 'R' ? 1 : 0;
    rows.emplace(pid, std::move(r));
  }

  std::vector<ProcessRow> all;
  for (const auto& [pid, r] : rows) {
    all.push_back(r);
  }
  const auto n = std::min(query.limit, all.size());
  snap.by_cpu = all;
  std::stable_sort(snap.by_cpu.begin(), snap.by_cpu.end(),
                   [](const ProcessRow& a, const ProcessRow& b) { return a.cpu_pct > b.cpu_pct; });
  snap.by_cpu.resize(n);
  snap.by_memory = std::move(all);
  std::stable_sort(snap.by_memory.begin(), snap.by_memory.end(),
                   [](const ProcessRow& a, const ProcessRow& b) { return a.rss_kib > b.rss_kib; });
  snap.by_memory.resize(n);

  // Disks: one row per filesystem, with everything asked about that lives there.
  for (const auto& s : sections) {
    if (s.name != "disk" || s.args.empty()) {
      continue;
    }
    const auto usage = remote::parse_df_line(util::trim(s.body));
    if (!usage) {
      continue;
    }
    std::string holds;
    const auto& label = s.args.front();
    if (label == "home") {
      holds = "~";
    } else if (label == "root") {
      holds = "/";
    } else if (label == "workdir") {
      if (query.workdir.empty()) {
        continue;
      }
      holds = fmt::format("workdir ({})", query.workdir);
    } else if (label.starts_with("job:")) {
      const auto id = label.substr(4);
      const auto job = std::find_if(jobs.begin(), jobs.end(),
                                    [&](const remote::JobRecord& j) { return j.id == id; });
      if (job == jobs.end() || !remote::job_running(*job, procs)) {
        continue;
      }
      holds = fmt::format("job {} ({})", id, job->workdir);
    }
    auto row = std::find_if(snap.disks.begin(), snap.disks.end(),
                            [&](const DiskRow& d) { return d.usage.mount == usage->mount; });
    if (row == snap.disks.end()) {
      snap.disks.push_back({*usage, {}, usage->used_pct >= k_disk_warning_pct});
      row = snap.disks.end() - 1;
    }
    row->holds.push_back(holds);
  }

  if (query.pid || !query.job.empty()) {
    EC2DL_TRY_ASSIGN(auto focus,
                     focus_on(query, jobs, procs, snap.host.empty() ? "the server" : snap.host));
    std::vector<std::int64_t> members;
    if (!focus.job_id.empty()) {
      for (const auto& [pid, p] : procs) {
        if (p.session == *focus.pid) {
          members.push_back(pid);
        }
      }
    } else {
      members = family(*focus.pid, procs);
    }
    for (const auto pid : members) {
      if (const auto r = rows.find(pid); r != rows.end()) {
        focus.processes.push_back(r->second);
      }
    }
    const std::set<std::int64_t> member_set(members.begin(), members.end());
    const auto threads1 = remote::parse_task_stats(remote::section_body(sections, "threads1"));
    const auto threads2 = remote::parse_task_stats(remote::section_body(sections, "threads2"));
    for (const auto& [tid, t] : threads2) {
      if (!member_set.contains(t.pid)) {
        continue;
      }
      const auto before = threads1.find(tid);
      focus.threads.push_back(
          {tid, t.pid, t.stat.comm, t.stat.state,
           cpu_pct(t.stat, before == threads1.end() ? nullptr : &before->second.stat, sampling)});
    }
    std::stable_sort(focus.threads.begin(), focus.threads.end(),
                     [](const ThreadRow& a, const ThreadRow& b) { return a.cpu_pct > b.cpu_pct; });
    snap.focus = std::move(focus);
  }
  return snap;
}

core::Result<TopSnapshot> sample_top(ssh::Session& session, const TopQuery& query) {
  EC2DL_TRY_ASSIGN(auto report, run_report(session, remote::scripts::top_snapshot,
                                           top_query_args(query), "top"));
  return top_snapshot_from(report, query, util::now_epoch());
}

json to_json(const TopSnapshot& s) {
  const auto round1 = [](double v) { return std::round(v * 10) / 10; };
  json disks = json::array();
  for (const auto& d : s.disks) {
    disks.push_back({{"mount", d.usage.mount},
                     {"filesystem", d.usage.filesystem},
                     {"size_kib", d.usage.size_kib},
                     {"used_kib", d.usage.used_kib},
                     {"available_kib", d.usage.avail_kib},
                     {"used_pct", d.usage.used_pct},
                     {"holds", d.holds},
                     {"warning", d.warning}});
  }
  auto list = [](const std::vector<ProcessRow>& rows) {
    json out = json::array();
    for (const auto& r : rows) {
      out.push_back(process_json(r));
    }
    return out;
  };
  json cpus = json::array();
  for (const auto v : s.cpu_busy_pct) {
    cpus.push_back(round1(v));
  }
  json out = {
      {"host", s.host},
      {"time", util::iso8601_utc(s.time)},
      {"uptime_s", s.uptime_s},
      {"load", {{"1m", s.load.one}, {"5m", s.load.five}, {"15m", s.load.fifteen}}},
      {"processes", {{"total", s.processes}, {"running", s.running}}},
      {"cpu",
       {{"count", s.cpus},
        {"busy_pct", round1(s.cpu.busy_pct)},
        {"user_pct", round1(s.cpu.user_pct)},
        {"system_pct", round1(s.cpu.system_pct)},
        {"iowait_pct", round1(s.cpu.iowait_pct)},
        {"steal_pct", round1(s.cpu.steal_pct)},
        {"idle_pct", round1(s.cpu.idle_pct)},
        {"per_cpu_busy_pct", cpus}}},
      {"memory",
       {{"total_kib", s.mem_total_kib},
        {"used_kib", s.mem_used_kib},
        {"free_kib", s.mem_free_kib},
        {"available_kib", s.mem_available_kib},
        {"buff_cache_kib", s.mem_buff_cache_kib}}},
      {"swap",
       {{"total_kib", s.swap_total_kib},
        {"used_kib", s.swap_used_kib},
        {"free_kib", s.swap_free_kib}}},
      {"disks", disks},
      {"top_cpu", list(s.by_cpu)},
      {"top_memory", list(s.by_memory)},
      {"focus", nullptr},
  };
  if (s.focus) {
    json threads = json::array();
    for (const auto& t : s.focus->threads) {
      threads.push_back({{"tid", t.tid},
                         {"pid", t.pid},
                         {"name", t.name},
                         {"state", std::string(1, t.state)},
                         {"cpu_pct", round1(t.cpu_pct)}});
    }
    out["focus"] = {
        {"pid", s.focus->pid ? json(*s.focus->pid) : json(nullptr)},
        {"job_id", job_id_json(s.focus->job_id)},
        {"job_name", s.focus->job_name.empty() ? json(nullptr) : json(s.focus->job_name)},
        {"processes", list(s.focus->processes)},
        {"threads", threads}};
  }
  return out;
}

}  // namespace ec2dl::monitor
