// The jobs layer's pure side: run's plan from what was asked, and the command lines of the
// job scripts (run under the local /bin/sh, as sshd would on the server).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "ec2dl/jobs/plan.hpp"
#include "ec2dl/jobs/script.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "support/fixtures.hpp"
#include "support/process.hpp"

namespace ec2dl::jobs {
namespace {

std::vector<std::string> texts(const std::vector<remote::JobWord>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    out.push_back(w.text);
  }
  return out;
}

// A local SCRIPT to push: `name` in a fresh folder.
struct LocalScript {
  test::TempDir dir;
  std::string path;
  explicit LocalScript(const std::string& name) : path(dir.path() + "/" + name) {
    std::ofstream(path) << "print(1)\n";
  }
};

// ---- run's plan -------------------------------------------------------------------------

TEST(RunPlan, APyScriptIsPushedToTheWorkdirAndRunWithPython) {
  LocalScript script("train.py");
  RunRequest request;
  request.words = {script.path, "-f", "cfg", "--", "--lr", "1"};
  auto plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_EQ(plan->push_local, script.path);
  EXPECT_EQ(plan->push_remote, "~/train.py");
  EXPECT_EQ(plan->spec.script_check, "train.py");
  EXPECT_EQ(texts(plan->spec.argv),
            (std::vector<std::string>{"python3", "train.py", "-f", "cfg", "--", "--lr", "1"}));
  EXPECT_TRUE(plan->spec.argv[0].path);   // the interpreter and the script may be "~/..."
  EXPECT_FALSE(plan->spec.argv[2].path);  // the script's own words are passed as they are
  EXPECT_FALSE(plan->spec.gpu.has_value());

  request.workdir = "~/proj/";
  plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->push_remote, "~/proj/train.py");
  EXPECT_EQ(plan->spec.workdir, "~/proj/");
}

TEST(RunPlan, ProfileDefaultsFillWhatWasNotGiven) {
  LocalScript script("a.py");
  LaunchDefaults defaults;
  defaults.workdir = "/data";
  defaults.python = "~/venv/bin/python -u";
  defaults.env = {"A=profile", "B=1"};
  RunRequest request;
  request.words = {script.path};
  request.env = {"A=flag"};
  auto plan = make_plan(request, defaults);
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_EQ(plan->spec.workdir, "/data");
  EXPECT_EQ(plan->push_remote, "/data/a.py");
  EXPECT_EQ(texts(plan->spec.argv), (std::vector<std::string>{"~/venv/bin/python", "-u", "a.py"}));
  // --env comes after the profile's, so it wins in the job's environment.
  EXPECT_EQ(plan->spec.env, (std::vector<std::string>{"A=profile", "B=1", "A=flag"}));
  request.python = "python3.11";
  plan = make_plan(request, defaults);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->spec.argv[0].text, "python3.11");
}

TEST(RunPlan, TheGpuRequestIsParsedOnce) {
  RunRequest request;
  request.words = {"--", "nvidia-smi"};
  request.gpu = "auto:2";
  auto plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  ASSERT_TRUE(plan->spec.gpu.has_value());
  EXPECT_TRUE(plan->spec.gpu->automatic);
  EXPECT_EQ(plan->spec.gpu->count, 2);
  request.gpu = "0,GPU-4f1c2a7e-0000-4000-8000-000000000003";
  plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->spec.gpu->ids,
            (std::vector<std::string>{"0", "GPU-4f1c2a7e-0000-4000-8000-000000000003"}));
  const auto input = remote::launch_call(plan->spec, "~/.ec2dl", "", false).inputs[5];
  EXPECT_EQ(input.key.name(), "choose_gpus");
  EXPECT_EQ(input.value, "1");
}

TEST(RunPlan, ACommandAfterTheSeparatorRunsAsTyped) {
  RunRequest request;
  request.words = {"--", "nvidia-smi", "dmon", "-c", "60"};
  auto plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_TRUE(plan->push_local.empty());
  EXPECT_TRUE(plan->spec.script_check.empty());
  EXPECT_EQ(texts(plan->spec.argv), (std::vector<std::string>{"nvidia-smi", "dmon", "-c", "60"}));
  EXPECT_EQ(remote::display_command(plan->spec), "nvidia-smi dmon -c 60");
}

