// ec2dl run --gpu / gpu-run against a real sshd and the stand-in nvidia-smi (4x-h100: GPU 2
// busy; live: python jobs with CUDA_VISIBLE_DEVICES show up as compute processes).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

RunOptions registry(const std::string& name) {
  RunOptions o;
  o.env["EC2DL_REMOTE_DIR"] = "~/gpu-reg-" + name;
  return o;
}

std::string log_of(const std::string& reg, const std::string& id) {
  return sandbox().as_user("cat ~/gpu-reg-" + reg + "/jobs/" + id + "/output.log").out;
}

TEST(JobsGpu, TheJobSeesCudaVisibleDevicesEqualToGpu) {
  auto& sb = sandbox();
  const std::vector<std::string> show = {"--", "sh", "-c",
                                         "echo \"$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER\""};
  struct Case {
    std::vector<std::string> head;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"run", "--wait", "--gpu", "1"}, "1 PCI_BUS_ID\n"},
      {{"run", "--wait", "--gpu", "0,3"}, "0,3 PCI_BUS_ID\n"},
      {{"gpu-run", "--wait", "3"}, "3 PCI_BUS_ID\n"},
      {{"run", "--wait", "--gpu", "GPU-4f1c2a7e-0000-4000-8000-000000000001"},
       "GPU-4f1c2a7e-0000-4000-8000-000000000001 PCI_BUS_ID\n"},
  };
  int id = 0;
  for (const auto& c : cases) {
    auto args = c.head;
    args.insert(args.end(), show.begin(), show.end());
    const auto r = sb.ec2dl(args, registry("env"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(log_of("env", std::to_string(++id)), c.expected);
  }
  // Without --gpu nothing is set.
  auto args = std::vector<std::string>{"run", "--wait"};
  args.insert(args.end(), show.begin(), show.end());
  ASSERT_EQ(sb.ec2dl(args, registry("env")).status, 0);
  EXPECT_EQ(log_of("env", std::to_string(++id)), " \n");
  // JSON names the GPUs by index.
  const auto j = sb.ec2dl({"--json", "run", "--gpu", "GPU-4f1c2a7e-0000-4000-8000-000000000003",
                           "--wait", "--", "true"},
                          registry("env"));
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(json::parse(j.out.substr(0, j.out.find('\n')))["gpus"], json::array({3}));
}

TEST(JobsGpu, AutoNeverPicksABusyGpuNorOneHeldByARunningJob) {
  auto& sb = sandbox();
  sb.as_user("rm -f gpu-gate");
  const std::vector<std::string> hold = {
      "--", "python3", "-c",
      "import os, time\nwhile not os.path.exists(os.path.expanduser('~/gpu-gate')): "
      "time.sleep(0.1)"};
  std::set<int> picked;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto args = std::vector<std::string>{"--json", "run", "--gpu", "auto"};
    args.insert(args.end(), hold.begin(), hold.end());
    const auto r = sb.ec2dl(args, registry("auto"));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = json::parse(r.out);
    ASSERT_EQ(doc["gpus"].size(), 1u);
    picked.insert(doc["gpus"][0].get<int>());
    ids.push_back(std::to_string(doc["id"].get<int>()));
  }
  EXPECT_EQ(picked, (std::set<int>{0, 1, 3}));
  // Every GPU is now held: refused, saying by what, and nothing registered.
  auto args = std::vector<std::string>{"run", "--gpu", "auto"};
  args.insert(args.end(), hold.begin(), hold.end());
  const auto full = sb.ec2dl(args, registry("auto"));
  EXPECT_EQ(full.status, 1);
  EXPECT_NE(full.err.find("no free GPU"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("GPU 2: 3 compute processes"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("GPU 0: ec2dl job"), std::string::npos) << full.err;
  EXPECT_EQ(sb.as_user("ls ~/gpu-reg-auto/jobs | wc -l").out, "3\n");
  sb.as_user("touch gpu-gate");
  std::vector<std::string> wait = {"wait"};
  wait.insert(wait.end(), ids.begin(), ids.end());
  EXPECT_EQ(sb.ec2dl(wait, registry("auto")).status, 0);

  // Launched at the same time, they still get different GPUs (a lock on the server).
  sb.as_user("rm -f gpu-gate");
  std::vector<std::unique_ptr<BackgroundProcess>> clients;
  for (int i = 0; i < 3; ++i) {
    auto argv = std::vector<std::string>{EC2DL_BINARY, "--json", "run", "--gpu", "auto"};
    argv.insert(argv.end(), hold.begin(), hold.end());
    clients.push_back(
        std::make_unique<BackgroundProcess>(argv, sb.ec2dl_env(registry("auto-concurrent"))));
  }
  picked.clear();
  for (auto& c : clients) {
    ASSERT_EQ(c->wait(120), 0) << c->err();
    picked.insert(json::parse(c->out())["gpus"][0].get<int>());
  }
  EXPECT_EQ(picked, (std::set<int>{0, 1, 3}));
  sb.as_user("touch gpu-gate");
  EXPECT_EQ(sb.ec2dl({"wait", "1", "2", "3"}, registry("auto-concurrent")).status, 0);
}

TEST(JobsGpu, AutoNTakesTheGpusWithTheMostFreeMemory) {
  auto& sb = sandbox();
  const auto r =
      sb.ec2dl({"--json", "run", "--gpu", "auto:3", "--wait", "--", "true"}, registry("auton"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out.substr(0, r.out.find('\n')))["gpus"], json::array({0, 1, 3}));
  const auto four = sb.ec2dl({"run", "--gpu", "auto:4", "--", "true"}, registry("auton"));
  EXPECT_EQ(four.status, 1);
  EXPECT_NE(four.err.find("only 3 free GPUs of the 4 asked for"), std::string::npos) << four.err;
}

TEST(JobsGpu, BadGpusAreRefusedBeforeAnythingStarts) {
  auto& sb = sandbox();
  const auto missing = sb.ec2dl({"run", "--gpu", "7", "--", "true"}, registry("bad"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no GPU 7"), std::string::npos) << missing.err;
  const auto uuid = sb.ec2dl({"gpu-run", "GPU-00000000-dead", "--", "true"}, registry("bad"));
  EXPECT_EQ(uuid.status, 1);
  const auto syntax = sb.ec2dl({"run", "--gpu", "1,1", "--", "true"}, registry("bad"));
  EXPECT_EQ(syntax.status, 2);
  // A busy GPU named explicitly is used, with a warning.
  const auto busy = sb.ec2dl({"run", "--gpu", "2", "--wait", "--", "true"}, registry("bad"));
  EXPECT_EQ(busy.status, 0) << busy.err;
  EXPECT_NE(busy.err.find("GPU 2 is in use by 3 compute processes"), std::string::npos) << busy.err;
  // No driver, no devices: refused with nvidia-smi's reason.
  for (const std::string state : {"no-driver", "no-devices"}) {
    sb.set_gpu_state(state);
    const auto r = sb.ec2dl({"run", "--gpu", "auto", "--", "true"}, registry("bad"));
    EXPECT_EQ(r.status, 1) << state;
    EXPECT_NE(r.err.find("no usable GPU"), std::string::npos) << r.err;
  }
  sb.set_gpu_state("4x-h100");
  EXPECT_EQ(sb.as_user("ls ~/gpu-reg-bad/jobs | wc -l").out, "1\n");
}

TEST(JobsGpu, ARefusedGpuLeavesTheServersCopyOfTheScriptAlone) {
  auto& sb = sandbox();
  TempDir local("ec2dl-gpu-push");
  write_text(local.path() + "/gpu-push.py", "print('new copy')\n");
  sb.as_user(
      "rm -rf gpu-push-wd && mkdir gpu-push-wd && echo 'old copy' > gpu-push-wd/gpu-push.py");
  const std::string script = local.path() + "/gpu-push.py";
  for (const auto& head : std::vector<std::vector<std::string>>{
           {"run", "--gpu", "7"}, {"gpu-run", "9"}, {"run", "--gpu", "auto:5"}}) {
    auto args = head;
    // gpu-run takes its options before GPU.
    args.insert(args.begin() + 1, {"--workdir", "gpu-push-wd"});
    args.push_back(script);
    const auto r = sb.ec2dl(args, registry("push"));
    EXPECT_EQ(r.status, 1) << head[0] << " " << head.back() << ": " << r.err;
    EXPECT_NE(r.err.find("GPU"), std::string::npos) << r.err;
    EXPECT_EQ(sb.as_user("cat gpu-push-wd/gpu-push.py").out, "old copy\n") << head.back();
  }
  EXPECT_EQ(sb.as_user("ls ~/gpu-reg-push/jobs 2>/dev/null | wc -l").out, "0\n");
  // An accepted GPU: pushed, then run.
  const auto ok =
      sb.ec2dl({"run", "--workdir", "gpu-push-wd", "--gpu", "1", "-f", script}, registry("push"));
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "new copy\n");
}

TEST(JobsGpu, GpuRunPassesASeparatorAfterTheScriptOn) {
  auto& sb = sandbox();
  TempDir local("ec2dl-gpu-sep");
  write_text(local.path() + "/sep.sh", "printf '%s|' \"$@\"; echo\n");
  const auto r = sb.ec2dl({"gpu-run", "-f", "1", local.path() + "/sep.sh", "--", "--lr", "1"},
                          registry("sep"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "--|--lr|1|\n");
}

}  // namespace
}  // namespace ec2dl::test
