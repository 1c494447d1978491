// Every --json output against a real sshd: each field documented in docs/json.md is there
// and has the documented type.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

// A field and its type: s string, i integer, n number, b boolean, a array, o object; a
// trailing '?' also allows null.
struct Field {
  const char* name;
  const char* type;
};

bool has_type(const json& v, std::string type) {
  if (type.ends_with('?')) {
    if (v.is_null()) {
      return true;
    }
    type.pop_back();
  }
  if (type == "s") {
    return v.is_string();
  }
  if (type == "i") {
    return v.is_number_integer();
  }
  if (type == "n") {
    return v.is_number();
  }
  if (type == "b") {
    return v.is_boolean();
  }
  if (type == "a") {
    return v.is_array();
  }
  if (type == "o") {
    return v.is_object();
  }
  return false;
}

void expect_fields(const json& obj, const std::vector<Field>& fields, const std::string& where) {
  ASSERT_TRUE(obj.is_object()) << where << ": " << obj.dump();
  for (const auto& f : fields) {
    ASSERT_TRUE(obj.contains(f.name)) << where << ": no field '" << f.name << "' in " << obj.dump();
    EXPECT_TRUE(has_type(obj.at(f.name), f.type))
        << where << "." << f.name << " should be " << f.type << ": " << obj.at(f.name).dump();
  }
}

void expect_each(const json& arr, const std::vector<Field>& fields, const std::string& where) {
  ASSERT_TRUE(arr.is_array()) << where;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    expect_fields(arr[i], fields, where + "[" + std::to_string(i) + "]");
  }
}

// Runs `ec2dl --json ARGS`; expects `status` and exactly one JSON document on stdout.
json run_json(const std::vector<std::string>& args, int status = 0, RunOptions options = {}) {
  std::vector<std::string> argv = {"--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = sandbox().ec2dl(argv, options);
  EXPECT_EQ(r.status, status) << args[0] << ": " << r.err;
  EXPECT_TRUE(r.out.ends_with("\n")) << r.out;
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << args[0] << ": not one JSON document: " << e.what() << "\n" << r.out;
    return json();
  }
}

const std::vector<Field> k_job_started = {{"id", "i"},     {"name", "s?"},   {"pid", "i?"},
                                          {"gpus", "a"},   {"workdir", "s"}, {"log", "s"},
                                          {"command", "s"}};
const std::vector<Field> k_job = {{"id", "i"},         {"name", "s?"},       {"status", "s"},
                                  {"exit_code", "i?"}, {"signal", "s?"},     {"gpus", "a"},
                                  {"pid", "i?"},       {"command", "s"},     {"workdir", "s"},
                                  {"log", "s"},        {"started_at", "s?"}, {"ended_at", "s?"},
                                  {"runtime_s", "i?"}};
const std::vector<Field> k_job_end = {
    {"id", "i"}, {"status", "s"}, {"exit_code", "i?"}, {"signal", "s?"}};

std::int64_t started(const std::vector<std::string>& run_args) {
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), run_args.begin(), run_args.end());
  const auto doc = run_json(args);
  expect_fields(doc, k_job_started, "run");
  return doc.value("id", std::int64_t{-1});
}

