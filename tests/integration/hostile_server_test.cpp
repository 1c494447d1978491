// A server that sends garbage: terminal escape sequences in job names, commands and logs,
// huge registry files, registry files full of random bytes, and nvidia-smi output that is
// not CSV. ec2dl must stay in control of the workstation's terminal (tables strip control
// characters; only `tail --raw` passes bytes), keep its memory bounded, and say clearly what
// it could not read, never crash or hang.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "ec2dl/util/strings.hpp"
#include "monitor_support.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

constexpr char k_esc = '\x1b';

bool has_escape(const std::string& text) {
  return text.find(k_esc) != std::string::npos;
}

// Peak resident memory (KiB) of one ec2dl run, measured by GNU time.
struct Measured {
  ProcessResult result;
  long max_rss_kib = -1;
};
Measured measured(const std::vector<std::string>& args, const std::string& remote_dir) {
  const std::string stats = "/tmp/ec2dl-hostile-rss-" + std::to_string(::getpid());
  std::vector<std::string> argv = {"/usr/bin/time", "-f", "%M", "-o", stats, EC2DL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions o = sandbox().ec2dl_env();
  o.env["EC2DL_REMOTE_DIR"] = remote_dir;
  o.timeout_s = 180;
  // Under AddressSanitizer freed memory is held back (quarantine, 256 MB by default) before
  // reuse, which would look like growth: keep that small so the comparison is about ec2dl.
  if (const char* asan = std::getenv("ASAN_OPTIONS"); asan != nullptr) {
    o.env["ASAN_OPTIONS"] = std::string(asan) + ":quarantine_size_mb=4";
  }
  Measured m;
  m.result = run_process(argv, o);
  m.max_rss_kib = gnu_time_max_rss_kib(stats);
  return m;
}

// A registry with one job folder written by hand, `files` holding what each file contains.
void make_job(const std::string& registry, int id,
              const std::vector<std::pair<std::string, std::string>>& files) {
  const auto dir = sandbox().home() + "/" + registry + "/jobs/" + std::to_string(id);
  sandbox().as_user("mkdir -p '" + dir + "'");
  for (const auto& [name, contents] : files) {
    write_text(dir + "/" + name, contents);
  }
  run_process({"chown", "-R", sandbox().user() + ":", sandbox().home() + "/" + registry});
}

TEST(HostileServer, EscapeSequencesInNamesCommandsAndLogsNeverReachTheTerminal) {
  auto& sb = sandbox();
  const std::string evil =
      "\x1b]0;owned\x07\x1b[2J\x1b[31mred\x9b"
      "1m";
  // A command word and a log full of escapes, through ec2dl itself.
  auto run = sb.ec2dl({"run", "-q", "--wait", "--", "printf", "%s\\n", evil, "plain"});
  ASSERT_EQ(run.status, 0) << run.err;
  // A name with escapes can only come from the server side: ec2dl refuses to write one.
  auto refused = sb.ec2dl({"run", "--name", evil, "--", "true"});
  EXPECT_EQ(refused.status, 2);
  EXPECT_FALSE(has_escape(refused.err)) << refused.err;
  sb.as_user("printf '%s' '" + evil + "' > .ec2dl/jobs/1/name");

  auto table = sb.ec2dl({"ps"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_FALSE(has_escape(table.out)) << table.out;
  EXPECT_NE(table.out.find("red"), std::string::npos);  // the text is shown, made inert

  auto json = sb.ec2dl({"--json", "ps"});
  ASSERT_EQ(json.status, 0);
  EXPECT_FALSE(has_escape(json.out));  // JSON escapes it as \u001b
  const auto doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << json.out;

  auto tail = sb.ec2dl({"tail", "1"});
  ASSERT_EQ(tail.status, 0) << tail.err;
  EXPECT_FALSE(has_escape(tail.out)) << tail.out;
  EXPECT_NE(tail.out.find("red"), std::string::npos);
  EXPECT_NE(tail.out.find("plain\n"), std::string::npos);
  auto raw = sb.ec2dl({"tail", "--raw", "1"});
  EXPECT_TRUE(has_escape(raw.out));  // --raw alone passes the bytes

  for (const char* cmd : {"gpu", "top"}) {
    auto r = sb.ec2dl({cmd});
    EXPECT_EQ(r.status, 0) << cmd << r.err;
    EXPECT_FALSE(has_escape(r.out)) << cmd;
  }
  auto wait = sb.ec2dl({"wait", evil + "x"});  // an unknown JOB echoed back in the error
  EXPECT_EQ(wait.status, 1);
  EXPECT_FALSE(has_escape(wait.err)) << wait.err;
}

TEST(HostileServer, HugeRegistryFilesKeepMemoryBounded) {
  auto& sb = sandbox();
  // 200 MB in the name, command and log fields of a job folder, with no newline anywhere.
  const std::string reg = "reg-huge";
  make_job(reg, 1, {{"pid", "1\n"}, {"started", "1700000000\n"}, {"exit", "status 0\n"}});
  const auto dir = sb.home() + "/" + reg + "/jobs/1";
  ASSERT_EQ(run_process({"sh", "-c",
                         "head -c 200000000 /dev/zero | tr '\\0' x > '" + dir + "/name' && cp '" +
                             dir + "/name' '" + dir + "/command' && cp '" + dir + "/name' '" + dir +
                             "/workdir' && chown -R " + sb.user() + ": '" + dir + "'"})
                .status,
            0);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"ps"}, {"--json", "ps"}, {"gpu"}, {"top"}}) {
    const auto m = measured(args, "~/" + reg);
    EXPECT_EQ(m.result.status, 0) << args.back() << ": " << m.result.err;
    // Reading the files whole would take 200 MB or more.
    EXPECT_GT(m.max_rss_kib, 0);
    EXPECT_LT(m.max_rss_kib, 120 * 1024) << args.back();
  }
  sb.as_user("rm -rf " + reg);
}

