// ec2dl run / ps / tail / kill / wait against a real sshd: the job registry, statuses, exit
// codes, detaching, logs, and hostile input.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

// Each test keeps its own registry on the server, so ids and listings do not mix.
struct Registry {
  std::string dir;   // remote, "~/..."
  std::string path;  // absolute on the server

  explicit Registry(const std::string& name)
      : dir("~/reg-" + name), path(sandbox().home() + "/reg-" + name) {}

  RunOptions env(RunOptions o = {}) const {
    o.env["EC2DL_REMOTE_DIR"] = dir;
    return o;
  }
  ProcessResult ec2dl(const std::vector<std::string>& args, RunOptions o = {}) const {
    return sandbox().ec2dl(args, env(std::move(o)));
  }
  // The id `run -q ...` printed.
  long run_q(std::vector<std::string> args, RunOptions o = {}) const {
    args.insert(args.begin(), {"run", "-q"});
    return run_q_id(ec2dl(args, std::move(o)));
  }
  json ps_json(const std::vector<std::string>& more = {}) const {
    std::vector<std::string> args = {"--json", "ps"};
    args.insert(args.end(), more.begin(), more.end());
    const auto r = ec2dl(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out);
  }
  json job(long id) const {
    const auto doc = ps_json({std::to_string(id)});
    EXPECT_EQ(doc["jobs"].size(), 1u);
    return doc["jobs"].at(0);
  }
  std::string job_file(long id, const std::string& file) const {
    return path + "/jobs/" + std::to_string(id) + "/" + file;
  }
};

// A local folder with scripts to push.
struct LocalDir {
  std::string path;
  LocalDir() {
    char tmpl[] = "/tmp/ec2dl-jobs-local-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~LocalDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path + "/" + name;
    write_text(p, text);
    return p;
  }
};

std::string cat(const std::string& server_path) {
  return sandbox().as_user("cat '" + server_path + "'").out;
}

// Runs, and is not a zombie (a killed orphan may wait a while for its reaper).
bool alive(std::string pid) {
  while (!pid.empty() && pid.back() == '\n') {
    pid.pop_back();
  }
  return sandbox()
             .as_user("s=$(cat /proc/" + pid +
                      "/stat 2>/dev/null) || exit 1; case ${s##*) } in Z*) "
                      "exit 1 ;; esac")
             .status == 0;
}

// A job that runs until the file GATE (in the remote home) exists.
std::vector<std::string> gated(const std::string& gate, const std::string& then = "") {
  return {"--", "sh", "-c", "while [ ! -e \"$HOME/" + gate + "\" ]; do sleep 0.1; done; " + then};
}

