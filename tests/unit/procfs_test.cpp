// /proc parsers fed with this machine's own /proc, df, and the job join.
#include "ec2dl/remote/procfs.hpp"

#include <gtest/gtest.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "ec2dl/remote/job_join.hpp"
#include "ec2dl/remote/sections.hpp"
#include "support/process.hpp"

namespace ec2dl::remote {
namespace {

// The stdout of a local sh command.
std::string sh(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  ::pclose(p);
  return out;
}

TEST(ProcStat, ParsesThisProcess) {
  const auto p = parse_proc_stat(test::read_text("/proc/self/stat"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, ::getpid());
  EXPECT_EQ(p->ppid, ::getppid());
  EXPECT_EQ(p->pgrp, ::getpgrp());
  EXPECT_EQ(p->session, ::getsid(0));
  EXPECT_EQ(p->state, 'R');
  EXPECT_GE(p->num_threads, 1);
  EXPECT_GT(p->rss_pages, 0);
  EXPECT_GT(p->starttime, 0u);
}

TEST(ProcStat, CommandNamesWithSpacesAndParentheses) {
  // What the kernel prints for a process renamed to "a) b (c" (prctl PR_SET_NAME).
  const std::string line =
      "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 2 0 123456 1000 25 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto p = parse_proc_stat(line);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, 4242);
  EXPECT_EQ(p->comm, "a) b (c");
  EXPECT_EQ(p->state, 'S');
  EXPECT_EQ(p->session, 4242);
  EXPECT_EQ(p->utime, 7u);
  EXPECT_EQ(p->stime, 3u);
  EXPECT_EQ(p->num_threads, 2);
  EXPECT_EQ(p->starttime, 123456u);
  EXPECT_EQ(p->rss_pages, 25);
}

TEST(ProcStat, CutLinesAreRejected) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("12 (python3"));                    // comm with a newline, part 1
  EXPECT_FALSE(parse_proc_stat("x) S 1 1 1 0 -1 0 0 0 0 0 0 0"));  // part 2
  EXPECT_FALSE(parse_proc_stat("12 (a) S 1 2 3"));
  EXPECT_FALSE(parse_proc_stat("abc (a) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1 1 0"));
}

TEST(ProcStat, AllOfProcParses) {
  const auto out = sh("cat /proc/[0-9]*/stat 2>/dev/null");
  const auto all = parse_proc_stats(out);
  ASSERT_GT(all.size(), 3u);
  EXPECT_TRUE(all.contains(1));
  EXPECT_TRUE(all.contains(::getpid()));
}

TEST(TaskStat, ThreadLinesNameTheirProcess) {
  const auto out = sh("grep -s -H '' /proc/" + std::to_string(::getpid()) + "/task/[0-9]*/stat");
  const auto tasks = parse_task_stats(out);
  ASSERT_FALSE(tasks.empty());
  ASSERT_TRUE(tasks.contains(::getpid()));
  for (const auto& [tid, t] : tasks) {
    EXPECT_EQ(t.pid, ::getpid());
    EXPECT_EQ(t.stat.pid, tid);
  }
  EXPECT_TRUE(parse_task_stats("/proc/1/task/2/stat:3 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 "
                               "5 1 1 0\n")
                  .empty());  // the tid in the path and in the line disagree
}

TEST(Owners, StatOutput) {
  const auto out = sh("stat -c '%n %U' /proc/1 /proc/self");
  const auto owners = parse_proc_owners(out);
  ASSERT_TRUE(owners.contains(1));
  EXPECT_EQ(owners.at(1), "root");
  EXPECT_TRUE(parse_proc_owners("/proc/x root\n/tmp/1 root\n").empty());
}

TEST(PsArgs, CommandLinesKeepTheirSpaces) {
  const auto out = sh("ps -ww -eo pid=,args=");
  const auto args = parse_ps_args(out);
  ASSERT_TRUE(args.contains(1));
  const auto mine = args.find(::getpid());
  ASSERT_NE(mine, args.end());
  EXPECT_NE(mine->second.find("unit_tests"), std::string::npos);
  EXPECT_EQ(parse_ps_args("  17 python3 train.py  --lr 0.1\n").at(17),
            "python3 train.py  --lr 0.1");
}

TEST(CpuTimes, ProcStatCpuLines) {
  const auto cpus = parse_cpu_times(test::read_text("/proc/stat"));
  ASSERT_GE(cpus.size(), 2u);
  EXPECT_EQ(cpus[0].name, "cpu");
  EXPECT_EQ(cpus.size() - 1, static_cast<std::size_t>(::get_nprocs()));
  EXPECT_GT(cpus[0].total(), cpus[1].total() - 1);
}

TEST(CpuTimes, UseBetweenSamples) {
  CpuTimes a;
  a.user = 100;
  a.system = 50;
  a.idle = 800;
  a.iowait = 50;
  CpuTimes b = a;
  b.user += 30;
  b.system += 10;
  b.idle += 50;
  b.iowait += 10;
  const auto use = cpu_use(a, b);
  EXPECT_DOUBLE_EQ(use.busy_pct, 40);
  EXPECT_DOUBLE_EQ(use.user_pct, 30);
  EXPECT_DOUBLE_EQ(use.system_pct, 10);
  EXPECT_DOUBLE_EQ(use.iowait_pct, 10);
  EXPECT_DOUBLE_EQ(use.idle_pct, 50);
  EXPECT_DOUBLE_EQ(cpu_use(a, a).idle_pct, 100);  // no time passed: nothing was busy
}

TEST(MemInfo, MatchesSysinfo) {
  const auto m = parse_meminfo(test::read_text("/proc/meminfo"));
  struct sysinfo si {};
  ASSERT_EQ(::sysinfo(&si), 0);
  ASSERT_TRUE(m.total && m.available && m.free && m.swap_total);
  EXPECT_EQ(*m.total, static_cast<std::uint64_t>(si.totalram) * si.mem_unit / 1024);
  EXPECT_EQ(*m.swap_total, static_cast<std::uint64_t>(si.totalswap) * si.mem_unit / 1024);
  EXPECT_LE(*m.available, *m.total);
}

TEST(LoadAvg, AndUptime) {
  const auto l = parse_loadavg(test::read_text("/proc/loadavg"));
  ASSERT_TRUE(l);
  EXPECT_GE(l->one, 0);
  EXPECT_GE(l->total, l->running);
  EXPECT_GT(l->total, 0);
  const auto up = parse_uptime(test::read_text("/proc/uptime"));
  ASSERT_TRUE(up);
  struct sysinfo si {};
  ASSERT_EQ(::sysinfo(&si), 0);
  EXPECT_NEAR(*up, static_cast<double>(si.uptime), 2.0);
  EXPECT_FALSE(parse_loadavg("garbage"));
  EXPECT_FALSE(parse_uptime(""));
}

TEST(Df, PosixLines) {
  const auto out = sh("df -P -k / | sed 1d");
  const auto d = parse_df_line(out);
  ASSERT_TRUE(d) << out;
  EXPECT_EQ(d->mount, "/");
  EXPECT_GT(d->size_kib, 0u);
  EXPECT_LE(d->used_kib, d->size_kib);
  const auto spaced = parse_df_line("my fs  1000  930  70  94% /mnt/my disk");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->filesystem, "my fs");
  EXPECT_EQ(spaced->mount, "/mnt/my disk");
  EXPECT_EQ(spaced->used_pct, 94);
  EXPECT_FALSE(parse_df_line("df: /nope: No such file or directory"));
}

