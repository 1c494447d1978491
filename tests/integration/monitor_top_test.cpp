// ec2dl top against a real sshd on this machine: its numbers against /proc read directly,
// busy and large processes, --pid, --job, and bad arguments.
#include <gtest/gtest.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "monitor_support.hpp"
#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

std::uint64_t meminfo_kib(const std::string& key) {
  const auto text = read_text("/proc/meminfo");
  const auto pos = text.find(key + ":");
  return pos == std::string::npos ? 0 : std::stoull(text.substr(pos + key.size() + 1));
}

// A process of the test user, started in the background on the server; killed at the end.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& script) {
    const auto r = sandbox().as_user(
        "f=$(mktemp); setsid -f /bin/sh -c 'echo $$ > \"$0\"; eval \"$1\"' \"$f\" " +
        remote::shell_quote(script) +
        " </dev/null >/dev/null 2>&1; i=0; while [ ! -s \"$f\" ] && [ $i -lt 100 ]; do "
        "sleep 0.05; i=$((i+1)); done; cat \"$f\"; rm -f \"$f\"");
    m_pid = r.out.substr(0, r.out.find('\n'));
    EXPECT_FALSE(m_pid.empty()) << r.err;
  }
  ~ServerProcess() {
    sandbox().as_user("kill -- -" + m_pid + " 2>/dev/null; kill " + m_pid + " 2>/dev/null");
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  const std::string& pid() const { return m_pid; }
  long long id() const { return std::stoll(m_pid); }

 private:
  std::string m_pid;
};

json find_pid(const json& list, long long pid) {
  for (const auto& p : list) {
    if (p["pid"] == pid) {
      return p;
    }
  }
  return nullptr;
}

// Local readings taken just before and just after `ec2dl top`: with other tests running at
// the same time, what top saw lies between them (give or take `slack`).
struct Bracket {
  double low = 0;
  double high = 0;
  bool holds(double v, double slack) const { return v >= low - slack && v <= high + slack; }
};

Bracket bracket(double before, double after) {
  return {std::min(before, after), std::max(before, after)};
}

double process_count() {
  return std::stod(run_process({"/bin/sh", "-c", "ls -d /proc/[0-9]* | wc -l"}).out);
}

// The home's filesystem as df sees it from the test user, in KiB.
struct HomeDisk {
  std::uint64_t size_kib = 0;
  std::uint64_t used_kib = 0;
};
HomeDisk home_disk() {
  std::istringstream in(sandbox().as_user("df -P -k ~ | sed 1d").out);
  std::string fs;
  HomeDisk d;
  in >> fs >> d.size_kib >> d.used_kib;
  return d;
}