TEST(Jobs, LaunchThenPsShowsRunningThenWaitGivesTheStatus) {
  Registry reg("lifecycle");
  sandbox().as_user("rm -f gate-life");
  const long id = reg.run_q(gated("gate-life", "echo done"));
  ASSERT_GT(id, 0);
  auto job = reg.job(id);
  EXPECT_EQ(job["status"], "running");
  EXPECT_TRUE(job["pid"].is_number_integer());
  EXPECT_TRUE(job["exit_code"].is_null());
  EXPECT_EQ(job["started_at"].get<std::string>().size(), 20u);  // 2026-11-27T10:04:43Z
  EXPECT_TRUE(job["ended_at"].is_null());
  const auto table = reg.ec2dl({"ps"});
  EXPECT_NE(table.out.find("running"), std::string::npos) << table.out;

  sandbox().as_user("touch gate-life");
  const auto waited = reg.ec2dl({"wait", std::to_string(id)});
  EXPECT_EQ(waited.status, 0) << waited.err;
  job = reg.job(id);
  EXPECT_EQ(job["status"], "succeeded");
  EXPECT_EQ(job["exit_code"], 0);
  EXPECT_FALSE(job["ended_at"].is_null());
  EXPECT_EQ(cat(job["log"]), "done\n");

  const long three = reg.run_q({"--", "sh", "-c", "exit 3"});
  EXPECT_EQ(reg.ec2dl({"wait", std::to_string(three)}).status, 3);
  job = reg.job(three);
  EXPECT_EQ(job["status"], "failed");
  EXPECT_EQ(job["exit_code"], 3);

  const long term = reg.run_q({"--", "sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(reg.ec2dl({"wait", std::to_string(term)}).status, 128 + 15);
  job = reg.job(term);
  EXPECT_EQ(job["status"], "killed");
  EXPECT_EQ(job["signal"], "TERM");
  EXPECT_TRUE(job["exit_code"].is_null());

  // Several jobs: the first non-zero status in the order given.
  EXPECT_EQ(
      reg.ec2dl({"wait", std::to_string(id), std::to_string(three), std::to_string(term)}).status,
      3);
  // The registry is private and holds the documented files.
  EXPECT_EQ(sandbox()
                .as_user("stat -c %a '" + reg.path + "' '" + reg.path + "/jobs/" +
                         std::to_string(id) + "'")
                .out,
            "700\n700\n");
  const auto exit_record = cat(reg.job_file(three, "exit"));
  EXPECT_EQ(exit_record.substr(0, 9), "status 3\n") << exit_record;
}

TEST(Jobs, QuietPrintsOnlyTheIdAndJsonHasTheFields) {
  Registry reg("output");
  const auto quiet = reg.ec2dl({"run", "-q", "--", "true"});
  ASSERT_EQ(quiet.status, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "1\n");
  EXPECT_EQ(quiet.err, "");
  const auto j = reg.ec2dl({"--json", "run", "--name", "js", "--", "true"});
  ASSERT_EQ(j.status, 0) << j.err;
  const auto doc = json::parse(j.out);
  EXPECT_EQ(doc["id"], 2);
  EXPECT_TRUE(doc["pid"].is_number_integer());
  EXPECT_EQ(doc["log"], reg.path + "/jobs/2/output.log");
  EXPECT_EQ(doc["gpus"], json::array());
  EXPECT_EQ(doc["name"], "js");
  const auto plain = reg.ec2dl({"run", "--", "true"});
  EXPECT_NE(plain.out.find("job 3 started"), std::string::npos) << plain.out;
}

TEST(Jobs, ScriptIsPushedAndRunWithItsArguments) {
  Registry reg("push");
  LocalDir local;
  const auto py = local.write("show.py",
                              "import os, sys\nprint(sys.argv[1:], os.environ['PYTHONUNBUFFERED'],"
                              " os.environ['EC2DL_JOB_ID'], os.environ['K'], os.getcwd())\n");
  const auto sh = local.write("show.sh", "echo \"sh:$1:$2\"\n");
  sandbox().as_user("rm -rf wd && mkdir wd");
  // Every word after SCRIPT is the script's, options included.
  const auto r = reg.ec2dl({"run", "--wait", "--workdir", "wd", "--env", "K=a b", "--name", "p", py,
                            "--name", "-f", "-q"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(cat(sandbox().home() + "/wd/show.py").substr(0, 9), "import os");
  const auto log = reg.ec2dl({"tail", "p"});
  EXPECT_EQ(log.status, 0) << log.err;
  EXPECT_EQ(log.out, "['--name', '-f', '-q'] 1 1 a b " + sandbox().home() + "/wd\n");
  const auto s = reg.ec2dl({"run", "-f", sh, "x", "y z"});
  EXPECT_EQ(s.status, 0) << s.err;
  EXPECT_EQ(s.out, "sh:x:y z\n");
  // --no-push runs what is on the server.
  sandbox().as_user("printf 'echo server copy\\n' > wd/remote.sh");
  const auto n = reg.ec2dl({"run", "-f", "--no-push", "--workdir", "~/wd", "remote.sh"});
  EXPECT_EQ(n.status, 0) << n.err;
  EXPECT_EQ(n.out, "server copy\n");
}

// Starts `run -f` on a job that prints until a gate opens, and waits until it is following.
struct PrintingJob {
  Registry& reg;
  std::string gate;
  std::unique_ptr<BackgroundProcess> client;

  PrintingJob(Registry& r, const std::string& name) : reg(r), gate("gate-" + name) {
    sandbox().as_user("rm -f " + gate);
    client = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{EC2DL_BINARY, "run", "-f", "--name", name, "--", "sh", "-c",
                                 "i=0; while [ ! -e \"$HOME/" + gate +
                                     "\" ]; do i=$((i+1)); echo line $i; sleep 0.02; done; "
                                     "echo total $i"},
        sandbox().ec2dl_env(reg.env()));
    EXPECT_TRUE(eventually([&] { return client->out().find("line 5\n") != std::string::npos; }))
        << client->err();
  }

  // After the client is gone: open the gate, wait over a new connection, check the log.
  void finish_and_check(const std::string& name) {
    sandbox().as_user("touch " + gate);
    const auto waited = reg.ec2dl({"wait", name});
    EXPECT_EQ(waited.status, 0) << waited.err;
    const auto log = reg.ec2dl({"tail", "-n", "1000000", name});
    ASSERT_EQ(log.status, 0) << log.err;
    const auto last = log.out.rfind("total ");
    ASSERT_NE(last, std::string::npos) << log.out.substr(0, 200);
    const int total = std::stoi(log.out.substr(last + 6));
    std::string expected;
    for (int i = 1; i <= total; ++i) {
      expected += "line " + std::to_string(i) + "\n";
    }
    expected += "total " + std::to_string(total) + "\n";
    EXPECT_EQ(log.out, expected);
    EXPECT_GT(total, 5);
  }
};

TEST(Jobs, JobOutlivesAClientKilledWithSigkill) {
  Registry reg("sigkill");
  PrintingJob job(reg, "k9");
  job.client->signal(SIGKILL);
  EXPECT_EQ(job.client->wait(30), 128 + 9);
  EXPECT_EQ(reg.job(1)["status"], "running");
  job.finish_and_check("k9");
}

TEST(Jobs, JobOutlivesACutConnectionAndTheFollowResumesAtTheExactByte) {
  Registry reg("cut");
  PrintingJob job(reg, "cut");
  // Kill the sshd processes serving the client: the connection drops mid-stream.
  const auto killed = run_process({"pkill", "-KILL", "-u", sandbox().user(), "-x", "sshd"});
  ASSERT_EQ(killed.status, 0) << killed.err;
  EXPECT_TRUE(
      eventually([&] { return job.client->err().find("reconnected") != std::string::npos; }, 60))
      << job.client->err();
  job.finish_and_check("cut");
  // The follow went on over the new connection and ended with the job: what it printed is
  // the log, byte for byte, nothing lost or doubled.
  const auto status = job.client->wait(60);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << job.client->err();
  EXPECT_EQ(job.client->out(), reg.ec2dl({"tail", "-n", "1000000", "cut"}).out);
}

TEST(Jobs, TwentyConcurrentLaunchesGetTwentyIds) {
  Registry reg("concurrent");
  std::vector<std::unique_ptr<BackgroundProcess>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{EC2DL_BINARY, "run", "-q", "--", "true"},
        sandbox().ec2dl_env(reg.env())));
  }
  std::set<long> ids;
  for (auto& c : clients) {
    ASSERT_EQ(c->wait(120), 0) << c->err();
    ids.insert(std::stol(c->out()));
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), 20);
  EXPECT_EQ(reg.ps_json()["jobs"].size(), 20u);
}

TEST(Jobs, KillTakesTheJobAndItsChildrenAndNothingElse) {
  Registry reg("kill");
  auto& sb = sandbox();
  const auto other = sb.as_user("setsid sleep 600 >/dev/null 2>&1 </dev/null & echo $!").out;
  ASSERT_FALSE(other.empty());
  // A child in the job's group, and one that moved to a group of its own (same session).
  const long id = reg.run_q(
      {"--", "sh", "-c",
       "sleep 600 & echo $! > \"$HOME/kill-child\"; "
       "python3 -c 'import os,time; os.setpgid(0,0); open(os.path.expanduser(\"~/kill-grp\"),"
       "\"w\").write(str(os.getpid())); time.sleep(600)' & wait"});
  ASSERT_TRUE(
      eventually([&] { return sb.as_user("test -s kill-grp && test -s kill-child").status == 0; }));
  const auto child = sb.as_user("cat kill-child").out;
  const auto grp = sb.as_user("cat kill-grp").out;
  ASSERT_TRUE(alive(child) && alive(grp));

  const auto r = reg.ec2dl({"kill", std::to_string(id)});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("killed by SIGTERM"), std::string::npos) << r.out;
  EXPECT_FALSE(alive(child));
  EXPECT_FALSE(alive(grp));
  EXPECT_TRUE(alive(other)) << "a process outside the job was signalled";
  EXPECT_EQ(reg.job(id)["status"], "killed");
  // Killing it again is an error: it is not running.
  const auto again = reg.ec2dl({"kill", std::to_string(id)});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("not running"), std::string::npos) << again.err;
  sb.as_user("kill " + other);
}