TEST(HostileServer, RegistryFilesOfRandomBytesAreReportedNotTrusted) {
  auto& sb = sandbox();
  const std::string reg = "reg-garbage";
  std::string noise;
  for (int i = 0; i < 4096; ++i) {
    noise += static_cast<char>((i * 7919 + 13) % 256);
  }
  make_job(reg, 1,
           {{"pid", noise},
            {"pid_start", noise},
            {"started", noise},
            {"exit", noise},
            {"boot_id", noise},
            {"gpus", noise},
            {"log", noise},
            {"name", noise}});
  make_job(reg, 2, {{"exit", "status 999999999999999999999\nended -5\n"}, {"pid", "-1\n"}});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"ps"}, {"--json", "ps"}, {"gpu"}, {"top"}, {"wait", "1"}, {"tail", "1"}}) {
    RunOptions o;
    o.env["EC2DL_REMOTE_DIR"] = "~/" + reg;
    const auto r = sb.ec2dl(args, o);
    EXPECT_TRUE(r.status == 0 || r.status == 1) << args.back() << ": " << r.status << r.err;
    EXPECT_FALSE(has_escape(r.out)) << args.back();
    if (r.status != 0) {
      EXPECT_EQ(r.err.rfind("ec2dl: error: ", 0), 0u) << args.back() << ": " << r.err;
    }
  }
  RunOptions o;
  o.env["EC2DL_REMOTE_DIR"] = "~/" + reg;
  const auto listing = sb.ec2dl({"--json", "ps"}, o);
  const auto doc = nlohmann::json::parse(listing.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << listing.out;
  for (const auto& job : doc["jobs"]) {
    EXPECT_NE(job["status"], "running") << job.dump();  // nothing there is a live job
  }
  sb.as_user("rm -rf " + reg);
}

TEST(HostileServer, NvidiaSmiGarbageIsAClearErrorOrUnknownValues) {
  auto& sb = sandbox();
  const auto state = sb.gpu_state();
  std::string noise = "index, uuid, name\n";
  for (int i = 0; i < 2000; ++i) {
    noise += static_cast<char>((i * 104729 + 7) % 256);
  }
  write_text(state + "/gpus.csv", noise);
  write_text(state + "/apps.csv", noise);
  const auto r = sb.ec2dl({"gpu"});
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r.status << r.err;
  EXPECT_FALSE(has_escape(r.out));
  EXPECT_FALSE(has_escape(r.err));
  const auto j = sb.ec2dl({"--json", "gpu"});
  if (j.status == 0) {
    EXPECT_FALSE(nlohmann::json::parse(j.out, nullptr, false).is_discarded()) << j.out;
  } else {
    EXPECT_EQ(j.err.rfind("ec2dl: error: ", 0), 0u) << j.err;
  }
  // --gpu auto refuses to guess from it.
  const auto run = sb.ec2dl({"run", "--gpu", "auto", "--", "true"});
  EXPECT_EQ(run.status, 1) << run.err;
  sb.set_gpu_state("4x-h100");
}

