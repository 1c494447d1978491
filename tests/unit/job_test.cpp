// The job registry's pure side: launch arguments, listing parser, statuses, JOB resolution,
// GPU choice (fed by the stand-in nvidia-smi), and the log filter.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "ec2dl/jobs/launch.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/remote/job_log.hpp"
#include "support/fixtures.hpp"

namespace ec2dl::remote {
namespace {

std::string pairs(std::initializer_list<std::pair<std::string, std::string>> kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    out += k;
    out.push_back('\0');
    out += v;
    out.push_back('\0');
  }
  return out;
}

// ---- launching ---------------------------------------------------------------------------

TEST(JobLaunch, DisplayCommandQuotesWordsAndKeepsPathTildes) {
  LaunchSpec spec;
  spec.argv = {{"~/venv/bin/python", true},
               {"~/proj/train.py", true},
               {"~", false},
               {"it's", false},
               {"$(x)", false}};
  EXPECT_EQ(display_command(spec), "~/venv/bin/python ~/proj/train.py '~' 'it'\\''s' '$(x)'");
}

TEST(JobLaunch, JobScriptExportsThenExecs) {
  LaunchSpec spec;
  spec.argv = {{"python3", true}, {"a b.py", true}};
  spec.env = {"K=v w", "X=$(y)"};
  EXPECT_EQ(job_script(spec),
            "# The command of this job, sourced by wrapper.sh in the job's own process.\n"
            "export 'K=v w'\nexport 'X=$(y)'\nexec python3 'a b.py'\n");
}

TEST(JobLaunch, ScalarsAreNamedInputsAndWordsAreArguments) {
  LaunchSpec spec;
  spec.argv = {{"sh", false}, {"-c", false}, {"echo", false}};
  spec.env = {"A=1"};
  spec.workdir = "wd";
  spec.log = "l.log";
  spec.name = "n";
  spec.gpu = *parse_gpu_spec("auto");
  spec.script_check = "x.sh";
  const auto call = launch_call(spec, "~/.ec2dl", "WRAPPER", false);
  EXPECT_EQ(call.script.name, "job_launch");
  EXPECT_EQ(call.args, (std::vector<std::string>{"A=1", "sh", "-c", "echo"}));
  const auto input = [&](const std::string& key) {
    for (const auto& [k, v] : call.inputs) {
      if (k == key) {
        return v;
      }
    }
    ADD_FAILURE() << "no input " << key;
    return std::string();
  };
  EXPECT_EQ(input("check"), "0");
  EXPECT_EQ(input("base"), "~/.ec2dl");
  EXPECT_EQ(input("workdir"), "wd");
  EXPECT_EQ(input("log"), "l.log");
  EXPECT_EQ(input("name"), "n");
  EXPECT_EQ(input("choose_gpus"), "1");
  EXPECT_EQ(input("command"), "sh -c echo");
  EXPECT_EQ(input("jobscript"), job_script(spec));
  EXPECT_EQ(input("wrapper"), "WRAPPER");
  EXPECT_EQ(input("script"), "x.sh");
  EXPECT_EQ(input("env_count"), "1");
  // Every input the script reads is set, also for a check (which needs no wrapper) and
  // without --gpu.
  spec.gpu.reset();
  const auto check = launch_call(spec, "~/.ec2dl", "WRAPPER", true);
  ASSERT_EQ(check.inputs.size(), call.inputs.size());
  const std::map<std::string, std::string> changed = {
      {"check", "1"}, {"choose_gpus", "0"}, {"wrapper", ""}};
  for (const auto& [k, v] : check.inputs) {
    const std::string key(k.name());
    EXPECT_EQ(v, changed.contains(key) ? changed.at(key) : input(key)) << key;
  }
}

TEST(JobLaunch, ParsesTheLaunchOutput) {
  const auto out = parse_launch_output(pairs({{"id", "12"},
                                              {"pid", "4242"},
                                              {"log", "/h/l og\n"},
                                              {"workdir", "/h"},
                                              {"gpus", "1,3"},
                                              {"log_offset", "77"},
                                              {"started", "1700000000"}}));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->id, 12);
  EXPECT_EQ(out->pid, 4242);
  EXPECT_EQ(out->log, "/h/l og\n");
  EXPECT_EQ(out->gpus, "1,3");
  EXPECT_EQ(out->log_offset, 77);
  EXPECT_FALSE(parse_launch_output(pairs({{"pid", "1"}})).has_value());
  EXPECT_FALSE(parse_launch_output(std::string("id\0001", 4)).has_value());  // cut short
}