TEST(Jobs, KillEscalatesToSigkillAfterTheGracePeriod) {
  Registry reg("grace");
  const long id = reg.run_q({"--", "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"});
  ASSERT_TRUE(eventually([&] { return reg.job(id)["status"] == "running"; }));
  const auto r = reg.ec2dl({"kill", "--grace", "1", std::to_string(id)});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("SIGKILL"), std::string::npos) << r.out;
  const auto job = reg.job(id);
  EXPECT_EQ(job["status"], "killed");
  EXPECT_EQ(job["signal"], "KILL");
}

TEST(Jobs, JobKilledFromOutsideWithoutExitRecordIsLost) {
  Registry reg("lost");
  const long id = reg.run_q({"--", "sleep", "600"});
  const auto dir = reg.path + "/jobs/" + std::to_string(id);
  const auto r = sandbox().as_user("kill -KILL $(cat '" + dir +
                                   "/wrapper_pid') && kill -KILL $(cat '" + dir + "/pid')");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return reg.job(id)["status"] == "lost"; }));
  EXPECT_EQ(sandbox().as_user("test -e '" + dir + "/exit'").status, 1);
  const auto waited = reg.ec2dl({"wait", std::to_string(id)});
  EXPECT_EQ(waited.status, 1);
  EXPECT_NE(waited.err.find("lost"), std::string::npos) << waited.err;
  // kill says so in one plain clause, not "(lost (its process is gone ...))".
  const auto killed = reg.ec2dl({"kill", std::to_string(id)});
  EXPECT_EQ(killed.status, 1);
  EXPECT_TRUE(contains(killed.err, "job " + std::to_string(id) +
                                       " was not running: it is lost: its process is gone"))
      << killed.err;
  EXPECT_FALSE(contains(killed.err, "(lost (")) << killed.err;
}

TEST(Jobs, TailFollowShowsLinesAsTheyComeAndExitsWithTheJobsStatus) {
  Registry reg("tailf");
  sandbox().as_user("rm -f gate-tail");
  const long id = reg.run_q({"--", "sh", "-c",
                             "echo first; while [ ! -e \"$HOME/gate-tail\" ]; do sleep 0.1; done; "
                             "echo second; exit 5"});
  BackgroundProcess follower({EC2DL_BINARY, "tail", "-f", std::to_string(id)},
                             sandbox().ec2dl_env(reg.env()));
  ASSERT_TRUE(eventually([&] { return follower.out().find("first\n") != std::string::npos; }))
      << follower.err();
  EXPECT_EQ(follower.out().find("second"), std::string::npos);
  sandbox().as_user("touch gate-tail");
  EXPECT_EQ(follower.wait(60), 5) << follower.err();
  EXPECT_EQ(follower.out(), "first\nsecond\n");
  EXPECT_NE(follower.err().find("failed with exit code 5"), std::string::npos) << follower.err();
}

TEST(Jobs, TailShowsTheLatestStateOfRewrittenLinesAndStripsControls) {
  Registry reg("cr");
  const long id = reg.run_q(
      {"--wait", "--", "printf", "a\\rb\\rprogress 100%%\\n\\033[31mred\\033[0m\\r\\nend"});
  const auto r = reg.ec2dl({"tail", std::to_string(id)});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "progress 100%\nred\nend\n");
  const auto raw = reg.ec2dl({"tail", "--raw", std::to_string(id)});
  EXPECT_EQ(raw.out, "a\rb\rprogress 100%\n\033[31mred\033[0m\r\nend");
  const auto two = reg.ec2dl({"tail", "-n", "1", std::to_string(id)});
  EXPECT_EQ(two.out, "end\n");
}

TEST(Jobs, TailOfAHugeLogReadsOnlyItsEnd) {
  // 40 GB of holes then three lines: reading it all would take minutes, the end takes none.
  sandbox().as_user(
      "rm -f huge.log && truncate -s 40G huge.log && printf 'x\\ny\\nz\\n' >> huge.log");
  const auto r = sandbox().ec2dl({"tail", "-n", "2", "huge.log"}, {.timeout_s = 60});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "y\nz\n");
  sandbox().as_user("rm -f huge.log");
}

TEST(Jobs, HostileScriptNamesAndArgumentsRunByteExact) {
  Registry reg("hostile");
  LocalDir local;
  const std::vector<std::string> args = {"my dir",    "it's",  "\"q\"", "$(touch pwned)", "`id`",
                                         "a\nb",      "*",     "~",     "$HOME",          ";exit 3",
                                         "\\",        "-n",    "",      "\xff\xfe",       "A=1",
                                         "tab\there", "--name"};
  std::string expected;
  for (const auto& a : args) {
    expected += a;
    expected.push_back('\0');
  }
  for (const std::string name : {"we ird 'q\" $(touch pwned).sh", "-dash\nnl\xff.sh"}) {
    const auto path = local.write(name, "printf '%s\\0' \"$@\"\n");
    std::vector<std::string> argv = {"run", "--wait", path};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = reg.ec2dl(argv);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto log = reg.ec2dl({"tail", "--raw", "-n", "100"});
    EXPECT_EQ(log.out, expected) << name;
  }
  // The same through -- CMD and the bash login shell.
  std::vector<std::string> argv = {"-H", "sandbox-bash", "run", "--wait", "--", "printf", "%s\\0"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = reg.ec2dl(argv);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sandbox().as_user("test -e pwned").status, 1);
  EXPECT_EQ(sandbox().as_user("test -e pwned", true).status, 1);
}