// nvidia-smi listing the same GPUs and processes over and over: `run --gpu auto`, `gpu` and
// `gpu --json` take time and memory linear in the output and bounded (compared with a normal
// answer, as the exec memory test does), and say in one short line what is wrong.
TEST(HostileServer, RepeatedNvidiaSmiRowsKeepTimeAndMemoryBounded) {
  auto& sb = sandbox();
  const auto state = sb.gpu_state();
  const auto gpus = read_text(state + "/gpus.csv");
  const auto apps = read_text(state + "/apps.csv");
  ASSERT_FALSE(gpus.empty());
  const std::vector<std::vector<std::string>> commands = {
      {"run", "--gpu", "auto", "--", "true"}, {"gpu"}, {"--json", "gpu"}};
  std::vector<long> baseline;
  for (const auto& args : commands) {
    const auto m = measured(args, "~/reg-dup");
    EXPECT_EQ(m.result.status, 0) << m.result.err;
    baseline.push_back(m.max_rss_kib);
  }
  // The header once, then the rows again and again up to `bytes`.
  auto repeated = [](const std::string& csv, std::size_t bytes) {
    const auto nl = csv.find('\n');
    const auto rows = csv.substr(nl + 1);
    std::string out = csv.substr(0, nl + 1);
    while (out.size() < bytes) {
      out += rows;
    }
    return out;
  };
  for (const std::size_t bytes : {std::size_t{700} << 10, std::size_t{10} << 20}) {
    SCOPED_TRACE(std::to_string(bytes) + " bytes");
    write_text(state + "/gpus.csv", repeated(gpus, bytes));
    write_text(state + "/apps.csv", repeated(apps, bytes));
    for (std::size_t c = 0; c < commands.size(); ++c) {
      const auto& args = commands[c];
      SCOPED_TRACE(args.back());
      const auto m = measured(args, "~/reg-dup");
      EXPECT_EQ(m.result.status, 1) << m.result.err.substr(0, 2000);
      EXPECT_EQ(m.result.err.rfind("ec2dl: error: ", 0), 0u) << m.result.err.substr(0, 2000);
      EXPECT_LT(m.result.err.size(), 1024u) << m.result.err.substr(0, 2000);
      EXPECT_FALSE(m.result.timed_out);
      ASSERT_GT(m.max_rss_kib, 0);
      // The 64 MiB bar is ec2dl's own; under AddressSanitizer its shadow memory alone is
      // most of that (the baseline is about 55 MiB there), so the sanitizer pass checks
      // the growth over the baseline only, and the plain pass checks both.
      if (std::getenv("ASAN_OPTIONS") == nullptr) {
        EXPECT_LT(m.max_rss_kib, 64 * 1024) << "baseline " << baseline[c] << " KiB";
      }
      EXPECT_LT(m.max_rss_kib, baseline[c] + 40 * 1024) << "baseline " << baseline[c] << " KiB";
    }
  }
  sb.set_gpu_state("4x-h100");
  sb.as_user("rm -rf reg-dup");
}

// nvidia-smi succeeding with a warning on stderr (drivers print them): the CSV on stdout is
// still what counts.
TEST(HostileServer, NvidiaSmiWarningsOnStderrAreNotReadAsCsv) {
  auto& sb = sandbox();
  const auto smi = sb.var("SANDBOX_FAKE_GPU") + "/nvidia-smi";
  ASSERT_EQ(::rename(smi.c_str(), (smi + ".real").c_str()), 0);
  write_text(smi,
             "#!/bin/sh\necho 'WARNING: infoROM is corrupted at gpu 0000:00:1E.0' >&2\n"
             "exec \"$0.real\" \"$@\"\n");
  ::chmod(smi.c_str(), 0755);
  const auto run = sb.ec2dl({"run", "--gpu", "1", "--wait", "--", "true"});
  const auto gpu = sb.ec2dl({"--json", "gpu"});
  ::rename((smi + ".real").c_str(), smi.c_str());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(gpu.status, 0) << gpu.err;
  EXPECT_EQ(nlohmann::json::parse(gpu.out, nullptr, false)["gpus"].size(), 4u) << gpu.out;
}