TEST(JobLaunch, NamesAndEnvironmentWordsAreChecked) {
  EXPECT_TRUE(check_job_name("train-1 big").has_value());
  EXPECT_FALSE(check_job_name("").has_value());
  EXPECT_FALSE(check_job_name("123").has_value());
  EXPECT_FALSE(check_job_name("a/b").has_value());
  EXPECT_FALSE(check_job_name("a\nb").has_value());
  EXPECT_FALSE(check_job_name(std::string(101, 'a')).has_value());
  EXPECT_TRUE(check_env_word("K=").has_value());
  EXPECT_TRUE(check_env_word("_A1=x=y").has_value());
  EXPECT_FALSE(check_env_word("K").has_value());
  EXPECT_FALSE(check_env_word("=v").has_value());
  EXPECT_FALSE(check_env_word("1K=v").has_value());
  EXPECT_FALSE(check_env_word("K-2=v").has_value());
}

// ---- the registry ------------------------------------------------------------------------

TEST(JobRegistry, ExitStatusRule) {
  JobEntry j;
  apply_exit_status(j, 0);
  EXPECT_EQ(j.status, JobStatus::succeeded);
  EXPECT_EQ(job_exit_status(j), 0);
  apply_exit_status(j, 3);
  EXPECT_EQ(j.status, JobStatus::failed);
  EXPECT_EQ(j.exit_code, 3);
  EXPECT_EQ(job_exit_status(j), 3);
  apply_exit_status(j, 137);
  EXPECT_EQ(j.status, JobStatus::killed);
  EXPECT_EQ(j.signal, 9);
  EXPECT_FALSE(j.exit_code.has_value());
  EXPECT_EQ(job_exit_status(j), 137);
  EXPECT_EQ(describe_status(j), "killed by SIGKILL");
  apply_exit_status(j, 128);
  EXPECT_EQ(j.status, JobStatus::failed);
  apply_exit_status(j, 255);
  EXPECT_EQ(j.status, JobStatus::failed);
  EXPECT_EQ(j.exit_code, 255);
  j.status = JobStatus::lost;
  EXPECT_EQ(job_exit_status(j), 1);
}

