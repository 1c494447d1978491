// ec2dl gpu against a real sshd and the stand-in nvidia-smi: recorded numbers, unknown
// values, the job join in live mode, and servers without GPUs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "monitor_support.hpp"
#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

// The rows of a recorded CSV file, each by column name (units stripped from the names):
// read here independently of ec2dl's parser.
std::vector<std::map<std::string, std::string>> recorded_rows(const std::string& state,
                                                              const std::string& file) {
  const auto text = gpu_state_file(state, file);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t p = 0;
    while (true) {
      const auto comma = line.find(", ", p);
      out.push_back(line.substr(p, comma - p));
      if (comma == std::string::npos) {
        return out;
      }
      p = comma + 2;
    }
  };
  const auto header = cells(lines.at(0));
  std::vector<std::map<std::string, std::string>> rows;
  for (std::size_t r = 1; r < lines.size(); ++r) {
    if (lines[r].empty()) {
      continue;
    }
    const auto values = cells(lines[r]);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < values.size(); ++i) {
      auto name = header[i];
      if (const auto b = name.find(" ["); b != std::string::npos) {
        name = name.substr(0, b);
      }
      row[name] = values[i];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Every recorded state with GPUs (those that record a failure have no gpus.csv).
std::vector<std::string> recorded_states_with_gpus() {
  std::vector<std::string> states;
  for (const auto& entry : std::filesystem::directory_iterator(fake_gpu_dir() + "/states")) {
    if (std::filesystem::exists(entry.path() / "gpus.csv")) {
      states.push_back(entry.path().filename().string());
    }
  }
  std::sort(states.begin(), states.end());
  return states;
}

// "631.95 W" -> 631.95; "[N/A]" -> null.
json recorded_number(const std::string& cell) {
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (end == cell.c_str()) {
    return nullptr;
  }
  return v;
}

class Gpu : public ::testing::Test {
 protected:
  void TearDown() override { sandbox().set_gpu_state("4x-h100"); }
};

TEST_F(Gpu, JsonEqualsTheRecordedNumbers) {
  auto& sb = sandbox();
  const auto states = recorded_states_with_gpus();
  // h100-idle, h100-load, h200-mig-load, l40s-load, rtx2080s-610-idle, 4x-h100, ...
  ASSERT_GE(states.size(), 6u);
  for (const auto& state : states) {
    SCOPED_TRACE(state);
    sb.set_gpu_state(state, /*live=*/false);
    const auto r = sb.ec2dl({"gpu", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = parse_json(r.out);
    const auto gpus = recorded_rows(state, "gpus.csv");
    ASSERT_TRUE(j["gpus"].is_array());
    ASSERT_EQ(j["gpus"].size(), gpus.size());
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      const auto& rec = gpus[i];
      const auto& g = j["gpus"][i];
      EXPECT_EQ(g["index"], recorded_number(rec.at("index")));
      EXPECT_EQ(g["uuid"], rec.at("uuid"));
      EXPECT_EQ(g["name"], rec.at("name"));
      EXPECT_EQ(g["utilization_gpu_pct"], recorded_number(rec.at("utilization.gpu")));
      EXPECT_EQ(g["utilization_memory_pct"], recorded_number(rec.at("utilization.memory")));
      EXPECT_EQ(g["memory_used_mib"], recorded_number(rec.at("memory.used")));
      EXPECT_EQ(g["memory_total_mib"], recorded_number(rec.at("memory.total")));
      EXPECT_EQ(g["temperature_c"], recorded_number(rec.at("temperature.gpu")));
      EXPECT_EQ(g["power_draw_w"], recorded_number(rec.at("power.draw")));
      EXPECT_EQ(g["power_limit_w"], recorded_number(rec.at("power.limit")));
      EXPECT_EQ(g["fan_speed_pct"], recorded_number(rec.at("fan.speed")));
      EXPECT_EQ(g["pstate"], rec.at("pstate"));
      EXPECT_EQ(g["pci_bus_id"], rec.at("pci.bus_id"));
      EXPECT_EQ(g["driver_version"], rec.at("driver_version"));
    }
    const auto apps = recorded_rows(state, "apps.csv");
    ASSERT_EQ(j["processes"].size(), apps.size());
    for (std::size_t i = 0; i < apps.size(); ++i) {
      const auto& rec = apps[i];
      json p = nullptr;
      for (const auto& candidate : j["processes"]) {
        if (candidate["pid"] == recorded_number(rec.at("pid"))) {
          p = candidate;
        }
      }
      ASSERT_FALSE(p.is_null()) << "pid " << rec.at("pid") << " not in " << j["processes"];
      EXPECT_EQ(p["gpu_uuid"], rec.at("gpu_uuid"));
      EXPECT_EQ(p["process_name"], rec.at("process_name"));
      EXPECT_EQ(p["used_memory_mib"], recorded_number(rec.at("used_gpu_memory")));
      // The GPU it runs on, found by UUID among the recorded GPUs.
      json index = nullptr;
      for (const auto& g : gpus) {
        if (g.at("uuid") == rec.at("gpu_uuid")) {
          index = recorded_number(g.at("index"));
        }
      }
      EXPECT_EQ(p["gpu_index"], index);
    }
  }
}

TEST_F(Gpu, UnknownValuesAreNullAndShownAsADash) {
  auto& sb = sandbox();
  sb.set_gpu_state("h200-mig-load", false);
  const auto r = sb.ec2dl({"gpu", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_EQ(j["gpus"].size(), 1u);
  EXPECT_TRUE(j["gpus"][0]["utilization_gpu_pct"].is_null());  // [N/A] under MIG
  EXPECT_TRUE(j["gpus"][0]["fan_speed_pct"].is_null());
  EXPECT_EQ(j["gpus"][0]["memory_used_mib"], 16959);
  ASSERT_EQ(j["processes"].size(), 3u);
  EXPECT_EQ(j["processes"][0]["gpu_index"], 0);

  const auto table = sb.ec2dl({"gpu"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("NVIDIA H200     \u2013"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("/root/tools/memhog"), std::string::npos);
}

TEST_F(Gpu, LiveJobShowsUnderItsGpuWithItsJobId) {
  auto& sb = sandbox();
  sb.set_gpu_state("4x-h100", true);
  const auto job =
      run_job({"--gpu", "1", "--name", "llm, run 1", "--env", "FAKE_GPU_MEM_MIB=3000", "--workdir",
               "~", "--", "python3", "-c", "import time; time.sleep(120)"});
  // The stand-in nvidia-smi lists python processes: wait for the job's exec.
  ASSERT_TRUE(wait_on_server("grep -qx python3 /proc/" + std::to_string(job.pid) + "/comm"));
  const auto r = sb.ec2dl({"gpu", "--json"});
  stop_job(job);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  json found = nullptr;
  for (const auto& p : j["processes"]) {
    if (p["pid"] == job.pid) {
      found = p;
    }
  }
  ASSERT_FALSE(found.is_null()) << r.out;
  EXPECT_EQ(found["gpu_index"], 1);
  EXPECT_EQ(found["gpu_uuid"], "GPU-4f1c2a7e-0000-4000-8000-000000000001");
  EXPECT_EQ(found["job_id"], job.id);
  EXPECT_EQ(found["job_name"], "llm, run 1");
  EXPECT_EQ(found["user"], sb.user());
  EXPECT_EQ(found["used_memory_mib"], 3000);
  EXPECT_EQ(j["gpus"][1]["utilization_gpu_pct"], 100);
  // The recorded processes of GPU 2 belong to no job.
  for (const auto& p : j["processes"]) {
    if (p["gpu_index"] == 2) {
      EXPECT_TRUE(p["job_id"].is_null());
    }
  }
}

TEST_F(Gpu, TableShowsTheJobAndUserUnderTheGpus) {
  auto& sb = sandbox();
  sb.set_gpu_state("4x-h100", true);
  const auto job = run_job({"--gpu", "3", "--", "python3", "-c", "import time; time.sleep(120)"});
  ASSERT_TRUE(wait_on_server("grep -qx python3 /proc/" + std::to_string(job.pid) + "/comm"));
  const auto r = sb.ec2dl({"gpu"});
  stop_job(job);
  ASSERT_EQ(r.status, 0) << r.err;
  // "  3  PID  USER  ID  1024 MiB  python3"
  const auto pid = std::to_string(job.pid);
  const auto line_at = r.out.find(" " + pid + "  ");
  ASSERT_NE(line_at, std::string::npos) << r.out;
  const auto start = r.out.rfind('\n', line_at) + 1;
  const auto line = r.out.substr(start, r.out.find('\n', line_at) - start);
  EXPECT_EQ(line.find("  3  "), 0u) << line;
  EXPECT_NE(line.find(sb.user()), std::string::npos) << line;
  EXPECT_NE(line.find(" " + std::to_string(job.id) + " "), std::string::npos) << line;
  EXPECT_NE(line.find("1024 MiB  python3"), std::string::npos) << line;
  EXPECT_LT(r.out.find("POWER"), line_at);
}

TEST_F(Gpu, ProcessNamesWithCommasAndOddBytesSurvive) {
  auto& sb = sandbox();
  sb.set_gpu_state("h100-idle", true);
  // argv[0] is what the stand-in (and nvidia-smi) report as the process name.
  const std::string name = "python3 a, b $(touch pwned) \xff";
  const auto job =
      run_job({"--gpu", "0", "--", "python3", "-c",
               "import os; os.execv('/usr/bin/python3', ['python3 a, b $(touch pwned) \\xff'"
               ".encode('latin-1').decode('utf-8', 'surrogateescape'), '-c', "
               "'import time; time.sleep(120)'])"});
  wait_on_server("tr '\\0' ' ' < /proc/" + std::to_string(job.pid) + "/cmdline | grep -q 'a, b'");
  const auto r = sb.ec2dl({"gpu", "--json"});
  const auto table = sb.ec2dl({"gpu"});
  stop_job(job);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_EQ(j["processes"].size(), 1u) << r.out;
  EXPECT_EQ(j["processes"][0]["pid"], job.pid);
  EXPECT_EQ(j["processes"][0]["job_id"], job.id);
  const std::string got = j["processes"][0]["process_name"];
  EXPECT_EQ(got.substr(0, 28), name.substr(0, 28));
  EXPECT_EQ(sb.as_user("ls pwned 2>/dev/null").out, "");
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.out.find("python3 a, b $(touch pwned) ?"), std::string::npos) << table.out;
}

TEST_F(Gpu, NoDriverGivesNvidiaSmisMessage) {
  auto& sb = sandbox();
  sb.set_gpu_state("no-driver");
  for (const auto& args : {std::vector<std::string>{"gpu"}, {"gpu", "--json"}}) {
    const auto r = sb.ec2dl(args);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("ec2dl: error: nvidia-smi failed (status 9): NVIDIA-SMI has failed "
                         "because it couldn't communicate with the NVIDIA driver"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(Gpu, NoDevicesGivesNvidiaSmisMessage) {
  auto& sb = sandbox();
  sb.set_gpu_state("no-devices");
  const auto r = sb.ec2dl({"gpu"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("ec2dl: error: nvidia-smi failed (status 6): No devices were found"),
            std::string::npos)
      << r.err;
}

TEST_F(Gpu, NoNvidiaSmiOnTheServer) {
  // The server's PATH (set by sshd) no longer holds nvidia-smi.
  auto& sb = sandbox();
  const auto smi = sb.var("SANDBOX_FAKE_GPU") + "/nvidia-smi";
  ASSERT_EQ(run_process({"mv", smi, smi + ".away"}).status, 0);
  const auto r = sb.ec2dl({"gpu"});
  const auto raw = sb.ec2dl({"gpu", "--raw"});
  const auto json = sb.ec2dl({"gpu", "--json"});
  ASSERT_EQ(run_process({"mv", smi + ".away", smi}).status, 0);
  for (const auto* x : {&r, &raw, &json}) {
    EXPECT_EQ(x->status, 1);
    EXPECT_EQ(x->out, "");
    EXPECT_NE(
        x->err.find("ec2dl: error: no NVIDIA driver tools on this server (nvidia-smi not found)"),
        std::string::npos)
        << x->err;
  }
}

TEST_F(Gpu, RawPassesNvidiaSmiThrough) {
  auto& sb = sandbox();
  sb.set_gpu_state("h100-load", false);
  const auto r = sb.ec2dl({"gpu", "--raw"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, gpu_state_file("h100-load", "table.txt"));
}

TEST_F(Gpu, BadArgumentsAreUsageErrorsBeforeConnecting) {
  auto& sb = sandbox();
  // An unreachable host: a usage error must come first.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"-H", "nowhere.invalid", "gpu", "--watch", "abc"},
                                             {"-H", "nowhere.invalid", "gpu", "--watch", "0"},
                                             {"-H", "nowhere.invalid", "gpu", "--watch", "-1"},
                                             {"-H", "nowhere.invalid", "gpu", "--raw", "--json"}}) {
    const auto r = sb.ec2dl(args);
    EXPECT_EQ(r.status, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("ec2dl: error: gpu: "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace ec2dl::test