TEST(Jobs, BadJobIdsGiveAClearErrorAndExitOne) {
  Registry reg("badids");
  reg.run_q({"--", "true"});
  for (const auto& args : std::vector<std::vector<std::string>>{{"wait", "999"},
                                                                {"kill", "999"},
                                                                {"tail", "999"},
                                                                {"ps", "999"},
                                                                {"wait", "nosuchname"},
                                                                {"kill", "1", "77"}}) {
    const auto r = reg.ec2dl(args);
    EXPECT_EQ(r.status, 1) << args[0] << " " << args[1];
    EXPECT_NE(r.err.find("no such job"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;  // error + hint
  }
  EXPECT_EQ(reg.ec2dl({"kill"}).status, 2);
  Registry empty("never-used");
  const auto none = empty.ec2dl({"wait"});
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("no jobs"), std::string::npos) << none.err;
}

TEST(Jobs, BadLaunchesAreRefusedBeforeAnythingStarts) {
  Registry reg("refused");
  const auto nofile = reg.ec2dl({"run", "no-such-script.py"});
  EXPECT_EQ(nofile.status, 2);
  EXPECT_NE(nofile.err.find("no such local file"), std::string::npos) << nofile.err;
  EXPECT_EQ(reg.ec2dl({"run", "--env", "1BAD=x", "--", "true"}).status, 2);
  EXPECT_EQ(reg.ec2dl({"run", "--name", "123", "--", "true"}).status, 2);
  EXPECT_EQ(reg.ec2dl({"run", "--gpu", "x,y", "--", "true"}).status, 2);
  EXPECT_EQ(reg.ec2dl({"run"}).status, 2);
  const auto nodir = reg.ec2dl({"run", "--workdir", "~/no/such/dir", "--", "true"});
  EXPECT_EQ(nodir.status, 1);
  EXPECT_NE(nodir.err.find("does not exist"), std::string::npos) << nodir.err;
  const auto nocmd = reg.ec2dl({"run", "--", "no-such-program-xyz"});
  EXPECT_EQ(nocmd.status, 1);
  EXPECT_NE(nocmd.err.find("command not found"), std::string::npos) << nocmd.err;
  const auto noscript = reg.ec2dl({"run", "--no-push", "missing.py"});
  EXPECT_EQ(noscript.status, 1);
  EXPECT_NE(noscript.err.find("no file missing.py"), std::string::npos) << noscript.err;
  EXPECT_EQ(sandbox().as_user("ls '" + reg.path + "/jobs' | wc -l").out, "0\n");
}

// The registry folder is a regular file, unreadable, or a link to another user's folder:
// every command says so (exit 1) instead of "No jobs yet", and nothing is written.
TEST(Jobs, ABrokenRegistryFolderIsAClearErrorAndNothingIsWritten) {
  auto& sb = sandbox();
  Registry reg("broken");
  const auto theirs = sb.home_bash() + "/theirs";
  sb.as_user("rm -rf theirs && mkdir theirs && chmod 777 theirs && chmod 755 .", true);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a regular file", "printf keep > reg-broken"},
      {"an unreadable folder", "mkdir -p reg-broken/jobs && chmod 000 reg-broken"},
      {"a link to another user's folder", "ln -s '" + theirs + "' reg-broken"}};
  for (const auto& [what, setup] : cases) {
    SCOPED_TRACE(what);
    sb.as_user("chmod 700 reg-broken 2>/dev/null; rm -rf reg-broken && " + setup);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"ps"}, {"--json", "ps"}, {"run", "--", "true"}, {"wait"}, {"kill", "1"}}) {
      const auto r = reg.ec2dl(args);
      EXPECT_EQ(r.status, 1) << args[0] << ": " << r.out << r.err;
      EXPECT_TRUE(contains(r.err, "job registry " + reg.path)) << r.err;
      EXPECT_FALSE(contains(r.out, "No jobs")) << r.out;
    }
  }
  EXPECT_EQ(sb.as_user("ls -A '" + theirs + "'").out, "");  // nothing written there
  sb.as_user("rm -f reg-broken && printf keep > reg-broken");
  EXPECT_EQ(reg.ec2dl({"run", "--", "true"}).status, 1);
  EXPECT_EQ(sb.as_user("cat reg-broken; rm -f reg-broken").out, "keep");
  sb.as_user("rm -rf theirs", true);
}

TEST(Jobs, PsAllListsOtherPythonProcessesButNotTheJobs) {
  Registry reg("psall");
  auto& sb = sandbox();
  const auto outside =
      sb.as_user(
            "setsid python3 -c 'import time; time.sleep(600)' >/dev/null 2>&1 </dev/null & "
            "echo $!")
          .out;
  const long id = reg.run_q({"--", "python3", "-c", "import time; time.sleep(600)"});
  const auto job_pid = reg.job(id)["pid"].get<long>();
  // Both have become python (the pids are known before the exec).
  for (const auto& pid : {std::stol(outside), job_pid}) {
    ASSERT_TRUE(eventually([&] {
      return sb.as_user("grep -qx python3 /proc/" + std::to_string(pid) + "/comm").status == 0;
    })) << pid;
  }
  const auto doc = reg.ps_json({"--all"});
  std::set<long> pids;
  for (const auto& p : doc["processes"]) {
    pids.insert(p["pid"].get<long>());
  }
  EXPECT_TRUE(pids.contains(std::stol(outside))) << doc.dump();
  EXPECT_FALSE(pids.contains(job_pid)) << doc.dump();
  const auto table = reg.ec2dl({"ps", "--all"});
  EXPECT_NE(table.out.find("Other python processes:"), std::string::npos) << table.out;
  EXPECT_EQ(reg.ec2dl({"kill", std::to_string(id)}).status, 0);
  sb.as_user("kill " + outside);
}

TEST(Jobs, KillWithOnlyASignalSendsItAndReturnsWhileTheJobRuns) {
  Registry reg("signal-only");
  auto& sb = sandbox();
  sb.as_user("rm -f usr1-marker term-marker");
  const long id = reg.run_q({"--", "sh", "-c",
                             "trap 'echo usr1 >> \"$HOME/usr1-marker\"' USR1; "
                             "trap 'echo term >> \"$HOME/term-marker\"' TERM; "
                             "echo ready; while :; do sleep 0.1; done"});
  const auto log = reg.job(id)["log"].get<std::string>();
  ASSERT_TRUE(eventually([&] { return cat(log) == "ready\n"; })) << cat(log);
  // USR1, and TERM too when named alone: sent, no KILL follows, no wait; this job traps both
  // and goes on. A kill that waited for the job to end would hit the process limit (the job
  // never ends); one that escalated to KILL after a grace period leaves it not running.
  for (const auto& [sig, word] :
       std::vector<std::pair<std::string, std::string>>{{"USR1", "usr1"}, {"TERM", "term"}}) {
    const auto r = reg.ec2dl({"kill", "--signal", sig, std::to_string(id)}, {.timeout_s = 60});
    EXPECT_FALSE(r.timed_out) << sig << ": " << r.err;
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "job " + std::to_string(id) + ": sent SIG" + sig + "\n");
    const auto marker = "grep -qx " + word + " " + word + "-marker";
    EXPECT_TRUE(eventually([&] { return sb.as_user(marker).status == 0; })) << sig;
    EXPECT_EQ(reg.job(id)["status"], "running") << sig;
  }
  // KILL alone cannot be caught: kill reports the final status.
  const auto k = reg.ec2dl({"kill", "--signal", "KILL", std::to_string(id)});
  EXPECT_EQ(k.status, 0) << k.err;
  EXPECT_NE(k.out.find("now killed by SIGKILL"), std::string::npos) << k.out;
  EXPECT_EQ(reg.job(id)["signal"], "KILL");
}