TEST(JobRegistry, ExitRecords) {
  auto r = parse_exit_record("status 143\nended 1700000100\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 143);
  EXPECT_EQ(r->ended, 1700000100);
  EXPECT_FALSE(parse_exit_record("").has_value());
  EXPECT_FALSE(parse_exit_record("status x\n").has_value());
  EXPECT_FALSE(parse_exit_record("status 300\n").has_value());
  EXPECT_FALSE(parse_exit_record("ended 5\n").has_value());
}

TEST(JobRegistry, SignalNames) {
  EXPECT_EQ(signal_name(15), "TERM");
  EXPECT_EQ(signal_name(9), "KILL");
  EXPECT_EQ(signal_name(40), "40");
  EXPECT_EQ(signal_number("TERM"), 15);
  EXPECT_EQ(signal_number("sigint"), 2);
  EXPECT_EQ(signal_number("10"), 10);
  EXPECT_FALSE(signal_number("NOPE").has_value());
  EXPECT_FALSE(signal_number("0").has_value());
  EXPECT_FALSE(signal_number("65").has_value());
}

std::string listing_text() {
  return pairs({{"now", "1700000100"}, {"boot", "b"}, {"home", "/home/u"}}) +
         pairs({{"id", "10"},
                {"state", "ended"},
                {"name", "train"},
                {"command", "python3 t.py"},
                {"log", "/home/u/.ec2dl/jobs/10/output.log"},
                {"gpus", "1"},
                {"pid", "500"},
                {"started", "1700000000"},
                {"exit", "status 2\nended 1700000050"}}) +
         pairs({{"id", "2"},
                {"state", "running"},
                {"name", "train"},
                {"pid", "600"},
                {"started", "1700000090"}}) +
         pairs({{"id", "3"}, {"state", "lost"}, {"pid", "x1"}}) +
         pairs({{"id", "4"}, {"missing", "1"}}) + pairs({{"btime", "1690000000"}, {"hz", "100"}}) +
         pairs({{"proc", "600"},
                {"sid", "600"},
                {"start", "100"},
                {"user", "u"},
                {"comm", "python3"},
                {"cmd", "python3 t.py "}}) +
         pairs({{"proc", "700"},
                {"sid", "690"},
                {"start", "2500"},
                {"user", "v"},
                {"comm", "python3"},
                {"cmd", "python3 other.py "}});
}

TEST(JobRegistry, ParsesAListing) {
  const auto listing = parse_listing(listing_text());
  ASSERT_TRUE(listing.has_value()) << listing.error().message();
  EXPECT_EQ(listing->now, 1700000100);
  EXPECT_EQ(listing->home, "/home/u");
  ASSERT_EQ(listing->jobs.size(), 4u);
  EXPECT_EQ(listing->jobs[0].id, 2);  // sorted by id
  EXPECT_EQ(listing->jobs[0].status, JobStatus::running);
  EXPECT_EQ(listing->jobs[1].id, 3);
  EXPECT_EQ(listing->jobs[1].status, JobStatus::lost);
  EXPECT_FALSE(listing->jobs[1].pid.has_value());  // not a number: dropped
  EXPECT_TRUE(listing->jobs[2].missing);
  const auto& ended = listing->jobs[3];
  EXPECT_EQ(ended.status, JobStatus::failed);
  EXPECT_EQ(ended.exit_code, 2);
  EXPECT_EQ(ended.ended, 1700000050);
  EXPECT_EQ(ended.gpus, "1");
  // The running job's own python process is not "other".
  ASSERT_EQ(listing->processes.size(), 1u);
  EXPECT_EQ(listing->processes[0].pid, 700);
  EXPECT_EQ(listing->processes[0].started, 1690000025);
  EXPECT_EQ(listing->processes[0].command, "python3 other.py");
}

TEST(JobRegistry, MalformedListingsAreErrors) {
  EXPECT_FALSE(parse_listing(std::string("id\0", 3)).has_value());
  EXPECT_FALSE(parse_listing(pairs({{"id", "abc"}})).has_value());
  EXPECT_FALSE(parse_listing("no nul at all").has_value());
  EXPECT_TRUE(parse_listing("").has_value());
}

TEST(JobRegistry, ResolvesIdsNamesAndTheNewest) {
  const auto listing = *parse_listing(listing_text());
  auto newest = resolve_jobs(listing, {});
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->front().id, 10);
  auto named = resolve_jobs(listing, {parse_job_ref("train")});
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->front().id, 10);  // the newest of that name
  auto several =
      resolve_jobs(listing, {parse_job_ref("2"), parse_job_ref("3"), parse_job_ref("2")});
  ASSERT_TRUE(several.has_value());
  ASSERT_EQ(several->size(), 2u);
  auto bad = resolve_jobs(listing, {parse_job_ref("4"), parse_job_ref("nope"),
                                    parse_job_ref("99999999999999999999999")});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind(), core::ErrorKind::not_found);
  EXPECT_EQ(bad.error().message(), "no such job: 4, nope, 99999999999999999999999");
  EXPECT_EQ(bad.error().exit_code(), 1);
  JobListing empty;
  EXPECT_FALSE(resolve_jobs(empty, {}).has_value());
}

TEST(JobRegistry, KillOutput) {
  const auto out = parse_kill_output("3 signalled\n4 killed\n5 ended\n6 gone\n");
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ((*out)[1], (std::pair<std::int64_t, KillOutcome>{4, KillOutcome::killed}));
  EXPECT_FALSE(parse_kill_output("3 exploded\n").has_value());
}

