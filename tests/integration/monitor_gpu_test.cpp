// ec2dl gpu against a real sshd and the stand-in nvidia-smi: recorded numbers, unknown
// values, the job join in live mode, and servers without GPUs.
#include <gtest/gtest.h>

#include <string>

#include "monitor_support.hpp"
#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

// The cells of a recorded CSV row, by column name (units stripped from the names): read
// here independently of ec2dl's parser.
std::map<std::string, std::string> recorded_row(const std::string& state, std::size_t row) {
  const auto text = gpu_state_file(state, "gpus.csv");
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
  const auto values = cells(lines.at(row + 1));
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < header.size() && i < values.size(); ++i) {
    auto name = header[i];
    if (const auto b = name.find(" ["); b != std::string::npos) {
      name = name.substr(0, b);
    }
    out[name] = values[i];
  }
  return out;
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
  for (const std::string state : {"4x-h100", "l40s-load", "rtx2080s-610-idle"}) {
    SCOPED_TRACE(state);
    sb.set_gpu_state(state, /*live=*/false);
    const auto r = sb.ec2dl({"gpu", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = parse_json(r.out);
    ASSERT_TRUE(j["gpus"].is_array());
    for (std::size_t i = 0; i < j["gpus"].size(); ++i) {
      const auto rec = recorded_row(state, i);
      const auto& g = j["gpus"][i];
      EXPECT_EQ(g["index"], recorded_number(rec.at("index")));
      EXPECT_EQ(g["uuid"], rec.at("uuid"));
      EXPECT_EQ(g["name"], rec.at("name"));
      EXPECT_EQ(g["utilization_gpu_pct"], recorded_number(rec.at("utilization.gpu")));
      EXPECT_EQ(g["memory_used_mib"], recorded_number(rec.at("memory.used")));
      EXPECT_EQ(g["memory_total_mib"], recorded_number(rec.at("memory.total")));
      EXPECT_EQ(g["temperature_c"], recorded_number(rec.at("temperature.gpu")));
      EXPECT_EQ(g["power_draw_w"], recorded_number(rec.at("power.draw")));
      EXPECT_EQ(g["power_limit_w"], recorded_number(rec.at("power.limit")));
      EXPECT_EQ(g["fan_speed_pct"], recorded_number(rec.at("fan.speed")));
    }
    const auto apps = gpu_state_file(state, "apps.csv");
    EXPECT_EQ(j["processes"].size(),
              static_cast<std::size_t>(std::count(apps.begin(), apps.end(), '\n') - 1));
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