TEST(Top, JsonAgreesWithProcOnTheSameMachine) {
  auto& sb = sandbox();
  const double avail_before = static_cast<double>(meminfo_kib("MemAvailable"));
  const double procs_before = process_count();
  const auto disk_before = home_disk();
  const auto r = sb.ec2dl({"top", "--json"});
  const double avail_after = static_cast<double>(meminfo_kib("MemAvailable"));
  const double procs_after = process_count();
  const auto disk_after = home_disk();
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  struct sysinfo si {};
  ASSERT_EQ(::sysinfo(&si), 0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(j["host"], host);
  EXPECT_EQ(j["memory"]["total_kib"], meminfo_kib("MemTotal"));
  EXPECT_EQ(j["swap"]["total_kib"], meminfo_kib("SwapTotal"));
  // Sampling noise: other work runs on this machine meanwhile.
  const double available = j["memory"]["available_kib"];
  EXPECT_TRUE(bracket(avail_before, avail_after)
                  .holds(available, 0.05 * static_cast<double>(meminfo_kib("MemTotal"))))
      << available << " not near " << avail_before << ".." << avail_after;
  EXPECT_EQ(j["memory"]["used_kib"].get<std::uint64_t>() +
                j["memory"]["available_kib"].get<std::uint64_t>(),
            meminfo_kib("MemTotal"));
  EXPECT_EQ(j["cpu"]["count"], ::get_nprocs());
  EXPECT_EQ(j["cpu"]["per_cpu_busy_pct"].size(), static_cast<std::size_t>(::get_nprocs()));
  const double busy = j["cpu"]["busy_pct"];
  EXPECT_GE(busy, 0);
  EXPECT_LE(busy, 100);
  EXPECT_NEAR(j["uptime_s"].get<double>(), static_cast<double>(si.uptime), 5);
  const double load1 = j["load"]["1m"];
  const double local_load1 = static_cast<double>(si.loads[0]) / 65536.0;
  EXPECT_NEAR(load1, local_load1, std::max(1.5, 0.5 * local_load1));
  const double total = j["processes"]["total"].get<double>();
  EXPECT_TRUE(bracket(procs_before, procs_after).holds(total, 60))
      << total << " not near " << procs_before << ".." << procs_after;

  // The filesystem of the home, as df sees it from the same user.
  const auto used =
      bracket(static_cast<double>(disk_before.used_kib), static_cast<double>(disk_after.used_kib));
  bool home_found = false;
  for (const auto& d : j["disks"]) {
    for (const auto& h : d["holds"]) {
      if (h == "~") {
        home_found = true;
        EXPECT_EQ(d["size_kib"], disk_after.size_kib);
        const double top_used = d["used_kib"].get<double>();
        EXPECT_TRUE(used.holds(top_used, 0.01 * static_cast<double>(disk_after.size_kib)))
            << top_used << " not near " << used.low << ".." << used.high;
      }
    }
  }
  EXPECT_TRUE(home_found) << r.out;
}

// A tmpfs of 4 MiB at ~/scratch of the test user, unmounted at the end; `mounted` is false
// where this machine does not allow it (not root).
class ScratchMount {
 public:
  ScratchMount() : m_dir(sandbox().home() + "/scratch") {
    mounted = run_process({"/bin/sh", "-c",
                           "mkdir -p " + remote::shell_quote(m_dir) +
                               " && mount -t tmpfs -o size=4m tmpfs " + remote::shell_quote(m_dir) +
                               " 2>/dev/null"})
                  .status == 0;
  }
  ~ScratchMount() {
    run_process({"/bin/sh", "-c",
                 "umount -l " + remote::shell_quote(m_dir) + " 2>/dev/null; rmdir " +
                     remote::shell_quote(m_dir)});
  }
  ScratchMount(const ScratchMount&) = delete;
  ScratchMount& operator=(const ScratchMount&) = delete;
  bool mounted = false;

 private:
  std::string m_dir;
};

TEST(Top, TheSavedHostsWorkdirDiskIsShown) {
  auto& sb = sandbox();
  const ScratchMount scratch;
  const TempDir config;
  RunOptions env;
  env.env = {{"EC2DL_CONFIG", config.path() + "/config.toml"}, {"EC2DL_HOST", ""}};
  // A saved host whose working folder does not exist yet: its disk is the one it will be on.
  const auto add =
      sb.ec2dl({"hosts", "add", "wd", sb.user() + "@127.0.0.1:" + std::to_string(sb.port()), "-i",
                sb.key(), "--workdir", "~/scratch/proj"},
               env);
  ASSERT_EQ(add.status, 0) << add.err;
  const auto r = sb.ec2dl({"-H", "wd", "top", "--json"}, env);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  json row = nullptr;
  for (const auto& d : j["disks"]) {
    for (const auto& h : d["holds"]) {
      if (h == "workdir (~/scratch/proj)") {
        row = d;
      }
    }
  }
  ASSERT_FALSE(row.is_null()) << r.out;
  if (scratch.mounted) {
    // Its own filesystem: a row of its own, with the tmpfs's size.
    EXPECT_EQ(row["mount"], sb.home() + "/scratch");
    EXPECT_EQ(row["size_kib"], 4096);
    EXPECT_EQ(row["holds"].size(), 1u) << row;
  } else {
    // Where no tmpfs can be mounted: the row of the filesystem df names for the folder.
    const auto mount = sb.as_user("df -P -k ~ | awk 'NR == 2 { print $6 }'").out;
    EXPECT_EQ(row["mount"].get<std::string>() + "\n", mount);
  }
  const auto table = sb.ec2dl({"-H", "wd", "top"}, env);
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("workdir (~/scratch/proj)"), std::string::npos) << table.out;
  // Without a saved host there is no workdir to show.
  const auto plain = sb.ec2dl({"top", "--json"});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(plain.out.find("workdir ("), std::string::npos);
}