TEST(JobRegistry, HomeRelativePaths) {
  EXPECT_EQ(home_relative("/home/u/.ec2dl/x", "/home/u"), "~/.ec2dl/x");
  EXPECT_EQ(home_relative("/home/uu/x", "/home/u"), "/home/uu/x");
  EXPECT_EQ(home_relative("/x", "/"), "/x");
}

// ---- GPUs --------------------------------------------------------------------------------

// What the stand-in nvidia-smi answers for a recorded state.
std::string nvidia_smi(const std::string& state, const std::string& args) {
  const auto command = "FAKE_GPU_STATE='" + test::fake_gpu_dir() + "/states/" + state + "' '" +
                       test::fake_gpu_dir() + "/nvidia-smi' " + args + " 2>&1; echo \"@s $?\"";
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
      out.append(buf, n);
    }
    ::pclose(p);
  }
  return out;
}

std::string facts_text(const std::string& state, const std::string& jobs = "") {
  auto gpus =
      nvidia_smi(state, "--query-gpu=index,uuid,memory.free,memory.total --format=csv,nounits");
  auto apps = nvidia_smi(state, "--query-compute-apps=gpu_uuid,pid --format=csv,nounits");
  const auto status = [](std::string& text) {
    const auto at = text.rfind("@s ");
    const auto code = text.substr(at + 3);
    text.erase(at);
    return code;
  };
  const auto gs = status(gpus);
  const auto as = status(apps);
  return "@gpus\n" + gpus + "@gpus_status " + gs + "@apps\n" + apps + "@apps_status " + as +
         "@jobs\n" + jobs;
}

TEST(JobGpu, ParsesGpuSpecs) {
  EXPECT_TRUE(parse_gpu_spec("auto")->automatic);
  EXPECT_EQ(parse_gpu_spec("auto:3")->count, 3);
  EXPECT_FALSE(parse_gpu_spec("auto")->ids.size() > 0);
  const auto uuid = parse_gpu_spec("GPU-4f1c2a7e-0000-4000-8000-000000000001,2");
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(uuid->ids, (std::vector<std::string>{"GPU-4f1c2a7e-0000-4000-8000-000000000001", "2"}));
  EXPECT_EQ(uuid->count, 2);
}

TEST(JobGpu, RefusesMigDeviceUuidsWithAClearMessage) {
  // A MIG device is not one of nvidia-smi's GPUs: refused as such, not as a missing GPU.
  for (const auto* spec :
       {"MIG-4f1c2a7e-0000-4000-8000-000000000001", "0,MIG-4f1c2a7e-0000-4000-8000-000000000001"}) {
    const auto mig = parse_gpu_spec(spec);
    ASSERT_FALSE(mig.has_value()) << spec;
    EXPECT_EQ(mig.error().kind(), core::ErrorKind::usage);
    EXPECT_NE(mig.error().message().find("MIG device UUIDs are not supported"), std::string::npos)
        << mig.error().message();
  }
  EXPECT_TRUE(parse_gpu_spec("GPU-4f1c2a7e-0000-4000-8000-000000000001").has_value());
}

TEST(JobGpu, ReadsTheStandInsAnswers) {
  const auto facts = parse_gpu_facts(facts_text("4x-h100"));
  ASSERT_EQ(facts.gpus.size(), 4u);
  EXPECT_EQ(facts.gpus_status, 0);
  EXPECT_EQ(facts.gpus[2].uuid, "GPU-4f1c2a7e-0000-4000-8000-000000000002");
  EXPECT_EQ(facts.gpus[2].free_mib, 61263);
  EXPECT_EQ(facts.gpus[0].total_mib, 81559);
  ASSERT_EQ(facts.apps.size(), 3u);
  EXPECT_EQ(facts.apps[0].pid, 11327);
}

