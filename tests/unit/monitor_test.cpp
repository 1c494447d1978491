// gpu and top snapshots built from script output, their JSON and their screens; sparklines.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "ec2dl/cli/commands/gpu.hpp"
#include "ec2dl/cli/commands/top.hpp"
#include "ec2dl/monitor/gpu.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/monitor/top.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ui/spark.hpp"
#include "support/fixtures.hpp"

namespace ec2dl::monitor {
namespace {

using test::gpu_state_file;

constexpr const char* k_marker = "@ec2dl-test";

// What gpu_query.sh prints for a recorded state, with `extra` sections after the apps.
std::string gpu_output(const std::string& state, const std::string& extra = "") {
  return std::string(k_marker) + " host gpu-box\n" + k_marker + " gpus 0\n" +
         gpu_state_file(state, "gpus.csv") + k_marker + " apps 0\n" +
         gpu_state_file(state, "apps.csv") + extra + k_marker + " end\n";
}

Report report_of(const std::string& out, const std::string& err = "") {
  auto r = parse_report(out, err, k_marker, "gpu");
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : Report{};
}

TEST(Report, ACutAnswerIsAnError) {
  auto r = parse_report(std::string(k_marker) + " host x\n", "sh: 3: oops\n", k_marker, "gpu");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::remote);
  EXPECT_NE(r.error().message().find("cut short: sh: 3: oops"), std::string::npos);
}

TEST(Report, MarkersAreFreshEachTime) {
  EXPECT_NE(new_marker(), new_marker());
}

TEST(Report, ScriptsComeWholeWithWhatTheyUse) {
  // gpu_query.sh and top_snapshot.sh name lib.sh and gpu_top_jobs.sh in their "# uses:"
  // line: the embedded text is those scripts', then their own.
  for (const auto& script : {remote::scripts::gpu_query, remote::scripts::top_snapshot}) {
    const auto& lib = remote::scripts::lib.text;
    const auto& jobs = remote::scripts::gpu_top_jobs.text;
    EXPECT_TRUE(script.text.starts_with(std::string(lib) + std::string(jobs))) << script.name;
    EXPECT_GT(script.text.size(), lib.size() + jobs.size()) << script.name;
  }
  const auto call = report_call(remote::scripts::top_snapshot, k_marker, {"~", "0.5"});
  EXPECT_EQ(call.script.name, "top_snapshot");
  EXPECT_EQ(call.args, (std::vector<std::string>{k_marker, "~", "0.5"}));
}

TEST(GpuSnapshot, RecordedStateWithJobsJoined) {
  // Process 11345 runs in the session of job 12; 11327's session is a finished job's.
  const std::string extra = std::string(k_marker) + " jobs\n" +
                            "job 12 11340 900 0\nname burn, in\nworkdir /w\n"
                            "job 13 11300 800 1\nname old\nworkdir\n" +
                            k_marker + " stat\n" +
                            "11345 (gpu_burn) R 11340 11340 11340 0 -1 0 0 0 0 0 50 5 0 0 20 0 9 0 "
                            "1000 1 1 0\n"
                            "11340 (sh) S 1 11340 11340 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 900 1 1 0\n"
                            "11327 (memhog) S 11300 11300 11300 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 "
                            "800 1 1 0\n" +
                            k_marker + " owners\n/proc/11345 alice\n/proc/11327 bob\n";
  auto snap = gpu_snapshot_from(report_of(gpu_output("4x-h100", extra)), 1700000000);
  ASSERT_TRUE(snap) << snap.error().message();
  EXPECT_EQ(snap->host, "gpu-box");
  ASSERT_EQ(snap->gpus.size(), 4u);
  ASSERT_EQ(snap->processes.size(), 3u);
  for (const auto& p : snap->processes) {
    EXPECT_EQ(p.gpu_index, 2);
  }
  const auto& burn = snap->processes[2];
  EXPECT_EQ(burn.app.pid, 11345);
  EXPECT_EQ(burn.user, "alice");
  EXPECT_EQ(burn.job_id, "12");
  EXPECT_EQ(burn.job_name, "burn, in");
  EXPECT_EQ(snap->processes[0].user, "bob");
  EXPECT_EQ(snap->processes[0].job_id, "");  // job 13 has ended
  EXPECT_EQ(snap->processes[1].user, "");    // not visible on the server

  const auto json = to_json(*snap);
  EXPECT_EQ(json["host"], "gpu-box");
  EXPECT_EQ(json["time"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(json["gpus"][2]["memory_used_mib"], 19818);
  EXPECT_EQ(json["gpus"][2]["power_draw_w"], 631.95);
  EXPECT_TRUE(json["gpus"][2]["fan_speed_pct"].is_null());
  EXPECT_EQ(json["processes"][2]["job_id"], 12);  // numeric ids are numbers
  EXPECT_EQ(json["processes"][2]["gpu_uuid"], "GPU-4f1c2a7e-0000-4000-8000-000000000002");
  EXPECT_TRUE(json["processes"][1]["user"].is_null());
  EXPECT_TRUE(json["processes"][1]["job_id"].is_null());
}

TEST(GpuSnapshot, EveryRecordedStateRendersWithoutZerosForUnknowns) {
  for (const char* state :
       {"4x-h100", "h100-idle", "h100-load", "h200-mig-load", "l40s-load", "rtx2080s-610-idle"}) {
    SCOPED_TRACE(state);
    auto snap = gpu_snapshot_from(report_of(gpu_output(state)), 0);
    ASSERT_TRUE(snap) << snap.error().message();
    const auto screen = cli::gpu_cmd::render(*snap, {});
    EXPECT_NE(screen.find("NVIDIA"), std::string::npos);
    EXPECT_NE(screen.find("GPU"), std::string::npos);
  }
  auto mig = gpu_snapshot_from(report_of(gpu_output("h200-mig-load")), 0);
  ASSERT_TRUE(mig);
  const auto screen = cli::gpu_cmd::render(*mig, {});
  // The MIG GPU's utilisation is unknown: a dash, never "0%".
  EXPECT_NE(screen.find("NVIDIA H200     \u2013"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("  0%"), std::string::npos) << screen;
  EXPECT_TRUE(to_json(*mig)["gpus"][0]["utilization_gpu_pct"].is_null());
}

TEST(GpuSnapshot, NvidiaSmiFailuresBecomeItsMessage) {
  const std::string out = std::string(k_marker) + " host h\n" + k_marker + " gpus 9\n" +
                          gpu_state_file("no-driver", "fail").substr(2) + k_marker + " end\n";
  auto snap = gpu_snapshot_from(report_of(out), 0);
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().exit_code(), 1);
  EXPECT_NE(snap.error().message().find("couldn't communicate with the NVIDIA driver"),
            std::string::npos);
  EXPECT_NE(snap.error().message().find("status 9"), std::string::npos);

  // Nothing on stdout: the message on stderr is used.
  const std::string quiet = std::string(k_marker) + " gpus 127\n" + k_marker + " end\n";
  auto lib = gpu_snapshot_from(report_of(quiet, "error while loading shared libraries\n"), 0);
  ASSERT_FALSE(lib);
  EXPECT_NE(lib.error().message().find("error while loading shared libraries"), std::string::npos);

  const std::string missing = std::string(k_marker) + " missing\n" + k_marker + " end\n";
  auto none = gpu_snapshot_from(report_of(missing), 0);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(), "no NVIDIA driver tools on this server (nvidia-smi not found)");
  EXPECT_EQ(none.error().exit_code(), 1);
}

TEST(GpuRender, ProcessesUnderTheGpus) {
  auto snap = gpu_snapshot_from(report_of(gpu_output("h100-load")), 0);
  ASSERT_TRUE(snap);
  const auto screen = cli::gpu_cmd::render(*snap, {});
  const auto gpus_at = screen.find("NAME");
  const auto procs_at = screen.find("COMMAND");
  ASSERT_NE(gpus_at, std::string::npos);
  ASSERT_NE(procs_at, std::string::npos);
  EXPECT_LT(gpus_at, procs_at);
  EXPECT_NE(screen.find("./gpu_burn"), std::string::npos);
  EXPECT_NE(screen.find("15690 MiB"), std::string::npos);
  EXPECT_NE(screen.find("19818 / 81559 MiB"), std::string::npos);
  EXPECT_EQ(screen.find("\x1b["), std::string::npos);  // no colour unless asked
  EXPECT_NE(cli::gpu_cmd::render(*snap, {.color = true}).find("\x1b["), std::string::npos);

  auto idle = gpu_snapshot_from(report_of(gpu_output("h100-idle")), 0);
  ASSERT_TRUE(idle);
  EXPECT_NE(cli::gpu_cmd::render(*idle, {}).find("No compute processes."), std::string::npos);
}

TEST(GpuRender, WatchAddsSparklines) {
  cli::gpu_cmd::History history(300, 2);
  auto busy = gpu_snapshot_from(report_of(gpu_output("h100-load")), 0);
  auto idle = gpu_snapshot_from(report_of(gpu_output("h100-idle")), 0);
  ASSERT_TRUE(busy && idle);
  // Same UUID in both recordings: 50 s idle, then 50 s busy (5 samples a cell).
  for (int i = 0; i < 25; ++i) {
    history.add(*idle);
  }
  for (int i = 0; i < 25; ++i) {
    history.add(*busy);
  }
  const auto uuid = busy->gpus[0].uuid;
  EXPECT_EQ(history.utilization(uuid, 30),
            "\u2581\u2581\u2581\u2581\u2581\u2588\u2588\u2588\u2588\u2588");
  EXPECT_EQ(history.span(), "5m");
  const auto screen = cli::gpu_cmd::render(*busy, {.history = &history});
  EXPECT_NE(screen.find("UTIL 5m"), std::string::npos);
  EXPECT_NE(screen.find("\u2581\u2588"), std::string::npos);
}

TEST(Sparkline, LevelsAndGaps) {
  EXPECT_EQ(ui::sparkline({0.0, 50.0, 100.0, std::nullopt, 150.0}, 0, 100),
            "\u2581\u2585\u2588 \u2588");
  ui::SampleWindow w(4);
  for (double v : {0.0, 100.0, 100.0, 100.0, 100.0}) {
    w.add(v);
  }
  EXPECT_EQ(w.size(), 4u);  // the oldest sample fell out of the window
  EXPECT_EQ(w.render(10, 0, 100), "\u2588\u2588\u2588\u2588");
  EXPECT_EQ(w.render(0, 0, 100), "");
}

// ---- top ------------------------------------------------------------------------------

std::string stat_line(std::int64_t pid, const std::string& comm, char state, std::int64_t ppid,
                      std::int64_t sid, std::uint64_t ticks, std::uint64_t start,
                      std::int64_t rss_pages, int threads = 1) {
  return std::to_string(pid) + " (" + comm + ") " + state + " " + std::to_string(ppid) + " " +
         std::to_string(sid) + " " + std::to_string(sid) + " 0 -1 0 0 0 0 0 " +
         std::to_string(ticks) + " 0 0 0 20 0 " + std::to_string(threads) + " 0 " +
         std::to_string(start) + " 1000 " + std::to_string(rss_pages) + " 0 0\n";
}

// Two samples 200 ticks of a 2-CPU machine apart (100 ticks per CPU): pid 500 (job 3's
// session leader) used 80 ticks, its child 501 used 20, pid 600 none; 700 is the probe.
std::string top_output(const std::string& disk_pct = "20%") {
  const std::string m = k_marker;
  auto procs = [&](std::uint64_t t500, std::uint64_t t501) {
    return stat_line(1, "init", 'S', 0, 1, 10, 1, 100) +
           stat_line(500, "python3", 'R', 1, 500, t500, 5000, 2560, 12) +
           stat_line(501, "pt_data_worker", 'S', 500, 500, t501, 5001, 512) +
           stat_line(600, "my (odd) name", 'S', 1, 600, 5, 6000, 25600) +
           stat_line(700, "sh", 'S', 1, 700, 0, 7000, 100) +
           stat_line(701, "cat", 'R', 700, 700, 0, 7001, 100);
  };
  return m + " host trainer-1\n" + m + " self 700\n" + m + " conf 100 4096\n" + m +
         " uptime\n93784.5 10.0\n" + m + " loadavg\n1.50 0.75 0.25 3/200 999\n" + m +
         " meminfo\nMemTotal: 16000000 kB\nMemFree: 2000000 kB\nMemAvailable: 12000000 "
         "kB\nBuffers: 1000 kB\nCached: 9000000 kB\nSReclaimable: 200000 kB\nSwapTotal: 1000 "
         "kB\nSwapFree: 400 kB\n" +
         m +
         " jobs\njob 3 500 5000 0\nname train\nworkdir /data/run 1\njob 4 900 1 1\nname "
         "old\nworkdir /old\n" +
         m +
         " cpu1\ncpu 1000 0 500 8000 0 0 0 0\ncpu0 500 0 250 4000 0 0 0 0\ncpu1 500 0 250 "
         "4000 0 0 0 0\n" +
         m + " procs1\n" + procs(1000, 200) + m + " threads1\n" +
         "/proc/500/task/500/stat:" + stat_line(500, "python3", 'R', 1, 500, 600, 5000, 2560) +
         "/proc/500/task/510/stat:" + stat_line(510, "pt_autograd", 'S', 1, 500, 400, 5002, 2560) +
         m +
         " cpu2\ncpu 1080 0 520 8100 0 0 0 0\ncpu0 580 0 260 4010 0 0 0 0\ncpu1 500 0 260 "
         "4090 0 0 0 0\n" +
         m + " procs2\n" + procs(1080, 220) + m + " threads2\n" +
         "/proc/500/task/500/stat:" + stat_line(500, "python3", 'R', 1, 500, 610, 5000, 2560) +
         "/proc/500/task/510/stat:" + stat_line(510, "pt_autograd", 'R', 1, 500, 470, 5002, 2560) +
         m + " owners\n/proc/1 root\n/proc/500 alice\n/proc/501 alice\n/proc/600 bob\n" + m +
         " args\n    1 /sbin/init\n  500 python3 train.py --epochs 10\n" + m + " disk home\n" +
         "/dev/nvme0n1p1  100000 20000 80000 " + disk_pct + " /\n" + m + " disk root\n" +
         "/dev/nvme0n1p1  100000 20000 80000 " + disk_pct + " /\n" + m + " disk job:3\n" +
         "/dev/nvme1n1  1000000 950000 50000 95% /data\n" + m + " end\n";
}

TopSnapshot top_of(const TopQuery& q, const std::string& out = top_output()) {
  auto r = parse_report(out, "", k_marker, "top");
  EXPECT_TRUE(r);
  auto s = top_snapshot_from(*r, q, 0);
  EXPECT_TRUE(s) << s.error().message();
  return s ? *s : TopSnapshot{};
}

TEST(TopSnapshot, SummaryAsTopCountsIt) {
  const auto s = top_of({});
  EXPECT_EQ(s.host, "trainer-1");
  EXPECT_DOUBLE_EQ(s.uptime_s, 93784.5);
  EXPECT_DOUBLE_EQ(s.load.one, 1.5);
  EXPECT_EQ(s.cpus, 2);
  EXPECT_DOUBLE_EQ(s.cpu.busy_pct, 50);  // 100 busy ticks of 200
  ASSERT_EQ(s.cpu_busy_pct.size(), 2u);
  EXPECT_DOUBLE_EQ(s.cpu_busy_pct[0], 90);
  EXPECT_DOUBLE_EQ(s.cpu_busy_pct[1], 10);
  EXPECT_EQ(s.mem_total_kib, 16000000u);
  EXPECT_EQ(s.mem_used_kib, 4000000u);  // total - available
  EXPECT_EQ(s.mem_buff_cache_kib, 9201000u);
  EXPECT_EQ(s.swap_used_kib, 600u);
  EXPECT_EQ(s.processes, 4);  // the probe (700 and its child 701) is left out
  EXPECT_EQ(s.running, 1);
}

TEST(TopSnapshot, ProcessesByCpuAndMemoryWithTheirJob) {
  const auto s = top_of({.limit = 3});
  ASSERT_EQ(s.by_cpu.size(), 3u);
  EXPECT_EQ(s.by_cpu[0].pid, 500);
  EXPECT_DOUBLE_EQ(s.by_cpu[0].cpu_pct, 80);  // 80 ticks of one CPU's 100
  EXPECT_EQ(s.by_cpu[0].user, "alice");
  EXPECT_EQ(s.by_cpu[0].job_id, "3");
  EXPECT_EQ(s.by_cpu[0].command, "python3 train.py --epochs 10");
  EXPECT_EQ(s.by_cpu[0].rss_kib, 2560u * 4);
  EXPECT_EQ(s.by_cpu[1].pid, 501);
  EXPECT_DOUBLE_EQ(s.by_cpu[1].cpu_pct, 20);
  EXPECT_EQ(s.by_cpu[1].job_id, "3");                  // same session as the job
  EXPECT_EQ(s.by_cpu[1].command, "[pt_data_worker]");  // no ps line: the command name
  ASSERT_EQ(s.by_memory.size(), 3u);
  EXPECT_EQ(s.by_memory[0].pid, 600);
  EXPECT_EQ(s.by_memory[0].job_id, "");
  EXPECT_EQ(s.by_memory[0].command, "[my (odd) name]");
}

TEST(TopSnapshot, DisksGroupedWithAWarningAt90Percent) {
  const auto s = top_of({});
  ASSERT_EQ(s.disks.size(), 2u);
  EXPECT_EQ(s.disks[0].usage.mount, "/");
  EXPECT_EQ(s.disks[0].holds, (std::vector<std::string>{"~", "/"}));
  EXPECT_FALSE(s.disks[0].warning);
  EXPECT_EQ(s.disks[1].usage.mount, "/data");
  EXPECT_EQ(s.disks[1].holds, std::vector<std::string>{"job 3 (/data/run 1)"});
  EXPECT_TRUE(s.disks[1].warning);
  const auto warnings = cli::top_cmd::disk_warnings(s);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("/data is 95% full"), std::string::npos);
  EXPECT_TRUE(top_of({}, top_output("90%")).disks[0].warning);
  EXPECT_FALSE(top_of({}, top_output("89%")).disks[0].warning);
  const auto screen = cli::top_cmd::render(s, {});
  EXPECT_NE(screen.find("95% !"), std::string::npos);
  EXPECT_NE(screen.find("warning: /data is 95% full"), std::string::npos);
}

// top_output() with the disk of the saved host's working folder reported as well.
std::string top_output_with_workdir(const std::string& df_line) {
  auto out = top_output();
  const std::string end = std::string(k_marker) + " end\n";
  out.insert(out.rfind(end), std::string(k_marker) + " disk workdir\n" + df_line + "\n");
  return out;
}

TEST(TopSnapshot, TheWorkdirsDiskIsShownToo) {
  EXPECT_EQ(top_query_args({.workdir = "~/proj"}).back(), "~/proj");
  // On a filesystem of its own: a row of its own.
  const auto own = top_of({.workdir = "/scratch/proj"},
                          top_output_with_workdir("tmpfs  500000 100 499900 1% /scratch"));
  ASSERT_EQ(own.disks.size(), 3u);
  EXPECT_EQ(own.disks[2].usage.mount, "/scratch");
  EXPECT_EQ(own.disks[2].holds, std::vector<std::string>{"workdir (/scratch/proj)"});
  EXPECT_NE(cli::top_cmd::render(own, {}).find("workdir (/scratch/proj)"), std::string::npos);
  EXPECT_EQ(to_json(own)["disks"][2]["holds"][0], "workdir (/scratch/proj)");
  // On the home's filesystem: named with it.
  const auto shared = top_of({.workdir = "~/proj"},
                             top_output_with_workdir("/dev/nvme0n1p1  100000 20000 80000 20% /"));
  ASSERT_EQ(shared.disks.size(), 2u);
  EXPECT_EQ(shared.disks[0].holds, (std::vector<std::string>{"~", "/", "workdir (~/proj)"}));
}

// The colour code ("31" red, "32" green, "33" yellow) the first `text` on `screen` is
// painted in, "" when it is plain, "?" when it is not there.
std::string colour_of(const std::string& screen, const std::string& text) {
  const auto at = screen.find(text);
  if (at == std::string::npos) {
    return "?";
  }
  const auto esc = screen.rfind("\x1b[", at);
  if (esc == std::string::npos) {
    return "";
  }
  const auto m = screen.find('m', esc);
  const auto code = screen.substr(esc + 2, m - esc - 2);
  return code == "0" ? "" : code;
}

TEST(Colour, GpuThresholdsAsDocumented) {
  auto snap = gpu_snapshot_from(report_of(gpu_output("h100-load")), 0);
  ASSERT_TRUE(snap);
  ASSERT_FALSE(snap->processes.empty());  // a process holds the GPU
  auto& g = snap->gpus.at(0);
  g.memory_total_mib = 1000;
  auto colours = [&](double memory_used, double temperature, double utilisation) {
    g.memory_used_mib = memory_used;
    g.temperature_c = temperature;
    g.utilization_gpu_pct = utilisation;
    const auto screen = cli::gpu_cmd::render(*snap, {.color = true});
    return std::vector<std::string>{
        colour_of(screen, fmt::format("{:.0f} / 1000 MiB", memory_used)),
        colour_of(screen, fmt::format("{:.0f}\u00b0C", temperature)),
        colour_of(screen, fmt::format("{:.0f}%", utilisation))};
  };
  // memory >= 95 % red, >= 80 % yellow; temperature >= 90 red, >= 80 yellow; utilisation
  // >= 50 % green, below 10 % yellow while a process holds the GPU.
  EXPECT_EQ(colours(960, 91, 96), (std::vector<std::string>{"31", "31", "32"}));
  EXPECT_EQ(colours(950, 90, 50), (std::vector<std::string>{"31", "31", "32"}));
  EXPECT_EQ(colours(850, 85, 7), (std::vector<std::string>{"33", "33", "33"}));
  EXPECT_EQ(colours(800, 80, 9), (std::vector<std::string>{"33", "33", "33"}));
  EXPECT_EQ(colours(790, 79, 10), (std::vector<std::string>{"32", "32", ""}));
  EXPECT_EQ(colours(100, 40, 49), (std::vector<std::string>{"32", "32", ""}));
  // A GPU that nobody uses is idle, not stalled.
  snap->processes.clear();
  EXPECT_EQ(colours(100, 40, 3)[2], "");
  // No colour at all unless asked.
  EXPECT_EQ(cli::gpu_cmd::render(*snap, {}).find("\x1b["), std::string::npos);
}

TEST(Colour, TopThresholdsAsDocumented) {
  auto s = top_of({});
  auto screen_with = [&](double cpu_busy, double mem_pct, double swap_pct) {
    s.cpu.busy_pct = cpu_busy;
    s.mem_total_kib = 1000000;
    s.mem_used_kib = static_cast<std::uint64_t>(mem_pct * 10000);
    s.swap_total_kib = 1000000;
    s.swap_used_kib = static_cast<std::uint64_t>(swap_pct * 10000);
    return cli::top_cmd::render(s, {.color = true});
  };
  // The code just after a line's label: "CPU   \x1b[31m96.0%".
  auto after = [](const std::string& screen, const std::string& label) {
    const auto at = screen.find(label + "\x1b[");
    if (at == std::string::npos) {
      return std::string();
    }
    const auto esc = at + label.size();
    return screen.substr(esc + 2, screen.find('m', esc) - esc - 2);
  };
  // CPU >= 90 red, >= 70 yellow; memory >= 90 red, >= 80 yellow; swap >= 80 red, >= 50 yellow.
  auto screen = screen_with(96, 91, 81);
  EXPECT_EQ(after(screen, "CPU   "), "31") << screen;
  EXPECT_EQ(after(screen, "MEM   "), "31");
  EXPECT_EQ(after(screen, "SWAP  "), "31");
  screen = screen_with(85, 85, 60);
  EXPECT_EQ(after(screen, "CPU   "), "33");
  EXPECT_EQ(after(screen, "MEM   "), "33");
  EXPECT_EQ(after(screen, "SWAP  "), "33");
  screen = screen_with(69, 79, 49);
  EXPECT_EQ(after(screen, "CPU   "), "32");
  EXPECT_EQ(after(screen, "MEM   "), "32");
  EXPECT_EQ(after(screen, "SWAP  "), "32");
  // Disks: >= 90 % red (and marked), >= 80 % yellow, below that plain.
  auto disk = [&](const std::string& pct) {
    return colour_of(cli::top_cmd::render(top_of({}, top_output(pct)), {.color = true}), pct);
  };
  EXPECT_EQ(disk("90%"), "31");
  EXPECT_EQ(disk("85%"), "33");
  EXPECT_EQ(disk("80%"), "33");
  EXPECT_EQ(disk("79%"), "");
}

TEST(TopSnapshot, FocusOnAProcessItsChildrenAndThreads) {
  const auto s = top_of({.pid = 500});
  ASSERT_TRUE(s.focus);
  ASSERT_EQ(s.focus->processes.size(), 2u);
  EXPECT_EQ(s.focus->processes[0].pid, 500);
  EXPECT_EQ(s.focus->processes[1].pid, 501);
  ASSERT_EQ(s.focus->threads.size(), 2u);
  EXPECT_EQ(s.focus->threads[0].tid, 510);  // busiest first
  EXPECT_DOUBLE_EQ(s.focus->threads[0].cpu_pct, 70);
  EXPECT_EQ(s.focus->threads[0].name, "pt_autograd");
  const auto screen = cli::top_cmd::render(s, {});
  EXPECT_NE(screen.find("PROCESS 500 AND ITS CHILDREN"), std::string::npos);
  EXPECT_NE(screen.find("pt_autograd"), std::string::npos);
  const auto json = to_json(s);
  EXPECT_EQ(json["focus"]["pid"], 500);
  EXPECT_EQ(json["focus"]["threads"][0]["tid"], 510);
}

TEST(TopSnapshot, FocusOnAJobByIdOrName) {
  for (const char* job : {"3", "train"}) {
    const auto s = top_of({.job = job});
    ASSERT_TRUE(s.focus);
    EXPECT_EQ(s.focus->job_id, "3");
    EXPECT_EQ(s.focus->job_name, "train");
    ASSERT_EQ(s.focus->processes.size(), 2u);
    EXPECT_EQ(s.focus->threads.size(), 2u);
    EXPECT_NE(cli::top_cmd::render(s, {}).find("JOB 3 (train): 2 processes"), std::string::npos);
  }
}

TEST(TopSnapshot, MissingProcessOrJobIsNotFound) {
  auto report = parse_report(top_output(), "", k_marker, "top");
  ASSERT_TRUE(report);
  const auto no_pid = top_snapshot_from(*report, {.pid = 4242}, 0);
  ASSERT_FALSE(no_pid);
  EXPECT_EQ(no_pid.error().message(), "no process 4242 on trainer-1");
  EXPECT_EQ(no_pid.error().exit_code(), 1);
  const auto no_job = top_snapshot_from(*report, {.remote_dir = "~/.ec2dl", .job = "nope"}, 0);
  ASSERT_FALSE(no_job);
  EXPECT_EQ(no_job.error().message(), "no job 'nope' on trainer-1 (in ~/.ec2dl/jobs)");
  const auto ended = top_snapshot_from(*report, {.job = "old"}, 0);
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error().message(), "job 'old' is not running (it has ended)");
}

