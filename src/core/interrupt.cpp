#include "ec2dl/core/interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace ec2dl::core {

namespace {

std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};
std::atomic<void (*)()> g_hook{nullptr};

void on_signal(int sig) {
  const int saved = errno;
  g_signal.store(sig);
  if (g_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_pipe[1], &byte, 1);
  }
  if (auto hook = g_hook.load(); hook != nullptr) {
    hook();
  }
  errno = saved;
}

}  // namespace

void install_interrupt_handlers() {
  if (g_pipe[0] < 0 && ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    g_pipe[0] = g_pipe[1] = -1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  ::sigaction(SIGPIPE, &ign, nullptr);
}

int interrupt_signal() {
  return g_signal.load();
}

int interrupt_fd() {
  return g_pipe[0];
}

void clear_interrupt() {
  g_signal.store(0);
  char buf[64];
  while (g_pipe[0] >= 0 && ::read(g_pipe[0], buf, sizeof buf) > 0) {
  }
}

void set_interrupt_hook(void (*fn)()) {
  g_hook.store(fn);
}

}  // namespace ec2dl::core