TEST(Json, RunPsWaitKill) {
  const auto id = started({"--name", "sleeper", "--gpu", "1", "--", "sleep", "60"});
  auto ps = run_json({"ps", std::to_string(id)});
  expect_fields(ps, {{"jobs", "a"}}, "ps");
  ASSERT_EQ(ps.at("jobs").size(), 1u);
  expect_each(ps.at("jobs"), k_job, "ps.jobs");
  EXPECT_EQ(ps.at("jobs")[0].at("status"), "running");
  EXPECT_EQ(ps.at("jobs")[0].at("name"), "sleeper");
  EXPECT_EQ(ps.at("jobs")[0].at("gpus"), json::array({1}));

  const auto killed = run_json({"kill", std::to_string(id)});
  expect_fields(killed, {{"jobs", "a"}}, "kill");
  expect_each(killed.at("jobs"), {{"id", "i"}, {"result", "s"}, {"status", "s?"}}, "kill.jobs");
  const auto again = run_json({"kill", std::to_string(id)}, 1);  // not running any more
  EXPECT_EQ(again.at("jobs")[0].at("result"), "not-running");

  const auto ok = started({"--", "true"});
  const auto waited = run_json({"wait", std::to_string(ok), std::to_string(id)}, 128 + 15);
  expect_fields(waited, {{"jobs", "a"}}, "wait");
  ASSERT_EQ(waited.at("jobs").size(), 2u);
  expect_each(waited.at("jobs"), k_job_end, "wait.jobs");
  EXPECT_EQ(waited.at("jobs")[1].at("signal"), "TERM");

  const auto all = run_json({"ps"});
  expect_each(all.at("jobs"), k_job, "ps.jobs");
  EXPECT_GE(all.at("jobs").size(), 2u);
}

