#include "ec2dl/remote/procfs.hpp"

#include <cmath>

#include "ec2dl/remote/sections.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

namespace {

// Whitespace-separated words.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
      ++i;
    }
    const auto start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.push_back(s.substr(start, i - start));
    }
  }
  return out;
}

template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  for (const auto line : lines(text)) {
    fn(line);
  }
}

std::uint64_t u64(std::string_view s) {
  return util::parse_uint(s).value_or(0);
}

std::optional<std::int64_t> pid_of(std::string_view s) {
  const auto v = util::parse_int(s);
  if (!v || *v <= 0) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
  const auto open = line.find(" (");
  const auto close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  const auto pid = pid_of(util::trim(line.substr(0, open)));
  if (!pid) {
    return std::nullopt;
  }
  const auto f = words(line.substr(close + 1));
  // f[0] is field 3 (state); field N is f[N - 3].
  if (f.size() < 22 || f[0].size() != 1) {
    return std::nullopt;
  }
  ProcStat p;
  p.pid = *pid;
  p.comm = std::string(line.substr(open + 2, close - open - 2));
  p.state = f[0][0];
  const auto ppid = util::parse_int(f[1]);
  const auto pgrp = util::parse_int(f[2]);
  const auto session = util::parse_int(f[3]);
  const auto utime = util::parse_uint(f[11]);
  const auto stime = util::parse_uint(f[12]);
  const auto threads = util::parse_int(f[17]);
  const auto start = util::parse_uint(f[19]);
  const auto rss = util::parse_int(f[21]);
  if (!ppid || !pgrp || !session || !utime || !stime || !threads || !start || !rss) {
    return std::nullopt;
  }
  p.ppid = *ppid;
  p.pgrp = *pgrp;
  p.session = *session;
  p.utime = *utime;
  p.stime = *stime;
  p.num_threads = *threads;
  p.starttime = *start;
  p.rss_pages = *rss;
  return p;
}

std::map<std::int64_t, ProcStat> parse_proc_stats(std::string_view text) {
  std::map<std::int64_t, ProcStat> out;
  for_each_line(text, [&](std::string_view line) {
    if (auto p = parse_proc_stat(line)) {
      out[p->pid] = std::move(*p);
    }
  });
  return out;
}

std::map<std::int64_t, TaskStat> parse_task_stats(std::string_view text) {
  std::map<std::int64_t, TaskStat> out;
  for_each_line(text, [&](std::string_view line) {
    if (!line.starts_with("/proc/")) {
      return;
    }
    const auto task = line.find("/task/");
    const auto colon = line.find("/stat:");
    if (task == std::string_view::npos || colon == std::string_view::npos || colon < task) {
      return;
    }
    const auto pid = pid_of(line.substr(6, task - 6));
    auto stat = parse_proc_stat(line.substr(colon + 6));
    if (!pid || !stat || pid_of(line.substr(task + 6, colon - task - 6)) != stat->pid) {
      return;
    }
    out[stat->pid] = TaskStat{*pid, std::move(*stat)};
  });
  return out;
}

std::map<std::int64_t, std::string> parse_proc_owners(std::string_view text) {
  std::map<std::int64_t, std::string> out;
  for_each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() != 2 || !w[0].starts_with("/proc/")) {
      return;
    }
    if (const auto pid = pid_of(w[0].substr(6))) {
      out[*pid] = std::string(w[1]);
    }
  });
  return out;
}

std::map<std::int64_t, std::string> parse_ps_args(std::string_view text) {
  std::map<std::int64_t, std::string> out;
  for_each_line(text, [&](std::string_view line) {
    const auto trimmed = util::trim(line);
    const auto space = trimmed.find(' ');
    if (space == std::string_view::npos) {
      return;
    }
    if (const auto pid = pid_of(trimmed.substr(0, space))) {
      out[*pid] = std::string(util::trim(trimmed.substr(space + 1)));
    }
  });
  return out;
}

std::vector<CpuTimes> parse_cpu_times(std::string_view text) {
  std::vector<CpuTimes> out;
  for_each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() < 5 || !w[0].starts_with("cpu")) {
      return;
    }
    CpuTimes t;
    t.name = std::string(w[0]);
    std::uint64_t* fields[] = {&t.user,   &t.nice, &t.system,  &t.idle,
                               &t.iowait, &t.irq,  &t.softirq, &t.steal};
    for (std::size_t i = 0; i < std::size(fields) && i + 1 < w.size(); ++i) {
      *fields[i] = u64(w[i + 1]);
    }
    out.push_back(std::move(t));
  });
  return out;
}