TEST(JobGpu, AutoSkipsBusyGpusAndGpusOfRunningJobs) {
  auto facts = parse_gpu_facts(facts_text("4x-h100"));
  auto one = choose_gpus(*parse_gpu_spec("auto"), facts);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->visible, "0");  // equal free memory: the lowest index
  auto three = choose_gpus(*parse_gpu_spec("auto:3"), facts);
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(three->indexes, (std::vector<int>{0, 1, 3}));
  facts = parse_gpu_facts(
      facts_text("4x-h100", "7 0 900\n8 GPU-4f1c2a7e-0000-4000-8000-000000000003 901\n"));
  auto left = choose_gpus(*parse_gpu_spec("auto"), facts);
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->visible, "1");
  auto none = choose_gpus(*parse_gpu_spec("auto:2"), facts);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().exit_code(), 1);
  EXPECT_EQ(none.error().message(),
            "--gpu auto: only 1 free GPU of the 2 asked for on the server; GPU 0: ec2dl job 7; "
            "GPU 1: free; GPU 2: 3 compute processes (pid 11327, 11328, 11345); GPU 3: ec2dl "
            "job 8");
}

// More GPUs than the server has: waiting for a job cannot help, and the message says so.
TEST(JobGpu, AutoAskingForMoreGpusThanTheServerHasSaysHowManyItHas) {
  const auto facts = parse_gpu_facts(facts_text("4x-h100"));
  auto nine = choose_gpus(*parse_gpu_spec("auto:9"), facts);
  ASSERT_FALSE(nine.has_value());
  EXPECT_EQ(nine.error().exit_code(), 1);
  EXPECT_EQ(nine.error().message(), "--gpu auto:9: the server has only 4 GPUs");
  EXPECT_EQ(nine.error().hint().find("wait"), std::string::npos) << nine.error().hint();
}

TEST(JobGpu, ExplicitGpusMustExist) {
  const auto facts = parse_gpu_facts(facts_text("4x-h100"));
  auto two = choose_gpus(*parse_gpu_spec("2"), facts);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->visible, "2");
  ASSERT_EQ(two->notices.size(), 1u);
  EXPECT_EQ(two->notices[0], "GPU 2 is in use by 3 compute processes (pid 11327, 11328, 11345)");
  auto uuid = choose_gpus(*parse_gpu_spec("GPU-4f1c2a7e-0000-4000-8000-000000000003,01"), facts);
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(uuid->indexes, (std::vector<int>{3, 1}));
  EXPECT_EQ(uuid->visible, "GPU-4f1c2a7e-0000-4000-8000-000000000003,1");
  auto missing = choose_gpus(*parse_gpu_spec("4"), facts);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message(), "--gpu: the server has no GPU 4 (it has 4 GPUs: 0 to 3)");
  auto same = choose_gpus(*parse_gpu_spec("1,GPU-4f1c2a7e-0000-4000-8000-000000000001"), facts);
  EXPECT_FALSE(same.has_value());
}

TEST(JobGpu, NoNvidiaSmiOrNoDriverIsRefused) {
  auto facts = parse_gpu_facts("@gpus\nsh: nvidia-smi: not found\n@gpus_status 127\n@apps\n");
  auto r = choose_gpus(*parse_gpu_spec("0"), facts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "--gpu: nvidia-smi is not installed on the server");
  facts = parse_gpu_facts(facts_text("no-driver"));
  r = choose_gpus(*parse_gpu_spec("auto"), facts);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("no usable GPU: NVIDIA-SMI has failed"), std::string::npos)
      << r.error().message();
}

// ---- the GPU question of a launch (jobs::GpuQuestion) ------------------------------------