TEST(Sections, SplitOnTheMarkerOnly) {
  const std::string out =
      "noise before\n"
      "@m1 host box\n"
      "@m1 gpus 0\n"
      "index, uuid\n"
      "@m2 fake a process could print this\n"
      "@m1 end\n";
  const auto s = split_sections(out, "@m1");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "host");
  EXPECT_EQ(s[0].args, std::vector<std::string>{"box"});
  EXPECT_EQ(s[1].args, std::vector<std::string>{"0"});
  EXPECT_EQ(s[1].body, "index, uuid\n@m2 fake a process could print this\n");
  EXPECT_EQ(section_body(s, "gpus"), s[1].body);
  EXPECT_EQ(section_body(s, "nope"), "");
  EXPECT_EQ(find_section(s, "end"), &s[2]);
}

TEST(JobJoin, RunningJobsOwnTheirSessions) {
  const auto jobs = parse_job_records(
      "job 7 100 5000 0\nname train, v2\nworkdir /data/my run\n"
      "job 8 200 6000 1\nname done\nworkdir\n"       // has an exit file
      "job 9 300 7000 0\nname\nworkdir\n"            // pid recycled: other start time
      "job 10 - - 0\nname starting\nworkdir\n"       // not started yet
      "job 11 400 8000 0\nname zombie\nworkdir\n");  // its process is a zombie
  ASSERT_EQ(jobs.size(), 5u);
  EXPECT_EQ(jobs[0].name, "train, v2");
  EXPECT_EQ(jobs[0].workdir, "/data/my run");
  EXPECT_TRUE(jobs[1].exited);
  EXPECT_FALSE(jobs[3].pid);

  auto stat = [](std::int64_t pid, std::int64_t sid, std::uint64_t start, char state = 'S') {
    ProcStat p;
    p.pid = pid;
    p.session = sid;
    p.starttime = start;
    p.state = state;
    return p;
  };
  const std::map<std::int64_t, ProcStat> procs = {{100, stat(100, 100, 5000)},
                                                  {101, stat(101, 100, 5100)},
                                                  {200, stat(200, 200, 6000)},
                                                  {300, stat(300, 300, 9999)},
                                                  {400, stat(400, 400, 8000, 'Z')}};
  EXPECT_TRUE(job_running(jobs[0], procs));
  EXPECT_FALSE(job_running(jobs[1], procs));
  EXPECT_FALSE(job_running(jobs[2], procs));
  EXPECT_FALSE(job_running(jobs[3], procs));
  EXPECT_FALSE(job_running(jobs[4], procs));
  const auto sessions = running_job_sessions(jobs, procs);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions.at(100), "7");

  const auto by_name = find_jobs(jobs, "train, v2");
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0]->id, "7");
  EXPECT_EQ(find_jobs(jobs, "8").size(), 1u);
  EXPECT_TRUE(find_jobs(jobs, "nope").empty());
}

}  // namespace
}  // namespace ec2dl::remote