TEST(Top, BusyAndLargeProcessesAreListedWithTheirOwner) {
  auto& sb = sandbox();
  const ServerProcess spin("while :; do :; done");
  const ServerProcess big(
      "exec python3 -c 'import time; b = bytearray(300 << 20); b[::4096] = b\"x\" * "
      "len(b[::4096]); "
      "time.sleep(120)'");
  // Resident: the pages are touched; and the busy loop has run a while.
  wait_on_server("awk '/^VmRSS/ { exit !($2 > 300 * 1024) }' /proc/" + big.pid() + "/status");
  sb.as_user("sleep 1");
  const auto r = sb.ec2dl({"top", "--json", "-n", "1000"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  const auto s = find_pid(j["top_cpu"], spin.id());
  ASSERT_FALSE(s.is_null()) << r.out;
  EXPECT_EQ(s["user"], sb.user());
  EXPECT_GT(s["cpu_pct"].get<double>(), 5.0);  // a busy loop; the machine is shared
  EXPECT_LE(s["cpu_pct"].get<double>(), 101.0);
  EXPECT_TRUE(s["job_id"].is_null());

  const auto m = find_pid(j["top_memory"], big.id());
  ASSERT_FALSE(m.is_null()) << r.out;
  const auto status = read_text("/proc/" + big.pid() + "/status");
  const auto rss_at = status.find("VmRSS:");
  ASSERT_NE(rss_at, std::string::npos);
  const double rss = std::stod(status.substr(rss_at + 6));
  EXPECT_NEAR(m["rss_kib"].get<double>(), rss, 0.05 * rss);
  EXPECT_GT(rss, 300 * 1024);
  EXPECT_NE(m["command"].get<std::string>().find("python3 -c import time"), std::string::npos);

  // The busiest list is sorted; the table names the same process.
  double last = 1e9;
  for (const auto& p : j["top_cpu"]) {
    EXPECT_LE(p["cpu_pct"].get<double>(), last);
    last = p["cpu_pct"];
  }
  const auto table = sb.ec2dl({"top", "-n", "1000"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("BUSIEST (CPU)"), std::string::npos);
  EXPECT_NE(table.out.find(spin.pid() + "  " + sb.user()), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("MEM   ["), std::string::npos);
}

TEST(Top, PidShowsItsThreadsAndChildren) {
  auto& sb = sandbox();
  const ServerProcess parent(
      "python3 -c 'import threading, time; [threading.Thread(target=time.sleep, "
      "args=(120,)).start() "
      "for _ in range(3)]; time.sleep(120)' & sleep 120 & wait");
  wait_on_server("p=$(pgrep -P " + parent.pid() + " -x python3) && " + has_threads("$p", 4) +
                 " && pgrep -P " + parent.pid() + " -x sleep >/dev/null");
  const auto r = sb.ec2dl({"top", "--json", "--pid", parent.pid()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_FALSE(j["focus"].is_null());
  EXPECT_EQ(j["focus"]["pid"], parent.id());
  const auto& procs = j["focus"]["processes"];
  ASSERT_EQ(procs.size(), 3u) << r.out;  // the shell, python3, sleep
  EXPECT_EQ(procs[0]["pid"], parent.id());
  int python_threads = 0;
  for (const auto& p : procs) {
    if (p["command"].get<std::string>().rfind("python3", 0) == 0) {
      python_threads = p["threads"];
      EXPECT_EQ(p["ppid"], parent.id());
    }
  }
  EXPECT_EQ(python_threads, 4);
  ASSERT_EQ(j["focus"]["threads"].size(), 1u);  // the shell itself has one thread
  EXPECT_EQ(j["focus"]["threads"][0]["tid"], parent.id());

  const auto table = sb.ec2dl({"top", "--pid", parent.pid()});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("PROCESS " + parent.pid() + " AND ITS CHILDREN"), std::string::npos);
  EXPECT_NE(table.out.find("THREADS"), std::string::npos);
}

TEST(Top, JobByIdOrNameWithItsThreads) {
  auto& sb = sandbox();
  const std::string name = "it's a \"job\" $(touch pwned)";
  const auto job = run_job({"--name", name, "--", "python3", "-c",
                            "import threading, time; [threading.Thread(target=time.sleep, "
                            "args=(120,)).start() for _ in range(2)]; time.sleep(120)"});
  wait_on_server(has_threads(std::to_string(job.pid), 3));
  const auto id = std::to_string(job.id);
  const auto by_name = sb.ec2dl({"top", "--json", "--job", name});
  const auto by_id = sb.ec2dl({"top", "--job", id});
  const auto busiest = sb.ec2dl({"top", "--json", "-n", "1000"});
  stop_job(job);
  ASSERT_EQ(by_name.status, 0) << by_name.err;
  const auto j = parse_json(by_name.out);
  EXPECT_EQ(j["focus"]["job_id"], job.id);
  EXPECT_EQ(j["focus"]["job_name"], name);
  ASSERT_EQ(j["focus"]["processes"].size(), 1u) << by_name.out;
  EXPECT_EQ(j["focus"]["processes"][0]["pid"], job.pid);
  EXPECT_EQ(j["focus"]["processes"][0]["job_id"], job.id);
  EXPECT_EQ(j["focus"]["threads"].size(), 3u);
  EXPECT_EQ(sb.as_user("ls pwned ~/.ec2dl/jobs/*/pwned 2>/dev/null").out, "");

  ASSERT_EQ(by_id.status, 0) << by_id.err;
  EXPECT_NE(by_id.out.find("JOB " + id + " (it's a \"job\" $(touch pwned)): 1 process"),
            std::string::npos)
      << by_id.out;
  // In the general lists the job's process carries its job id.
  const auto all = parse_json(busiest.out);
  const auto p = find_pid(all["top_memory"], job.pid);
  ASSERT_FALSE(p.is_null());
  EXPECT_EQ(p["job_id"], job.id);
}

TEST(Top, MissingProcessOrJobExitsOne) {
  auto& sb = sandbox();
  const auto no_pid = sb.ec2dl({"top", "--pid", "999999999"});
  EXPECT_EQ(no_pid.status, 1);
  EXPECT_NE(no_pid.err.find("ec2dl: error: no process 999999999 on "), std::string::npos)
      << no_pid.err;
  const auto no_job = sb.ec2dl({"top", "--job", "no such job"});
  EXPECT_EQ(no_job.status, 1);
  EXPECT_NE(no_job.err.find("ec2dl: error: no job 'no such job' on "), std::string::npos)
      << no_job.err;
  sb.as_user(
      "mkdir -p ~/.ec2dl/jobs/78 && echo finished > ~/.ec2dl/jobs/78/name && echo 0 > "
      "~/.ec2dl/jobs/78/exit && echo 1 > ~/.ec2dl/jobs/78/pid");
  const auto ended = sb.ec2dl({"top", "--job", "finished"});
  EXPECT_EQ(ended.status, 1);
  EXPECT_NE(ended.err.find("job 'finished' is not running"), std::string::npos) << ended.err;
}

TEST(Top, RemoteDirWithSpacesHoldsTheRegistry) {
  auto& sb = sandbox();
  const std::string base = "~/my reg $(x)";
  const auto job =
      run_job({"--name", "elsewhere", "--", "python3", "-c", "import time; time.sleep(60)"},
              {"--remote-dir", base});
  const auto r = sb.ec2dl({"--remote-dir", base, "top", "--json", "--job", "elsewhere"});
  const auto other = sb.ec2dl({"top", "--job", "elsewhere"});
  stop_job(job);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(parse_json(r.out)["focus"]["job_id"], job.id);
  EXPECT_EQ(other.status, 1);  // not in the default registry
  sb.as_user("rm -rf ~/'my reg $(x)'");
}

TEST(Top, BadArgumentsAreUsageErrorsBeforeConnecting) {
  auto& sb = sandbox();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-H", "nowhere.invalid", "top", "--pid", "1", "--job", "x"},
           {"-H", "nowhere.invalid", "top", "--pid", "-4"},
           {"-H", "nowhere.invalid", "top", "--pid", "abc"},
           {"-H", "nowhere.invalid", "top", "--pid", "0"},
           {"-H", "nowhere.invalid", "top", "-n", "0"},
           {"-H", "nowhere.invalid", "top", "--watch", "x"},
           {"-H", "nowhere.invalid", "top", "--interactive"},
           {"-H", "nowhere.invalid", "top", "--interactive", "--json"},
           {"-H", "nowhere.invalid", "top", "--job", "a\nb"}}) {
    const auto r = sb.ec2dl(args);
    EXPECT_EQ(r.status, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(r.err.find("nowhere.invalid"), std::string::npos) << r.err;
  }
}

TEST(Top, InteractiveRunsTheServersTop) {
  const auto r = run_in_pty({"top", "--interactive"}, "q", {"load average", 1});
  EXPECT_EQ(r.status, "0\n") << r.screen.substr(0, 2000);
  EXPECT_NE(r.screen.find("load average"), std::string::npos);
  EXPECT_EQ(r.before, r.after);
}

}  // namespace
}  // namespace ec2dl::test