TEST(Jobs, ASeparatorRightAfterTheScriptReachesTheScript) {
  Registry reg("script-separator");
  LocalDir local;
  const auto sh = local.write("sep.sh", "printf '%s|' \"$@\"; echo\n");
  const auto py = local.write("sep.py", "import sys\nprint('|'.join(sys.argv[1:]))\n");
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {{sh, "--", "--lr", "1"}, "--|--lr|1|\n"},
           {{sh, "--"}, "--|\n"},
           {{sh, "--", "--"}, "--|--|\n"},
           {{sh, "a", "--", "b"}, "a|--|b|\n"},
           {{sh, "--lr", "--", "1"}, "--lr|--|1|\n"},
           {{py, "--", "-f", "x"}, "--|-f|x\n"},
           {{"--", "sh", "-c", "printf '%s|' \"$@\"; echo", "sh", "--", "x"}, "--|x|\n"}}) {
    auto args = std::vector<std::string>{"run", "-f"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = reg.ec2dl(args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, c.expected);
  }
}

// Points a job's registry at a process that is not the job's: the pid of a live process,
// whose start time differs from the recorded one.
TEST(Jobs, AReusedPidNeverMakesADeadJobLookAlive) {
  Registry reg("pid-reuse");
  auto& sb = sandbox();
  const long id = reg.run_q({"--", "sleep", "600"});
  const auto dir = reg.path + "/jobs/" + std::to_string(id);
  ASSERT_EQ(sb.as_user("kill -KILL $(cat '" + dir + "/wrapper_pid') && kill -KILL $(cat '" + dir +
                       "/pid')")
                .status,
            0);
  ASSERT_TRUE(eventually([&] { return reg.job(id)["status"] == "lost"; }));
  const auto other = sb.as_user("setsid sleep 600 >/dev/null 2>&1 </dev/null & echo $!").out;
  ASSERT_TRUE(alive(other));
  const auto pid = other.substr(0, other.find('\n'));
  // The other process really has another start time than the one recorded.
  const auto start =
      sb.as_user("s=$(cat /proc/" + pid + "/stat); set -- ${s##*) }; echo ${20}").out;
  ASSERT_NE(start, cat(dir + "/pid_start"));
  sb.as_user("echo " + pid + " > '" + dir + "/pid' && echo " + pid + " > '" + dir +
             "/wrapper_pid'");
  EXPECT_EQ(reg.job(id)["status"], "lost");
  EXPECT_EQ(reg.job(id)["pid"], std::stol(pid));
  const auto k = reg.ec2dl({"kill", "--grace", "0", std::to_string(id)});
  EXPECT_EQ(k.status, 1);
  EXPECT_NE(k.err.find("not running"), std::string::npos) << k.err;
  const auto usr1 = reg.ec2dl({"kill", "--signal", "KILL", std::to_string(id)});
  EXPECT_EQ(usr1.status, 1);
  EXPECT_TRUE(alive(other)) << "kill signalled a process that only has the job's old pid";
  EXPECT_EQ(reg.ec2dl({"wait", std::to_string(id)}).status, 1);
  sb.as_user("kill " + pid);
}

// The registry's boot_id is read as its first line (job_lib.sh, read_value) and compared with
// the kernel's; a job launched under another boot is lost, even while a process with its pid
// and start time runs.
TEST(Jobs, AJobFromAnotherBootIsLostEvenWhileItsProcessRuns) {
  Registry reg("boot-id");
  auto& sb = sandbox();
  const long id = reg.run_q({"--", "sleep", "600"});
  ASSERT_TRUE(eventually([&] { return reg.job(id)["status"] == "running"; }));
  const auto pid = std::to_string(reg.job(id)["pid"].get<long>());
  const auto file = reg.job_file(id, "boot_id");
  const auto boot = cat(file);
  ASSERT_EQ(boot, cat("/proc/sys/kernel/random/boot_id"));
  // Another boot's id: the same form, one digit changed.
  std::string other = boot;
  other[0] = other[0] == '0' ? '1' : '0';
  sb.as_user("printf '%s' '" + other + "' > '" + file + "'");
  ASSERT_TRUE(alive(pid));
  const auto job = reg.job(id);
  EXPECT_EQ(job["status"], "lost");
  EXPECT_EQ(reg.ec2dl({"wait", std::to_string(id)}).status, 1);
  const auto k = reg.ec2dl({"kill", std::to_string(id)});
  EXPECT_EQ(k.status, 1);
  EXPECT_TRUE(alive(pid)) << "kill signalled a job of another boot";
  // This boot's id again: running, and kill takes it.
  sb.as_user("printf '%s' '" + boot + "' > '" + file + "'");
  EXPECT_EQ(reg.job(id)["status"], "running");
  EXPECT_EQ(reg.ec2dl({"kill", std::to_string(id)}).status, 0);
  EXPECT_FALSE(alive(pid));
}

TEST(Jobs, TailFollowOfAFileStreamsAppendedLinesUntilInterrupted) {
  auto& sb = sandbox();
  sb.as_user("printf 'old 1\\nold 2\\n' > plain-follow.log");
  BackgroundProcess follower({EC2DL_BINARY, "tail", "-f", "-n", "1", "plain-follow.log"},
                             sb.ec2dl_env());
  ASSERT_TRUE(eventually([&] { return follower.out() == "old 2\n"; })) << follower.out();
  sb.as_user("echo 'new 1' >> plain-follow.log");
  ASSERT_TRUE(eventually([&] { return follower.out() == "old 2\nnew 1\n"; })) << follower.out();
  sb.as_user("echo 'new 2' >> plain-follow.log");
  ASSERT_TRUE(eventually([&] { return follower.out() == "old 2\nnew 1\nnew 2\n"; }))
      << follower.out();
  follower.signal(SIGINT);
  EXPECT_EQ(follower.wait(30), 130) << follower.err();
  EXPECT_EQ(follower.out(), "old 2\nnew 1\nnew 2\n");
}

