#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ec2dl::test {

struct ProcessResult {
  int status = -1;  // exit status, or 128+N when killed by signal N
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // set (overrides the inherited environment)
  std::vector<std::string> unset;          // removed from the environment
  std::optional<std::string> input;        // fed to stdin; without it stdin is /dev/null
  int timeout_s = 120;                     // then the process group is killed: a failed test
  std::string cwd;
  int stdin_fd = -1;  // use this fd as stdin instead (not closed)
};

// Runs argv in a new session (no controlling terminal), collecting stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// A process started in the background (new session, output to files); killed on destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const RunOptions& options = {});
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();

  int pid() const { return m_pid; }
  // Sends `sig` to the whole process group.
  void signal(int sig);
  // Waits up to timeout_s; returns the status or nullopt on timeout.
  std::optional<int> wait(int timeout_s);
  std::string out() const;
  std::string err() const;

 private:
  int m_pid = -1;
  std::string m_out_path;
  std::string m_err_path;
  bool m_reaped = false;
  int m_status = -1;
};

// Polls `done` every 100 ms until it holds or `seconds` pass (then asks once more): tests
// wait on events, never on durations.
bool eventually(const std::function<bool()>& done, int seconds = 60);

// The peak resident memory (KiB) that GNU time wrote with `-f %M -o PATH`, then removes
// PATH; -1 when it wrote nothing.
long gnu_time_max_rss_kib(const std::string& path);

// Reads a whole file ("" when missing).
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

}  // namespace ec2dl::test