// `gpu --raw` on a terminal: nvidia-smi's bytes could retitle the window, write the
// clipboard (OSC 52) or clear the screen; they are made inert as everywhere else. Through a
// pipe the bytes pass unchanged, as `ssh host nvidia-smi` would give them.
TEST(HostileServer, GpuRawOnATerminalMakesControlSequencesInert) {
  auto& sb = sandbox();
  const auto state = sb.gpu_state();
  const std::string evil =
      "\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\xc2\x9b"
      "31mGPU-TABLE\r\n";
  write_text(state + "/table.txt", "Thu Dec  3\n" + evil + "| 0  H100 |\n");
  const auto piped = sb.ec2dl({"gpu", "--raw"});
  ASSERT_EQ(piped.status, 0) << piped.err;
  EXPECT_NE(piped.out.find(evil), std::string::npos) << piped.out;

  const auto pty = run_in_pty({"gpu", "--raw"}, "", {.text = "H100", .times = 1});
  EXPECT_EQ(util::trim(pty.status), "0") << pty.screen;
  EXPECT_NE(pty.screen.find("GPU-TABLE"), std::string::npos) << pty.screen;
  EXPECT_NE(pty.screen.find("| 0  H100 |"), std::string::npos) << pty.screen;
  for (const std::string bad : {"\x1b]", "\x1b[2J", "\xc2\x9b", "\x07"}) {
    EXPECT_EQ(pty.screen.find(bad), std::string::npos) << pty.screen;
  }
  sb.set_gpu_state("4x-h100");
}

// A C1 control (U+009B, a one-character CSI) and the bidi override U+202E: JSON writes both
// as \u escapes; tables and tail replace them; a name holding one is refused at `run`.
TEST(HostileServer, C1AndBidiControlsAreEscapedInJsonAndReplacedOnScreen) {
  auto& sb = sandbox();
  const std::string csi =
      "\xc2\x9b"
      "31m";
  const std::string rlo = "\xe2\x80\xae";
  const auto started = sb.ec2dl({"run", "-q", "--wait", "--name", "evil-c1", "--", "printf",
                                 "%s\\n", "log" + csi + "x" + rlo + "cod.exe"});
  ASSERT_EQ(started.status, 0) << started.err;
  for (const auto& bad : {"a" + rlo + "b", "a" + csi,
                          std::string("a\xe2\x81\xa6"
                                      "b"),
                          std::string("a\xff"
                                      "b")}) {
    const auto refused = sb.ec2dl({"run", "--name", bad, "--", "true"});
    EXPECT_EQ(refused.status, 2) << refused.err;
    EXPECT_EQ(refused.err.find(rlo), std::string::npos) << refused.err;
    EXPECT_EQ(refused.err.find("\xc2\x9b"), std::string::npos) << refused.err;
  }
  // The server can still write such a name itself.
  const auto ps_json = sb.ec2dl({"--json", "ps"});
  ASSERT_EQ(ps_json.status, 0) << ps_json.err;
  const auto id = parse_json(ps_json.out)["jobs"].back()["id"].get<int>();
  sb.as_user("printf 'n%s1%s2' '" + csi + "' '" + rlo + "' > .ec2dl/jobs/" + std::to_string(id) +
             "/name");

  const auto json = sb.ec2dl({"--json", "ps", std::to_string(id)});
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(json.out.find("\xc2\x9b"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find(rlo), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\\u009b"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\\u202e"), std::string::npos) << json.out;
  const auto doc = parse_json(json.out);
  EXPECT_EQ(doc["jobs"][0]["name"], "n" + csi + "1" + rlo + "2");  // the same text, escaped

  const auto table = sb.ec2dl({"ps", std::to_string(id)});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(table.out.find("\xc2\x9b"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find(rlo), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("n?31m1?2"), std::string::npos) << table.out;

  const auto tail = sb.ec2dl({"tail", std::to_string(id)});
  ASSERT_EQ(tail.status, 0) << tail.err;
  EXPECT_EQ(tail.out.find(rlo), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("log?31mx?cod.exe"), std::string::npos) << tail.out;
}

}  // namespace
}  // namespace ec2dl::test