TEST(Json, RunWaitPrintsBothDocuments) {
  const auto r = sandbox().ec2dl({"--json", "run", "--wait", "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.status, 3);
  std::istringstream in(r.out);
  std::string first;
  std::string second;
  std::getline(in, first);
  std::getline(in, second);
  expect_fields(json::parse(first), k_job_started, "run");
  const auto end = json::parse(second);
  expect_each(end.at("jobs"), k_job_end, "run --wait");
  EXPECT_EQ(end.at("jobs")[0].at("exit_code"), 3);
}

TEST(Json, PsAllListsOtherPythonProcesses) {
  auto& sb = sandbox();
  sb.as_user("nohup python3 -c 'import time; time.sleep(120)' >/dev/null 2>&1 &");
  const auto doc = run_json({"ps", "--all"});
  expect_fields(doc, {{"jobs", "a"}, {"processes", "a"}}, "ps --all");
  expect_each(doc.at("processes"),
              {{"pid", "i"}, {"user", "s"}, {"started_at", "s?"}, {"command", "s"}},
              "ps.processes");
  EXPECT_FALSE(doc.at("processes").empty());
  sb.as_user("pkill -u \"$(id -u)\" -f 'time.sleep\\(120\\)' || true");
}

TEST(Json, Gpu) {
  sandbox().set_gpu_state("4x-h100");
  const auto doc = run_json({"gpu"});
  expect_fields(doc, {{"host", "s"}, {"time", "s"}, {"gpus", "a"}, {"processes", "a"}}, "gpu");
  ASSERT_EQ(doc.at("gpus").size(), 4u);
  expect_each(doc.at("gpus"),
              {{"index", "i"},
               {"uuid", "s"},
               {"name", "s"},
               {"utilization_gpu_pct", "i?"},
               {"utilization_memory_pct", "i?"},
               {"memory_used_mib", "i?"},
               {"memory_total_mib", "i?"},
               {"temperature_c", "i?"},
               {"power_draw_w", "n?"},
               {"power_limit_w", "n?"},
               {"fan_speed_pct", "i?"},
               {"pstate", "s?"},
               {"pci_bus_id", "s?"},
               {"driver_version", "s?"}},
              "gpu.gpus");
  EXPECT_FALSE(doc.at("processes").empty());
  expect_each(doc.at("processes"),
              {{"gpu_index", "i?"},
               {"gpu_uuid", "s"},
               {"pid", "i"},
               {"process_name", "s"},
               {"used_memory_mib", "i?"},
               {"user", "s?"},
               {"job_id", "i?"},
               {"job_name", "s?"}},
              "gpu.processes");
}

TEST(Json, WatchPrintsOneDocumentPerLine) {
  const auto r =
      run_process({"bash", "-c", "\"$1\" --json gpu --watch 0.2 | head -n 2", "bash", EC2DL_BINARY},
                  sandbox().ec2dl_env());
  EXPECT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    expect_fields(json::parse(line), {{"gpus", "a"}, {"time", "s"}}, "gpu --watch");
  }
  EXPECT_EQ(n, 2);
}

const std::vector<Field> k_proc = {
    {"pid", "i"},   {"ppid", "i"},    {"threads", "i"}, {"rss_kib", "i"},    {"user", "s?"},
    {"state", "s"}, {"command", "s"}, {"cpu_pct", "n"}, {"cpu_time_s", "n"}, {"job_id", "i?"}};

TEST(Json, Top) {
  const auto doc = run_json({"top"});
  expect_fields(doc,
                {{"host", "s"},
                 {"time", "s"},
                 {"uptime_s", "n"},
                 {"load", "o"},
                 {"processes", "o"},
                 {"cpu", "o"},
                 {"memory", "o"},
                 {"swap", "o"},
                 {"disks", "a"},
                 {"top_cpu", "a"},
                 {"top_memory", "a"},
                 {"focus", "o?"}},
                "top");
  expect_fields(doc.at("load"), {{"1m", "n"}, {"5m", "n"}, {"15m", "n"}}, "top.load");
  expect_fields(doc.at("processes"), {{"total", "i"}, {"running", "i"}}, "top.processes");
  expect_fields(doc.at("cpu"),
                {{"count", "i"},
                 {"busy_pct", "n"},
                 {"user_pct", "n"},
                 {"system_pct", "n"},
                 {"iowait_pct", "n"},
                 {"steal_pct", "n"},
                 {"idle_pct", "n"},
                 {"per_cpu_busy_pct", "a"}},
                "top.cpu");
  expect_fields(doc.at("memory"),
                {{"total_kib", "i"},
                 {"used_kib", "i"},
                 {"free_kib", "i"},
                 {"available_kib", "i"},
                 {"buff_cache_kib", "i"}},
                "top.memory");
  expect_fields(doc.at("swap"), {{"total_kib", "i"}, {"used_kib", "i"}, {"free_kib", "i"}},
                "top.swap");
  ASSERT_FALSE(doc.at("disks").empty());
  expect_each(doc.at("disks"),
              {{"mount", "s"},
               {"filesystem", "s"},
               {"size_kib", "i"},
               {"used_kib", "i"},
               {"available_kib", "i"},
               {"used_pct", "n"},
               {"holds", "a"},
               {"warning", "b"}},
              "top.disks");
  ASSERT_FALSE(doc.at("top_cpu").empty());
  expect_each(doc.at("top_cpu"), k_proc, "top.top_cpu");
  expect_each(doc.at("top_memory"), k_proc, "top.top_memory");
  EXPECT_TRUE(doc.at("focus").is_null());

  const auto id = started({"--", "sleep", "30"});
  const auto focus = run_json({"top", "--job", std::to_string(id)}).at("focus");
  expect_fields(
      focus,
      {{"pid", "i"}, {"job_id", "i?"}, {"job_name", "s?"}, {"processes", "a"}, {"threads", "a"}},
      "top.focus");
  expect_each(focus.at("processes"), k_proc, "top.focus.processes");
  expect_each(focus.at("threads"),
              {{"tid", "i"}, {"pid", "i"}, {"name", "s"}, {"state", "s"}, {"cpu_pct", "n"}},
              "top.focus.threads");
  run_json({"kill", std::to_string(id)});
}

const std::vector<Field> k_transfer = {{"direction", "s"},
                                       {"destination", "s"},
                                       {"dry_run", "b"},
                                       {"files_sent", "i"},
                                       {"bytes_sent", "i"},
                                       {"bytes_resumed", "i"},
                                       {"files_unchanged", "i"},
                                       {"bytes_unchanged", "i"},
                                       {"links", "i"},
                                       {"dirs_created", "i"},
                                       {"attrs_updated", "i"},
                                       {"deleted", "a"},
                                       {"plan", "a"},
                                       {"warnings", "a"},
                                       {"failures", "a"},
                                       {"verified", "b"},
                                       {"seconds", "n"},
                                       {"bytes_per_second", "n"}};

TEST(Json, PushPullEdit) {
  const TempDir dir;
  write_text(dir.path() + "/payload.txt", "hello\n");
  RunOptions o;
  o.cwd = dir.path();
  const auto push = run_json({"push", "payload.txt", "~/json-test/"}, 0, o);
  expect_fields(push, k_transfer, "push");
  EXPECT_EQ(push.at("direction"), "push");
  EXPECT_EQ(push.at("files_sent"), 1);
  const auto pull = run_json({"pull", "~/json-test/payload.txt", "back.txt"}, 0, o);
  expect_fields(pull, k_transfer, "pull");
  EXPECT_EQ(pull.at("direction"), "pull");
  EXPECT_EQ(read_text(dir.path() + "/back.txt"), "hello\n");

  RunOptions editor;
  editor.env["EDITOR"] = "true";  // opens and closes without a change
  const auto edit = run_json({"edit", "~/json-test/payload.txt"}, 0, editor);
  expect_fields(
      edit, {{"path", "s"}, {"changed", "b"}, {"uploaded", "b"}, {"created", "b"}, {"bytes", "i"}},
      "edit");
  EXPECT_EQ(edit.at("changed"), false);
}

TEST(Json, HostsList) {
  const TempDir dir;
  RunOptions o;
  o.env["EC2DL_CONFIG"] = dir.path() + "/config.toml";
  auto empty = run_json({"hosts", "list"}, 0, o);
  expect_fields(empty, {{"config", "s"}, {"default", "s?"}, {"hosts", "a"}}, "hosts list");
  EXPECT_TRUE(empty.at("default").is_null());
  EXPECT_TRUE(empty.at("hosts").empty());
  ASSERT_EQ(
      sandbox().ec2dl({"hosts", "add", "a", "u@h:2222", "-i", "~/k", "--env", "X=1"}, o).status, 0);
  ASSERT_EQ(sandbox().ec2dl({"hosts", "add", "b", "h2"}, o).status, 0);
  const auto doc = run_json({"hosts", "list"}, 0, o);
  expect_fields(doc, {{"config", "s"}, {"default", "s?"}, {"hosts", "a"}}, "hosts list");
  ASSERT_EQ(doc.at("hosts").size(), 2u);
  expect_each(doc.at("hosts"),
              {{"name", "s"},
               {"host", "s"},
               {"user", "s?"},
               {"port", "i?"},
               {"identity", "s?"},
               {"workdir", "s?"},
               {"python", "s?"},
               {"remote_dir", "s?"},
               {"env", "o"},
               {"default", "b"}},
              "hosts");
  EXPECT_EQ(doc.at("default"), "a");
  EXPECT_EQ(doc.at("hosts")[0].at("port"), 2222);
  EXPECT_TRUE(doc.at("hosts")[1].at("port").is_null());
  EXPECT_EQ(doc.at("hosts")[0].at("env").at("X"), "1");
}

TEST(Json, Doctor) {
  const auto doc = run_json({"doctor"});
  expect_fields(doc,
                {{"server", "s?"},
                 {"target", "s?"},
                 {"ok", "b"},
                 {"problems", "i"},
                 {"warnings", "i"},
                 {"checks", "a"}},
                "doctor");
  expect_each(doc.at("checks"),
              {{"section", "s"}, {"name", "s"}, {"status", "s"}, {"detail", "s"}, {"fix", "s?"}},
              "doctor.checks");
  for (const auto& c : doc.at("checks")) {
    if (c.at("status") == "fail" || c.at("status") == "warn") {
      EXPECT_TRUE(c.at("fix").is_string()) << c.dump();
    }
  }
}

}  // namespace
}  // namespace ec2dl::test