TEST(TopSnapshot, JsonHasTheSameFacts) {
  const auto json = to_json(top_of({}));
  EXPECT_EQ(json["memory"]["total_kib"], 16000000);
  EXPECT_EQ(json["memory"]["available_kib"], 12000000);
  EXPECT_EQ(json["swap"]["used_kib"], 600);
  EXPECT_EQ(json["cpu"]["count"], 2);
  EXPECT_EQ(json["cpu"]["busy_pct"], 50.0);
  EXPECT_EQ(json["load"]["1m"], 1.5);
  EXPECT_EQ(json["top_cpu"][0]["pid"], 500);
  EXPECT_EQ(json["top_cpu"][0]["job_id"], 3);
  EXPECT_EQ(json["top_cpu"][0]["user"], "alice");
  EXPECT_EQ(json["disks"][1]["warning"], true);
  EXPECT_TRUE(json["focus"].is_null());
}

TEST(TopRender, SummaryLines) {
  const auto screen = cli::top_cmd::render(top_of({}), {});
  EXPECT_EQ(screen.find("trainer-1  up 1d2h  load 1.50 0.75 0.25  4 processes, 1 running\n"), 0u)
      << screen;
  EXPECT_NE(screen.find("CPU   50.0% used"), std::string::npos);
  EXPECT_NE(screen.find("3.8 GiB used of 15 GiB, 11 GiB available"), std::string::npos) << screen;
  EXPECT_NE(screen.find("BUSIEST (CPU)"), std::string::npos);
  EXPECT_NE(screen.find("LARGEST (MEMORY)"), std::string::npos);
  EXPECT_EQ(screen.find("\x1b["), std::string::npos);
}

}  // namespace
}  // namespace ec2dl::monitor