// A followed log truncated and written again (past the old size, before the next look):
// the first line written afterwards is shown whole.
TEST(Jobs, TailFollowOfATruncatedLogShowsTheFirstLineWrittenAfterwards) {
  auto& sb = sandbox();
  sb.as_user("printf 'old 1\\nold 2\\n' > trunc-follow.log");
  BackgroundProcess follower({EC2DL_BINARY, "tail", "-f", "-n", "2", "trunc-follow.log"},
                             sb.ec2dl_env());
  ASSERT_TRUE(eventually([&] { return follower.out() == "old 1\nold 2\n"; })) << follower.out();
  sb.as_user("printf 'first after truncation\\n' > trunc-follow.log");
  ASSERT_TRUE(eventually([&] { return contains(follower.out(), "first after truncation\n"); }))
      << follower.out();
  sb.as_user("echo 'next' >> trunc-follow.log");
  ASSERT_TRUE(eventually([&] { return contains(follower.out(), "truncation\nnext\n"); }))
      << follower.out();
  follower.signal(SIGINT);
  EXPECT_EQ(follower.wait(30), 130) << follower.err();
  EXPECT_EQ(follower.out(), "old 1\nold 2\nfirst after truncation\nnext\n");
  EXPECT_TRUE(contains(follower.err(), "shrank")) << follower.err();
  sb.as_user("rm -f trunc-follow.log");
}

TEST(Jobs, LogOptionPutsTheLogWhereAskedAndPsAndTailFindIt) {
  Registry reg("log-option");
  auto& sb = sandbox();
  const auto absolute = sb.home() + "/abs-logs/job.log";
  sb.as_user("rm -rf abs-logs log-wd && mkdir log-wd");
  const long a = reg.run_q({"--wait", "--log", absolute, "--", "echo", "absolute"});
  EXPECT_EQ(cat(absolute), "absolute\n");
  EXPECT_EQ(reg.job(a)["log"], absolute);
  EXPECT_EQ(reg.ec2dl({"tail", std::to_string(a)}).out, "absolute\n");
  // Relative: under the working folder; appended to, never truncated.
  const auto relative = sb.home() + "/log-wd/sub/rel.log";
  for (const auto* word : {"one", "two"}) {
    reg.run_q({"--wait", "--workdir", "log-wd", "--log", "sub/rel.log", "--name", "rel", "--",
               "echo", word});
  }
  EXPECT_EQ(cat(relative), "one\ntwo\n");
  EXPECT_EQ(reg.job(a + 2)["log"], relative);
  EXPECT_EQ(reg.ec2dl({"tail", "rel"}).out, "one\ntwo\n");
  const auto table = reg.ec2dl({"ps"});
  EXPECT_NE(table.out.find("rel.log"), std::string::npos) << table.out;
  // tail -f JOB follows that log and ends with the job.
  const auto f = reg.ec2dl({"tail", "-f", "rel"});
  EXPECT_EQ(f.status, 0) << f.err;
  EXPECT_EQ(f.out, "one\ntwo\n");
}

TEST(Jobs, WaitTimeoutExits124AndNamesTheJobsStillRunning) {
  Registry reg("wait-timeout");
  sandbox().as_user("rm -f gate-wait-timeout");
  const long id = reg.run_q(gated("gate-wait-timeout"));
  const long done = reg.run_q({"--wait", "--", "true"});
  const auto r = reg.ec2dl({"wait", "--timeout", "1", std::to_string(done), std::to_string(id)});
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("timed out after 1s; still running: job " + std::to_string(id) + "\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(reg.job(id)["status"], "running");
  sandbox().as_user("touch gate-wait-timeout");
  EXPECT_EQ(reg.ec2dl({"wait", "--timeout", "600", std::to_string(id)}).status, 0);
}

TEST(Jobs, PythonOptionChoosesTheInterpreterOfPyScripts) {
  Registry reg("python-option");
  LocalDir local;
  auto& sb = sandbox();
  const auto py = local.write("interp.py", "print('not run by python')\n");
  const auto interpreter = sb.home() + "/fake-python";
  sb.as_user("rm -rf py-wd && mkdir py-wd && printf '#!/bin/sh\\necho \"interpreter: $*\"\\n' > " +
             interpreter + " && chmod +x " + interpreter);
  const auto r =
      reg.ec2dl({"run", "-f", "--workdir", "py-wd", "--python", interpreter + " -X  dev", py, "a"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "interpreter: -X dev interp.py a\n");
  // A missing interpreter is refused before the script is pushed.
  sb.as_user("echo 'server copy' > py-wd/interp.py");
  const auto missing =
      reg.ec2dl({"run", "--workdir", "py-wd", "--python", "no-such-python-xyz", py});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no-such-python-xyz: command not found"), std::string::npos)
      << missing.err;
  EXPECT_EQ(cat(sb.home() + "/py-wd/interp.py"), "server copy\n");
}

TEST(Jobs, PsLastShowsOnlyTheNewestJobs) {
  Registry reg("ps-last");
  for (int i = 0; i < 4; ++i) {
    reg.run_q({"--wait", "--", "true"});
  }
  const auto doc = reg.ps_json({"-n", "2"});
  ASSERT_EQ(doc["jobs"].size(), 2u) << doc.dump();
  EXPECT_EQ(doc["jobs"][0]["id"], 3);
  EXPECT_EQ(doc["jobs"][1]["id"], 4);
  const auto table = reg.ec2dl({"ps", "--last", "1"});
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 2) << table.out;  // head, job
  EXPECT_EQ(reg.ec2dl({"ps", "-n", "0"}).status, 2);
}

TEST(Jobs, PsAllListsPythonEntryPointsAndNotEc2dlsOwnProcesses) {
  Registry reg("psall-entry");
  auto& sb = sandbox();
  // An entry point as pip installs it (torchrun, accelerate, deepspeed, jupyter): a script
  // whose #! line names the interpreter, so the process is named after the script.
  const auto python = sb.as_user("command -v python3").out;
  ASSERT_FALSE(python.empty());
  sb.as_user("mkdir -p entry-bin && printf '#!%s\\nimport time\\ntime.sleep(600)\\n' '" +
             python.substr(0, python.size() - 1) + "' > entry-bin/torchrun && chmod +x " +
             "entry-bin/torchrun");
  const auto entry =
      sb.as_user("setsid ./entry-bin/torchrun --nproc 2 >/dev/null 2>&1 </dev/null & echo $!").out;
  ASSERT_TRUE(eventually([&] {
    return sb.as_user("grep -q torchrun /proc/" + entry.substr(0, entry.size() - 1) + "/comm")
               .status == 0;
  }));
  // A job whose folder names python: its supervisor's command line holds the word.
  sb.as_user("mkdir -p python-wd");
  const long id = reg.run_q({"--workdir", "python-wd", "--", "sleep", "600"});
  const auto wrapper = cat(reg.job_file(id, "wrapper_pid"));
  // A follow of a log whose path names python: ec2dl's script on the server holds the word.
  sb.as_user("echo x > python-follow.log");
  BackgroundProcess follower({EC2DL_BINARY, "tail", "-f", "python-follow.log"}, sb.ec2dl_env());
  ASSERT_TRUE(eventually([&] { return follower.out() == "x\n"; }));

  const auto doc = reg.ps_json({"--all"});
  std::set<long> pids;
  for (const auto& p : doc["processes"]) {
    pids.insert(p["pid"].get<long>());
    const auto command = p["command"].get<std::string>();
    if (command.starts_with(EC2DL_BINARY)) {
      continue;  // the client itself: here it runs on the server's machine
    }
    EXPECT_EQ(command.find("/bin/sh -c #"), std::string::npos) << command;
    EXPECT_EQ(command.find("python-follow.log"), std::string::npos) << command;
    EXPECT_EQ(command.find("wrapper.sh"), std::string::npos) << command;
  }
  EXPECT_TRUE(pids.contains(std::stol(entry))) << doc.dump();
  EXPECT_FALSE(pids.contains(std::stol(wrapper))) << doc.dump();
  const auto table = reg.ec2dl({"ps", "--all"});
  EXPECT_NE(table.out.find("entry-bin/torchrun --nproc 2"), std::string::npos) << table.out;
  follower.signal(SIGINT);
  follower.wait(30);
  EXPECT_EQ(reg.ec2dl({"kill", std::to_string(id)}).status, 0);
  sb.as_user("kill " + entry);
}

}  // namespace
}  // namespace ec2dl::test