TEST(RunPlan, NoPushRunsAServerPathAndBareNamesBecomePaths) {
  RunRequest request;
  request.no_push = true;
  request.words = {"scripts/eval.sh", "x"};
  auto plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_TRUE(plan->push_local.empty());
  EXPECT_EQ(plan->spec.script_check, "scripts/eval.sh");
  EXPECT_EQ(texts(plan->spec.argv), (std::vector<std::string>{"sh", "scripts/eval.sh", "x"}));
  request.words = {"prog"};
  plan = make_plan(request, LaunchDefaults{});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(texts(plan->spec.argv), (std::vector<std::string>{"./prog"}));
}

TEST(RunPlan, EveryProblemIsNamedInOneUsageError) {
  RunRequest request;
  request.words = {"/no/such/train.py"};
  request.gpu = "x";
  request.name = "123";
  request.env = {"CUDA_VISIBLE_DEVICES=1", "CUDA_DEVICE_ORDER=FASTEST_FIRST", "1K=v"};
  request.log = "a\nb";
  const auto plan = make_plan(request, LaunchDefaults{});
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().kind(), core::ErrorKind::usage);
  const auto& message = plan.error().message();
  EXPECT_TRUE(message.starts_with("run: --name 123: a name cannot be all digits; ")) << message;
  for (const auto* part : {"--log: a path with a newline is not supported",
                           "--env CUDA_VISIBLE_DEVICES: choose GPUs with --gpu",
                           "--env CUDA_DEVICE_ORDER: --gpu sets it to PCI_BUS_ID", "--gpu",
                           "/no/such/train.py: no such local file"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  }
  request = RunRequest{};
  EXPECT_EQ(make_plan(request, LaunchDefaults{}).error().message(),
            "run: nothing to run: give SCRIPT [ARG...] or -- CMD [ARG...]");
  request.words = {"--"};
  EXPECT_EQ(make_plan(request, LaunchDefaults{}).error().message(),
            "run: nothing to run after --: give CMD [ARG...]");
  request.words = {"--", "-x"};
  EXPECT_EQ(make_plan(request, LaunchDefaults{}).error().message(),
            "run: '-x' is not a command name");
}

// ---- the job scripts' command lines ------------------------------------------------------

TEST(JobScripts, TheCommandSendsJobLibFirstAndTheNamedInputs) {
  // Each job script is embedded whole: lib.sh, job_lib.sh (its "# uses:"), then its own text.
  const std::string_view text = remote::scripts::job_wait.text;
  const auto lib_at = text.find("expand_tilde() {");
  const auto job_lib_at = text.find("read_value() {");
  const auto own_at = text.rfind("# uses: job_lib");
  EXPECT_NE(lib_at, std::string_view::npos);
  EXPECT_LT(lib_at, job_lib_at);
  EXPECT_NE(job_lib_at, std::string_view::npos);
  EXPECT_LT(job_lib_at, own_at);
  EXPECT_NE(own_at, std::string_view::npos);

  // A launch check under the local sh: the named inputs reach job_launch.sh, which needs
  // job_lib.sh's helpers, and a missing program is refused with the script's message.
  test::TempDir home;
  remote::LaunchSpec spec;
  spec.argv = {{"no-such-program-xyz", false}};
  const auto run = [&](const remote::LaunchSpec& s) {
    test::RunOptions options;
    options.env = {{"HOME", home.path()}};
    return test::run_process(
        {"/bin/sh", "-c", remote::launch_call(s, "~/.ec2dl", "", true).command()}, options);
  };
  auto refused = run(spec);
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.err, "no-such-program-xyz: command not found on the server\n");
  spec.argv = {{"true", false}};
  spec.env = {"PATH=/nowhere"};  // a job that brings its own PATH skips the program check
  auto checked = run(spec);
  EXPECT_EQ(checked.status, 0) << checked.err;
  EXPECT_EQ(checked.out, "");
}

}  // namespace
}  // namespace ec2dl::jobs
