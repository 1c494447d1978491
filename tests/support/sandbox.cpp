#include "support/sandbox.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "ec2dl/remote/quote.hpp"
#include "support/fixtures.hpp"

namespace ec2dl::test {

Sandbox::Sandbox(const SandboxOptions& sandbox_options) {
  char tmpl[] = "/tmp/ec2dl-sbx-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  const auto script = source_dir() + "/scripts/sandbox.sh";
  RunOptions options;
  options.timeout_s = 120;
  std::vector<std::string> argv = {
      "bash", script, "start", "--dir", tmpl, "--gpu-state", sandbox_options.gpu_state};
  if (sandbox_options.netns) {
    argv.emplace_back("--netns");
  }
  const auto r = run_process(argv, options);
  if (r.status != 0) {
    throw std::runtime_error("sandbox did not start: " + r.err + r.out);
  }
  std::string text = read_text(std::string(tmpl) + "/env");
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    const auto line = text.substr(pos, end - pos);
    const auto eq = line.find('=');
    if (eq != std::string::npos) {
      m_vars[line.substr(0, eq)] = line.substr(eq + 1);
    }
    pos = end + 1;
  }
}

Sandbox::~Sandbox() {
  RunOptions options;
  options.timeout_s = 60;
  run_process({"bash", source_dir() + "/scripts/sandbox.sh", "stop", "--dir", dir()}, options);
}

std::string Sandbox::var(const std::string& name) const {
  const auto it = m_vars.find(name);
  return it == m_vars.end() ? std::string() : it->second;
}

int Sandbox::port() const {
  return std::stoi(var("SANDBOX_PORT"));
}

std::string Sandbox::sshd_log() const {
  return read_text(var("SANDBOX_SSHD_LOG"));
}

RunOptions Sandbox::ec2dl_env(RunOptions options) const {
  auto set_default = [&](const std::string& name, const std::string& value) {
    if (std::find(options.unset.begin(), options.unset.end(), name) == options.unset.end()) {
      options.env.emplace(name, value);
    }
  };
  set_default("HOME", client_home());
  set_default("EC2DL_HOST", "sandbox");
  set_default("LC_ALL", "C.UTF-8");
  for (const char* name : {"SSH_AUTH_SOCK", "EC2DL_REMOTE_DIR", "NO_COLOR", "EDITOR", "VISUAL",
                           "XDG_CONFIG_HOME", "TERM"}) {
    if (!options.env.contains(name)) {
      options.unset.emplace_back(name);
    }
  }
  return options;
}

ProcessResult Sandbox::ec2dl(const std::vector<std::string>& args, RunOptions options) const {
  std::vector<std::string> argv{EC2DL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, ec2dl_env(std::move(options)));
}

ProcessResult Sandbox::as_user(const std::string& script, bool bash_user, int timeout_s) const {
  const auto u = bash_user ? user_bash() : user();
  const auto h = bash_user ? home_bash() : home();
  RunOptions options;
  options.timeout_s = timeout_s;
  options.env["HOME"] = h;
  options.env["PATH"] = var("SANDBOX_FAKE_GPU") + ":/usr/local/bin:/usr/bin:/bin";
  options.env["FAKE_GPU_STATE"] = gpu_state();
  options.cwd = h;
  return run_process({"runuser", "-u", u, "--", "/bin/sh", "-c", script}, options);
}

void Sandbox::control(const std::string& action, const std::string& arg) const {
  std::vector<std::string> argv = {"bash", source_dir() + "/scripts/sandbox.sh", action};
  if (!arg.empty()) {
    argv.push_back(arg);
  }
  argv.insert(argv.end(), {"--dir", dir()});
  RunOptions options;
  options.timeout_s = 60;
  const auto r = run_process(argv, options);
  if (r.status != 0) {
    throw std::runtime_error("sandbox " + action + " failed: " + r.err);
  }
}

void Sandbox::set_gpu_state(const std::string& state, bool live) const {
  const auto dst = gpu_state();
  std::string script = "set -e; rm -rf " + remote::shell_quote(dst) + "/*; ";
  script += "cp -R " + remote::shell_quote(fake_gpu_dir() + "/states/" + state) + "/. " +
            remote::shell_quote(dst) + "/; ";
  if (live) {
    script += ": > " + remote::shell_quote(dst + "/live") + "; ";
  }
  script += "chmod -R a+rX " + remote::shell_quote(dst);
  const auto r = run_process({"/bin/sh", "-c", script});
  if (r.status != 0) {
    throw std::runtime_error("set_gpu_state failed: " + r.err);
  }
}

}  // namespace ec2dl::test