TEST(JobGpuQuestion, AnswersOnceTheFactsAreOutAndReturnsTheRecordedChoice) {
  jobs::GpuQuestion question(*parse_gpu_spec("auto:2"));
  const auto facts = facts_text("4x-h100", "7 0 900\n");
  std::string out = facts.substr(0, facts.size() / 2);
  EXPECT_EQ(question.answer(out), std::nullopt);  // the facts are not all out yet
  out = facts + "@choose\nid";
  EXPECT_EQ(question.answer(out), "1,3\n");       // GPU 0 is job 7's, GPU 2 is busy
  EXPECT_EQ(out, "id");                           // what the launch prints next is kept
  EXPECT_EQ(question.answer(out), std::nullopt);  // asked once
  EXPECT_FALSE(question.refused().has_value());
  ASSERT_TRUE(question.choice().has_value());
  EXPECT_EQ(question.choice()->indexes, (std::vector<int>{1, 3}));
  // The indexes returned are those of the GPUs the server recorded for the job.
  EXPECT_EQ(question.choice_recorded("1,3")->indexes, (std::vector<int>{1, 3}));
  EXPECT_EQ(question.choice_recorded("GPU-4f1c2a7e-0000-4000-8000-000000000003")->indexes,
            (std::vector<int>{3}));
}

TEST(JobGpuQuestion, ExplicitGpusKeepTheirSpellingAndNotices) {
  jobs::GpuQuestion question(*parse_gpu_spec("GPU-4f1c2a7e-0000-4000-8000-000000000002"));
  std::string out = facts_text("4x-h100") + "@choose\n";
  EXPECT_EQ(question.answer(out), "GPU-4f1c2a7e-0000-4000-8000-000000000002\n");
  const auto choice = question.choice_recorded("GPU-4f1c2a7e-0000-4000-8000-000000000002");
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->indexes, (std::vector<int>{2}));
  EXPECT_EQ(choice->notices,
            (std::vector<std::string>{
                "GPU 2 is in use by 3 compute processes (pid 11327, 11328, 11345)"}));
}

TEST(JobGpuQuestion, ARefusalAnswersAnEmptyLine) {
  jobs::GpuQuestion question(*parse_gpu_spec("4"));
  std::string out = facts_text("4x-h100") + "@choose\n";
  EXPECT_EQ(question.answer(out), "\n");  // the launch aborts
  ASSERT_TRUE(question.refused().has_value());
  EXPECT_EQ(question.refused()->message(),
            "--gpu: the server has no GPU 4 (it has 4 GPUs: 0 to 3)");
  EXPECT_FALSE(question.choice().has_value());
  EXPECT_FALSE(question.choice_recorded("4").has_value());
}

TEST(JobGpu, BadSpecsAreUsageErrors) {
  for (const char* bad : {"", "auto:0", "auto:x", "1,,2", "x", "1,1", "-1", "GPU-", "auto:"}) {
    const auto r = parse_gpu_spec(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().exit_code(), 2) << bad;
  }
  EXPECT_EQ(parse_gpu_spec("0,1,01").has_value(), false);  // 1 and 01 are one GPU
  EXPECT_EQ(parse_gpu_spec("3,0")->ids, (std::vector<std::string>{"3", "0"}));
}

TEST(JobGpu, RecordedGpuListsMapToIndexes) {
  const auto facts = parse_gpu_facts(facts_text("4x-h100"));
  EXPECT_EQ(gpu_indexes("3,GPU-4f1c2a7e-0000-4000-8000-000000000000,9", facts.gpus),
            (std::vector<int>{3, 0}));
}

// ---- logs --------------------------------------------------------------------------------

std::string filter_all(LogFilter::Mode mode, std::string_view bytes) {
  LogFilter f(mode);
  std::string out = f.feed(bytes);
  out += f.finish();
  return out;
}

TEST(JobLog, CarriageReturnsShowTheLatestState) {
  const std::string log = "epoch 1\n 10%|#  |\r 50%|## |\r100%|###|\nloss 0.1\r\ndone";
  EXPECT_EQ(filter_all(LogFilter::Mode::lines, log), "epoch 1\n100%|###|\nloss 0.1\ndone\n");
  EXPECT_EQ(filter_all(LogFilter::Mode::raw, log), log);
}

