// Helpers shared by the monitoring integration tests (monitor_*_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ec2dl/remote/quote.hpp"
#include "support/process.hpp"
#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {

inline nlohmann::json parse_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << text.substr(0, 500);
  return j;
}

// What happened to a command run on a terminal (a pty made by script(1)).
struct PtyRun {
  std::string screen;  // every byte the command wrote to the terminal
  std::string before;  // `stty -g` before the command
  std::string after;   // `stty -g` after it
  std::string status;  // the command's exit status
};

// When run_in_pty acts: once the terminal has shown `text` `times` times (by default two
// frames drawn from the top of the screen), or after 60 s.
struct PtyCue {
  std::string text = "\x1b[H";
  std::size_t times = 2;
};

// Runs `ec2dl ARGS` on a pseudo-terminal of 120x40 (through script(1)). When `cue` has been
// shown, `keys` are typed (a "\x03" is Ctrl-C) and then, if `sig` is not 0, that signal is
// sent to ec2dl. `wrapper` goes before the command (e.g. "env NO_COLOR=1").
inline PtyRun run_in_pty(const std::vector<std::string>& args, const std::string& keys,
                         const PtyCue& cue = {}, int sig = 0, const std::string& wrapper = "") {
  char dir_tmpl[] = "/tmp/ec2dl-pty-XXXXXX";
  const std::string dir = ::mkdtemp(dir_tmpl);
  // The shell in front of ec2dl records its pid, then becomes ec2dl.
  std::string cmd = "sh -c 'echo $$ >\"$0\"; exec \"$@\"' " + dir + "/pid " + wrapper + " " +
                    remote::shell_quote(EC2DL_BINARY);
  for (const auto& a : args) {
    cmd += " " + remote::shell_quote(a);
  }
  const std::string inner = "stty cols 120 rows 40; stty -g > " + dir + "/before; " + cmd +
                            "; echo $? > " + dir + "/status; stty -g > " + dir + "/after";
  std::string keys_printf;
  for (const char c : keys) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned char>(c));
    keys_printf += octal;
  }
  // The terminal's input stays open (fd 3 on a fifo) until the command has ended; the keys
  // go in once the test has seen its cue and made the file "go".
  const std::string outer = "mkfifo " + dir + "/in; script -qfec " + remote::shell_quote(inner) +
                            " " + dir + "/typescript <" + dir + "/in >/dev/null & s=$!; exec 3>" +
                            dir + "/in; until [ -e " + dir +
                            "/go ]; do sleep 0.05; done; printf '" + keys_printf + "' >&3; wait $s";
  RunOptions options = sandbox().ec2dl_env();
  options.env["TERM"] = "xterm";
  BackgroundProcess shell({"/bin/sh", "-c", outer}, options);
  const auto typescript = dir + "/typescript";
  EXPECT_TRUE(eventually([&] { return count(read_text(typescript), cue.text) >= cue.times; }))
      << "the terminal never showed the cue:\n"
      << read_text(typescript).substr(0, 2000);
  if (sig != 0) {
    const auto pid = std::atoi(read_text(dir + "/pid").c_str());
    EXPECT_GT(pid, 0);
    if (pid > 0) {
      ::kill(pid, sig);
    }
  }
  write_text(dir + "/go", "");
  EXPECT_TRUE(shell.wait(60).has_value()) << "the command did not end";
  PtyRun r;
  r.screen = read_text(typescript);
  r.before = read_text(dir + "/before");
  r.after = read_text(dir + "/after");
  r.status = read_text(dir + "/status");
  run_process({"rm", "-rf", dir});
  return r;
}

// Waits (up to 30 s) until the sh CONDITION holds on the server, as the test user.
inline bool wait_on_server(const std::string& condition) {
  const auto r = sandbox().as_user("i=0; until " + condition +
                                   "; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ] || exit 1; done");
  EXPECT_EQ(r.status, 0) << "never true on the server: " << condition;
  return r.status == 0;
}

// True on the server once process PID (a number, or a shell expression like "$p") has N
// threads.
inline std::string has_threads(const std::string& pid, int n) {
  return "grep -q '^Threads:[[:space:]]*" + std::to_string(n) + "$' /proc/" + pid +
         "/status 2>/dev/null";
}

// A job started with `ec2dl run`.
struct StartedJob {
  long long id = 0;
  long long pid = 0;  // the job's process: the leader of its session
};

// `ec2dl [GLOBAL...] run --json RUN_ARGS...` (options, then "--" CMD ARG...).
inline StartedJob run_job(const std::vector<std::string>& run_args,
                          const std::vector<std::string>& global = {}) {
  std::vector<std::string> args = global;
  args.insert(args.end(), {"run", "--json"});
  args.insert(args.end(), run_args.begin(), run_args.end());
  const auto r = sandbox().ec2dl(args);
  EXPECT_EQ(r.status, 0) << r.err;
  const auto j = parse_json(r.out);
  StartedJob job;
  if (j.is_object() && j["id"].is_number() && j["pid"].is_number()) {
    job.id = j["id"];
    job.pid = j["pid"];
  }
  EXPECT_GT(job.pid, 0) << r.out;
  return job;
}

// Ends a job's processes (its session's process group) on the server.
inline void stop_job(const StartedJob& job) {
  sandbox().as_user("kill -- -" + std::to_string(job.pid) + " 2>/dev/null; true");
}

}  // namespace ec2dl::test
