#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace ec2dl::test {

// A running sandbox server (scripts/sandbox.sh): a real sshd on 127.0.0.1 with two test
// users (login shells dash and bash) and the stand-in nvidia-smi.
struct SandboxOptions {
  std::string gpu_state = "4x-h100";
  bool netns = false;  // the server in its own network namespace (for the fault tests)
};

class Sandbox {
 public:
  // Starts a sandbox in a fresh temporary folder; throws when it cannot.
  explicit Sandbox(const SandboxOptions& options = {});
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();

  std::string var(const std::string& name) const;  // a SANDBOX_* variable
  std::string dir() const { return var("SANDBOX_DIR"); }
  int port() const;
  std::string user() const { return var("SANDBOX_USER"); }
  std::string user_bash() const { return var("SANDBOX_USER_BASH"); }
  std::string home() const { return var("SANDBOX_HOME"); }
  std::string home_bash() const { return var("SANDBOX_HOME_BASH"); }
  std::string key() const { return var("SANDBOX_KEY"); }
  std::string known_hosts() const { return var("SANDBOX_KNOWN_HOSTS"); }
  std::string ssh_config() const { return var("SANDBOX_SSH_CONFIG"); }
  std::string client_home() const { return var("SANDBOX_CLIENT_HOME"); }
  std::string gpu_state() const { return var("SANDBOX_GPU_STATE"); }
  std::string sshd_log() const;

  // Runs the ec2dl binary with HOME set to the client home (whose ~/.ssh/config has the
  // aliases "sandbox" and "sandbox-bash"), EC2DL_HOST=sandbox, and no ssh-agent.
  ProcessResult ec2dl(const std::vector<std::string>& args, RunOptions options = {}) const;
  // The environment ec2dl() uses, for BackgroundProcess.
  RunOptions ec2dl_env(RunOptions options = {}) const;

  // Runs an sh script on the server machine as the test user (directly, not through ec2dl),
  // in the user's home: to prepare files and check what a command left behind.
  ProcessResult as_user(const std::string& script, bool bash_user = false,
                        int timeout_s = 60) const;

  // Runs `scripts/sandbox.sh ACTION [ARG]` on this sandbox: "link" "down"/"up", "loss" "1",
  // "restart-sshd", "reboot", "impostor". Throws when it fails.
  void control(const std::string& action, const std::string& arg = {}) const;

  // Replaces the GPU state the stand-in nvidia-smi reads with a recorded one (a folder of
  // tests/fake-gpu/states); `live` adds the marker that reports launched jobs.
  void set_gpu_state(const std::string& state, bool live = true) const;

 private:
  std::map<std::string, std::string> m_vars;
};

// The sandbox shared by every test of an integration binary (started before the first test,
// stopped after the last; its sshd.log is printed when a test fails).
Sandbox& sandbox();

}  // namespace ec2dl::test