TEST(JobLog, EscapeSequencesAndControlsAreRemoved) {
  EXPECT_EQ(filter_all(LogFilter::Mode::lines,
                       "\x1b[1;31mred\x1b[0m \x1b]0;title\x07ok\x1b(B \x1b]8;;u\x1b\\l\x07\n"),
            "red ok l\n");
  EXPECT_EQ(filter_all(LogFilter::Mode::lines,
                       "a\tb\x07\x01"
                       "c\n"),
            "a\tbc\n");
  EXPECT_EQ(filter_all(LogFilter::Mode::lines, "abc\b\bX\n"), "aX\n");
  EXPECT_EQ(filter_all(LogFilter::Mode::lines, "bad \xff\xfe byte\n"), "bad ?? byte\n");
  // A C1 control (U+009B, two bytes in UTF-8) is one character: one '?'.
  EXPECT_EQ(filter_all(LogFilter::Mode::lines,
                       "\xc2\x9b"
                       "31m\n"),
            "?31m\n");  // C1 CSI
  // An unterminated OSC ends with its line.
  EXPECT_EQ(filter_all(LogFilter::Mode::lines, "a\x1b]0;never ends\nb\n"), "a\nb\n");
}

TEST(JobLog, SplitAnywhereGivesTheSameOutput) {
  const std::string log =
      "\x1b[32mINFO\x1b[0m start\n 1%\r 2%\r\xe2\x9c\x93 99%\r\nnext\x1b]0;t\x07 line\nlast";
  const auto whole = filter_all(LogFilter::Mode::lines, log);
  for (std::size_t cut = 0; cut <= log.size(); ++cut) {
    LogFilter f(LogFilter::Mode::lines);
    std::string out = f.feed(log.substr(0, cut));
    out += f.feed(log.substr(cut));
    out += f.finish();
    EXPECT_EQ(out, whole) << "cut at " << cut;
  }
  LogFilter bytewise(LogFilter::Mode::lines);
  std::string out;
  for (const char c : log) {
    out += bytewise.feed(std::string_view(&c, 1));
  }
  EXPECT_EQ(out + bytewise.finish(), whole);
  EXPECT_EQ(whole, "INFO start\n\xe2\x9c\x93 99%\nnext line\nlast\n");
}

TEST(JobLog, TerminalModeRewritesTheLineInPlace) {
  LogFilter f(LogFilter::Mode::terminal, 80);
  EXPECT_EQ(f.feed(" 10%"), "\r 10%\x1b[K");
  EXPECT_EQ(f.feed("\r 20%"), "\r 20%\x1b[K");
  EXPECT_EQ(f.feed("\r100%\n"), "\r100%\x1b[K\n");
  EXPECT_EQ(f.feed("plain\n"), "plain\n");
  EXPECT_EQ(f.feed("\xe2\x9c"), "");              // half a character waits for the rest
  EXPECT_EQ(f.feed("\x93\n"), "\xe2\x9c\x93\n");  // never shown half: printed once
  LogFilter narrow(LogFilter::Mode::terminal, 6);
  EXPECT_EQ(narrow.feed("abcdefghij"), "\rabcd\xe2\x80\xa6\x1b[K");
}

TEST(JobLog, LinesLongerThanTheBoundArePrintedInPieces) {
  LogFilter f(LogFilter::Mode::lines);
  const auto out = f.feed(std::string((1u << 20) + 5, 'x'));
  EXPECT_EQ(out.size(), (1u << 20) + 1);
  EXPECT_EQ(f.finish(), "xxxxx\n");
}

TEST(JobLog, LastLinesStart) {
  EXPECT_EQ(last_lines_start("a\nb\nc\n", 2, false), 2u);
  EXPECT_EQ(last_lines_start("a\nb\nc", 2, false), 2u);
  EXPECT_EQ(last_lines_start("a\nb\nc\n", 3, false), std::nullopt);
  EXPECT_EQ(last_lines_start("a\nb\nc\n", 3, true), 0u);
  EXPECT_EQ(last_lines_start("a\nb\n", 0, false), 4u);
  EXPECT_EQ(last_lines_start("", 5, true), 0u);
  EXPECT_EQ(last_lines_start("", 5, false), std::nullopt);
  EXPECT_EQ(last_lines_start("\n\n\n", 2, false), 1u);
}

}  // namespace
}  // namespace ec2dl::remote
