#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ec2dl::test {

namespace {

std::vector<std::string> build_env(const RunOptions& options) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& name : options.unset) {
    env.erase(name);
  }
  for (const auto& [k, v] : options.env) {
    env[k] = v;
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

int decode_status(int raw) {
  if (WIFEXITED(raw)) {
    return WEXITSTATUS(raw);
  }
  if (WIFSIGNALED(raw)) {
    return 128 + WTERMSIG(raw);
  }
  return -1;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const RunOptions& options,
                             int in_fd, int out_fd, int err_fd) {
  ::setsid();
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  for (int fd = 3; fd < 1024; ++fd) {
    ::close(fd);
  }
  signal(SIGPIPE, SIG_DFL);
  if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
    _exit(126);
  }
  const auto env = build_env(options);
  std::vector<char*> envp;
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  ::execvpe(args[0], args.data(), envp.data());
  _exit(127);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  int in_fd = -1;
  if (options.stdin_fd >= 0) {
    in_fd = options.stdin_fd;
  } else if (options.input) {
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    in_fd = in_pipe[0];
  } else {
    in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(argv, options, in_fd, out_pipe[1], err_pipe[1]);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (options.stdin_fd < 0) {
    ::close(in_fd);
  }
  ProcessResult result;
  std::string input = options.input.value_or("");
  std::size_t input_pos = 0;
  int in_w = in_pipe[1];
  if (in_w >= 0) {
    ::fcntl(in_w, F_SETFL, O_NONBLOCK);
    if (input.empty()) {
      ::close(in_w);
      in_w = -1;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_s);
  bool out_open = true;
  bool err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    if (std::chrono::steady_clock::now() > deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    int n = 0;
    int out_i = -1;
    int err_i = -1;
    int in_i = -1;
    if (out_open) {
      fds[n] = {out_pipe[0], POLLIN, 0};
      out_i = n++;
    }
    if (err_open) {
      fds[n] = {err_pipe[0], POLLIN, 0};
      err_i = n++;
    }
    if (in_w >= 0) {
      fds[n] = {in_w, POLLOUT, 0};
      in_i = n++;
    }
    ::poll(fds, static_cast<nfds_t>(n), 200);
    if (out_i >= 0 && (fds[out_i].revents & (POLLIN | POLLHUP)) != 0) {
      const ssize_t r = ::read(out_pipe[0], buf, sizeof buf);
      if (r > 0) {
        result.out.append(buf, static_cast<std::size_t>(r));
      } else {
        out_open = false;
      }
    }
    if (err_i >= 0 && (fds[err_i].revents & (POLLIN | POLLHUP)) != 0) {
      const ssize_t r = ::read(err_pipe[0], buf, sizeof buf);
      if (r > 0) {
        result.err.append(buf, static_cast<std::size_t>(r));
      } else {
        err_open = false;
      }
    }
    if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t w = ::write(in_w, input.data() + input_pos, input.size() - input_pos);
      if (w > 0) {
        input_pos += static_cast<std::size_t>(w);
      }
      if (w < 0 && errno != EAGAIN) {
        input_pos = input.size();
      }
      if (input_pos >= input.size()) {
        ::close(in_w);
        in_w = -1;
      }
    }
  }
  if (in_w >= 0) {
    ::close(in_w);
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int raw = 0;
  if (result.timed_out) {
    ::waitpid(pid, &raw, 0);
    result.status = -1;
  } else {
    // Output closed; the process may still be finishing.
    while (true) {
      const pid_t w = ::waitpid(pid, &raw, WNOHANG);
      if (w == pid) {
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &raw, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.status = result.timed_out ? -1 : decode_status(raw);
  }
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const RunOptions& options) {
  char out_tmpl[] = "/tmp/ec2dl-test-out-XXXXXX";
  char err_tmpl[] = "/tmp/ec2dl-test-err-XXXXXX";
  const int out_fd = ::mkstemp(out_tmpl);
  const int err_fd = ::mkstemp(err_tmpl);
  m_out_path = out_tmpl;
  m_err_path = err_tmpl;
  const int in_fd =
      options.stdin_fd >= 0 ? options.stdin_fd : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  m_pid = ::fork();
  if (m_pid == 0) {
    exec_child(argv, options, in_fd, out_fd, err_fd);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (options.stdin_fd < 0) {
    ::close(in_fd);
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (!m_reaped && m_pid > 0) {
    ::kill(-m_pid, SIGKILL);
    int raw = 0;
    ::waitpid(m_pid, &raw, 0);
  }
  ::unlink(m_out_path.c_str());
  ::unlink(m_err_path.c_str());
}

void BackgroundProcess::signal(int sig) {
  if (!m_reaped) {
    ::kill(-m_pid, sig);
  }
}

std::optional<int> BackgroundProcess::wait(int timeout_s) {
  if (m_reaped) {
    return m_status;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int raw = 0;
    if (::waitpid(m_pid, &raw, WNOHANG) == m_pid) {
      m_reaped = true;
      m_status = decode_status(raw);
      return m_status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::string BackgroundProcess::out() const {
  return read_text(m_out_path);
}
std::string BackgroundProcess::err() const {
  return read_text(m_err_path);
}

bool eventually(const std::function<bool()>& done, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

long gnu_time_max_rss_kib(const std::string& path) {
  const auto text = read_text(path);
  ::unlink(path.c_str());
  // The last number of the file (a warning such as "Command exited with non-zero status"
  // may come first).
  const auto end = text.find_last_of("0123456789");
  if (end == std::string::npos) {
    return -1;
  }
  const auto before = text.find_last_not_of("0123456789", end);
  const auto begin = before == std::string::npos ? 0 : before + 1;
  return std::stol(text.substr(begin, end + 1 - begin));
}

}  // namespace ec2dl::test