namespace ec2dl::test {
namespace {

TEST(Jobs, EnvOptionsRightBeforeTheSeparatorKeepIt) {
  Registry reg("env-separator");
  const long id = reg.run_q({"--env", "A=1", "--env", "B=two words", "--", "sh", "-c",
                             "printf '%s|%s\\n' \"$A\" \"$B\""});
  ASSERT_GT(id, 0);
  EXPECT_EQ(reg.ec2dl({"wait", std::to_string(id)}).status, 0);
  EXPECT_EQ(cat(reg.job(id)["log"]), "1|two words\n");
}

TEST(Jobs, PsWatchWithoutAValueKeepsDrawingFrames) {
  Registry reg("ps-watch");
  reg.run_q({"--", "true"});
  // Piped: a frame per interval (2 s by default), each after a timestamp line.
  BackgroundProcess watch({EC2DL_BINARY, "ps", "--watch"}, sandbox().ec2dl_env(reg.env()));
  ASSERT_TRUE(eventually(
      [&] {
        const auto out = watch.out();
        return out.find("--- ") != out.rfind("--- ") && out.rfind("--- ") != std::string::npos;
      },
      30))
      << watch.out() << watch.err();
  watch.signal(SIGTERM);
  EXPECT_EQ(watch.wait(30), 130) << watch.err();  // SIGTERM: interrupted
  // With --json every frame is one JSON document on one line, nothing else.
  BackgroundProcess json({EC2DL_BINARY, "--json", "ps", "--watch", "0.2"},
                         sandbox().ec2dl_env(reg.env()));
  ASSERT_TRUE(eventually(
      [&] {
        const auto text = json.out();
        return std::count(text.begin(), text.end(), '\n') >= 3;
      },
      30));
  json.signal(SIGTERM);
  json.wait(30);
  const auto out = json.out();
  std::size_t pos = 0;
  int docs = 0;
  while (pos < out.size()) {
    const auto end = out.find('\n', pos);
    if (end == std::string::npos) {
      break;  // a line cut by the signal
    }
    const auto doc = nlohmann::json::parse(out.substr(pos, end - pos), nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << out.substr(pos, end - pos);
    EXPECT_TRUE(doc.contains("jobs"));
    ++docs;
    pos = end + 1;
  }
  EXPECT_GE(docs, 3);
}

// The follow-up command `run` prints repeats the server options it was given, shell-quoted:
// pasted into a shell without EC2DL_HOST, it reaches the same server and registry, and
// nothing in a hostile alias or path runs.
TEST(Jobs, ThePrintedFollowCommandWorksWhenPasted) {
  LocalDir local;
  const std::string dir = local.path + "/it's a $(touch pwned) dir";
  std::filesystem::create_directories(dir);
  const std::string alias = "gpu(1){a,b}!x";  // sh would choke on it unquoted
  auto config = read_text(sandbox().ssh_config());
  config.replace(config.find("Host sandbox\n"), 13, "Host " + alias + "\n");
  write_text(dir + "/config", config);
  RunOptions o;
  o.unset = {"EC2DL_HOST"};
  o.cwd = local.path;
  const auto started =
      sandbox().ec2dl({"-F", dir + "/config", "-H", alias, "-p", std::to_string(sandbox().port()),
                       "--remote-dir", "~/reg-paste dir", "run", "--", "echo", "pasted-ok"},
                      o);
  ASSERT_EQ(started.status, 0) << started.err;
  const std::string lead = "ec2dl: follow it with: ";
  const auto at = started.err.find(lead);
  ASSERT_NE(at, std::string::npos) << started.err;
  const auto end = started.err.find('\n', at);
  const auto line = started.err.substr(at + lead.size(), end - at - lead.size());
  EXPECT_TRUE(contains(line, "tail -f")) << line;

  const std::string bin = EC2DL_BINARY;
  o.env["PATH"] = bin.substr(0, bin.rfind('/')) + ":/usr/bin:/bin";
  const auto pasted = run_process({"/bin/sh", "-c", line}, sandbox().ec2dl_env(o));
  EXPECT_EQ(pasted.status, 0) << line << "\n" << pasted.err;
  EXPECT_TRUE(contains(pasted.out, "pasted-ok")) << pasted.out;
  EXPECT_FALSE(std::filesystem::exists(local.path + "/pwned"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/pwned"));
}

// An unquoted ~ reaches ec2dl as the local home: a --workdir or --python under it that the
// server lacks fails before anything starts, with the hint to quote it.
// `run a/main.py` and `run b/main.py` keep their relative paths on the server: neither
// overwrites the other, each imports its own sibling module, and ps shows where each ran.
// A path above the current folder keeps only its file name.
TEST(Jobs, ScriptsOfTheSameNameFromDifferentFoldersKeepTheirPaths) {
  const Registry reg("relpath");
  LocalDir local;
  std::filesystem::create_directories(local.path + "/proj/a");
  std::filesystem::create_directories(local.path + "/proj/b");
  local.write("proj/a/main.py", "import helper\nprint('a', helper.X)\n");
  local.write("proj/a/helper.py", "X = 'from a'\n");
  local.write("proj/b/main.py", "print('b')\n");
  local.write("up.sh", "echo up\n");
  sandbox().as_user(
      "rm -rf rel-wd && mkdir -p rel-wd/a && echo \"X = 'server a'\" > rel-wd/a/helper.py");
  RunOptions in_proj;
  in_proj.cwd = local.path + "/proj";
  const auto a = reg.ec2dl({"run", "-q", "--wait", "--workdir", "rel-wd", "./a/main.py"}, in_proj);
  ASSERT_EQ(a.status, 0) << a.err;
  const auto b = reg.ec2dl({"run", "-q", "--wait", "--workdir", "rel-wd", "b//main.py"}, in_proj);
  ASSERT_EQ(b.status, 0) << b.err;
  const auto up = reg.ec2dl({"run", "-q", "--wait", "--workdir", "rel-wd", "../up.sh"}, in_proj);
  ASSERT_EQ(up.status, 0) << up.err;
  const auto home = sandbox().home();
  EXPECT_EQ(cat(home + "/rel-wd/a/main.py"), "import helper\nprint('a', helper.X)\n");
  EXPECT_EQ(cat(home + "/rel-wd/b/main.py"), "print('b')\n");
  EXPECT_EQ(cat(home + "/rel-wd/up.sh"), "echo up\n");
  const auto jobs = reg.ps_json()["jobs"];
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(reg.ec2dl({"tail", jobs[0]["id"].dump()}).out, "a server a\n");
  EXPECT_EQ(reg.ec2dl({"tail", jobs[1]["id"].dump()}).out, "b\n");
  EXPECT_EQ(reg.ec2dl({"tail", jobs[2]["id"].dump()}).out, "up\n");
  EXPECT_TRUE(contains(jobs[0]["command"].get<std::string>(), "a/main.py")) << jobs[0];
  EXPECT_TRUE(contains(jobs[1]["command"].get<std::string>(), "b/main.py")) << jobs[1];
  for (const auto& job : jobs) {
    EXPECT_EQ(job["workdir"], home + "/rel-wd") << job;
  }
  const auto table = reg.ec2dl({"ps"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(contains(table.out, " DIR ")) << table.out;
  EXPECT_EQ(count(table.out, "~/rel-wd"), 3u) << table.out;
  sandbox().as_user("rm -rf rel-wd");
}

// An ended job's record is kept (DIR/listing.v1) and sent again by later listings; a file of
// the job rewritten since makes it again. `ps -n N` and `tail` without a JOB read only the
// newest folders (by number, not by name: 10 is newer than 9).
TEST(Jobs, KeptRecordsOfEndedJobsFollowTheirFilesAndNewestIsByNumber) {
  const Registry reg("kept");
  for (int i = 1; i <= 11; ++i) {
    ASSERT_EQ(reg.run_q({"--name", "k" + std::to_string(i), "--", "echo", std::to_string(i)}), i);
  }
  const auto w = reg.ec2dl({"wait", "11"});
  ASSERT_EQ(w.status, 0) << w.err;
  ASSERT_EQ(reg.ec2dl({"wait", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}).status, 0);
  const auto first = reg.ps_json();
  ASSERT_EQ(first["jobs"].size(), 11u);
  EXPECT_EQ(sandbox().as_user("test -f " + reg.path + "/jobs/9/listing.v1 && echo kept").out,
            "kept\n");
  // Rewritten after the record was kept (the same second included): the listing shows it.
  sandbox().as_user("printf renamed > " + reg.path + "/jobs/9/name");
  const auto after = reg.job(9);
  EXPECT_EQ(after["name"], "renamed") << after;
  EXPECT_EQ(after["status"], "succeeded") << after;
  sandbox().as_user("sleep 1.1; printf again > " + reg.path + "/jobs/9/name");
  EXPECT_EQ(reg.job(9)["name"], "again");
  EXPECT_EQ(reg.job(9)["name"], "again");  // from the record made by the listing before
  const auto newest = reg.ps_json({"-n", "2"})["jobs"];
  ASSERT_EQ(newest.size(), 2u) << newest;
  EXPECT_EQ(newest[0]["id"], 10);
  EXPECT_EQ(newest[1]["id"], 11);
  const auto tail = reg.ec2dl({"tail"});
  ASSERT_EQ(tail.status, 0) << tail.err;
  EXPECT_EQ(tail.out, "11\n");
  EXPECT_EQ(sandbox().as_user("ls -a " + reg.path + "/jobs/9 | grep -c '^\\.listing' || true").out,
            "0\n");
}

TEST(Jobs, AWorkdirOrPythonExpandedByTheLocalShellGetsTheQuotingHint) {
  const Registry reg("tilde");
  LocalDir local;
  const auto script = local.write("x.py", "print('hi')\n");
  const auto home = sandbox().client_home();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"run", "--workdir", home + "/proj", "--", "true"},
           {"run", "--python", home + "/venv/bin/python", script}}) {
    SCOPED_TRACE(args[1]);
    const auto r = reg.ec2dl(args);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "your shell turned ~ into your local home folder")) << r.err;
    EXPECT_TRUE(contains(r.err, "'~/...'")) << r.err;
  }
  EXPECT_EQ(reg.ps_json()["jobs"].size(), 0u);
}

// A job stopped with kill --signal STOP is shown as stopped (table and JSON), and as running
// again once continued.
TEST(Jobs, AStoppedJobIsShownAsStopped) {
  Registry reg("stopped");
  const long id = reg.run_q({"--", "sleep", "600"});
  const auto sid = std::to_string(id);
  ASSERT_EQ(reg.ec2dl({"kill", "--signal", "STOP", sid}).status, 0);
  EXPECT_TRUE(eventually([&] { return reg.job(id)["status"] == "stopped"; })) << reg.job(id).dump();
  const auto table = reg.ec2dl({"ps"});
  EXPECT_TRUE(contains(table.out, "stopped")) << table.out;
  ASSERT_EQ(reg.ec2dl({"kill", "--signal", "CONT", sid}).status, 0);
  EXPECT_TRUE(eventually([&] { return reg.job(id)["status"] == "running"; })) << reg.job(id).dump();
  EXPECT_EQ(reg.ec2dl({"kill", sid}).status, 0);
}

}  // namespace
}  // namespace ec2dl::test