CpuUse cpu_use(const CpuTimes& before, const CpuTimes& after) {
  CpuUse use;
  const auto delta = [](std::uint64_t a, std::uint64_t b) {
    return b >= a ? static_cast<double>(b - a) : 0.0;
  };
  const double total = delta(before.total(), after.total());
  if (total <= 0) {
    use.idle_pct = 100;
    return use;
  }
  const auto pct = [&](double v) { return 100.0 * v / total; };
  use.user_pct = pct(delta(before.user + before.nice, after.user + after.nice));
  use.system_pct = pct(
      delta(before.system + before.irq + before.softirq, after.system + after.irq + after.softirq));
  use.iowait_pct = pct(delta(before.iowait, after.iowait));
  use.steal_pct = pct(delta(before.steal, after.steal));
  use.idle_pct = pct(delta(before.idle, after.idle));
  use.busy_pct = std::max(0.0, 100.0 - pct(delta(before.idle_all(), after.idle_all())));
  return use;
}

MemInfo parse_meminfo(std::string_view text) {
  MemInfo m;
  for_each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() < 2) {
      return;
    }
    const auto value = util::parse_uint(w[1]);
    const auto key = w[0];
    if (key == "MemTotal:") {
      m.total = value;
    } else if (key == "MemFree:") {
      m.free = value;
    } else if (key == "MemAvailable:") {
      m.available = value;
    } else if (key == "Buffers:") {
      m.buffers = value;
    } else if (key == "Cached:") {
      m.cached = value;
    } else if (key == "SReclaimable:") {
      m.sreclaimable = value;
    } else if (key == "SwapTotal:") {
      m.swap_total = value;
    } else if (key == "SwapFree:") {
      m.swap_free = value;
    }
  });
  return m;
}

std::optional<LoadAvg> parse_loadavg(std::string_view text) {
  const auto w = words(util::trim(text));
  if (w.size() < 4) {
    return std::nullopt;
  }
  const auto one = util::parse_double(w[0]);
  const auto five = util::parse_double(w[1]);
  const auto fifteen = util::parse_double(w[2]);
  const auto tasks = util::split(w[3], '/');
  if (!one || !five || !fifteen || tasks.size() != 2) {
    return std::nullopt;
  }
  LoadAvg l;
  l.one = *one;
  l.five = *five;
  l.fifteen = *fifteen;
  l.running = util::parse_int(tasks[0]).value_or(0);
  l.total = util::parse_int(tasks[1]).value_or(0);
  return l;
}

std::optional<double> parse_uptime(std::string_view text) {
  const auto w = words(util::trim(text));
  if (w.empty()) {
    return std::nullopt;
  }
  return util::parse_double(w[0]);
}

std::optional<DiskUsage> parse_df_line(std::string_view line) {
  const auto w = words(util::trim(line));
  // Find "SIZE USED AVAIL N%" followed by at least one word (the mount point).
  for (std::size_t i = 1; i + 4 < w.size(); ++i) {
    const auto& pct = w[i + 3];
    if (pct.size() < 2 || pct.back() != '%') {
      continue;
    }
    const auto size = util::parse_uint(w[i]);
    const auto used = util::parse_uint(w[i + 1]);
    const auto avail = util::parse_uint(w[i + 2]);
    const auto percent = util::parse_uint(pct.substr(0, pct.size() - 1));
    if (!size || !used || !avail || !percent) {
      continue;
    }
    DiskUsage d;
    // Rebuild the names from the original line so inner spaces survive.
    const auto t = util::trim(line);
    d.filesystem =
        std::string(util::trim(t.substr(0, static_cast<std::size_t>(w[i].data() - t.data()))));
    d.mount =
        std::string(util::trim(t.substr(static_cast<std::size_t>(w[i + 4].data() - t.data()))));
    d.size_kib = *size;
    d.used_kib = *used;
    d.avail_kib = *avail;
    d.used_pct = static_cast<double>(*percent);
    return d;
  }
  return std::nullopt;
}

}  // namespace ec2dl::remote
