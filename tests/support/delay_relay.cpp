// A TCP relay that holds every chunk for a fixed delay in each direction, for tests and
// benchmarks over a slow link on kernels without sch_netem:
//   ec2dl_delay_relay LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS
// It prints "ready PORT" once listening (LISTEN_PORT 0: a port the kernel picks) and serves
// connections until killed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Chunk {
  Clock::time_point due;
  std::string data;
  std::size_t offset = 0;
};

// One direction of a connection: bytes read from `from` wait until due, then go to `to`.
struct Pipe {
  int from = -1;
  int to = -1;
  std::deque<Chunk> queue;
  std::size_t queued = 0;
  bool eof = false;
};

struct Connection {
  Pipe up;
  Pipe down;
  bool dead = false;
};

constexpr std::size_t k_max_queued = 8u << 20;

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int connect_to(const char* host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host, &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  set_nonblocking(fd);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS\n", argv[0]);
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a peer that went away is an error to handle, not a death
  const int listen_port = std::atoi(argv[1]);
  const char* target_host = argv[2];
  const int target_port = std::atoi(argv[3]);
  const auto delay = std::chrono::milliseconds(std::atoi(argv[4]));

  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(listen_port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 64) != 0) {
    std::perror("listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  if (::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("getsockname");
    return 1;
  }
  std::printf("ready %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<char> buf(65536);
  while (true) {
    std::vector<pollfd> fds;
    std::vector<Pipe*> owners;
    fds.push_back({lfd, POLLIN, 0});
    owners.push_back(nullptr);
    auto now = Clock::now();
    int timeout = 1000;
    for (auto& c : conns) {
      for (Pipe* p : {&c->up, &c->down}) {
        if (!p->eof && p->queued < k_max_queued) {
          fds.push_back({p->from, POLLIN, 0});
          owners.push_back(p);
        }
        if (!p->queue.empty()) {
          const auto wait =
              std::chrono::duration_cast<std::chrono::milliseconds>(p->queue.front().due - now)
                  .count();
          if (wait <= 0) {
            fds.push_back({p->to, POLLOUT, 0});
            owners.push_back(p);
          } else {
            timeout = std::min<int>(timeout, static_cast<int>(wait));
          }
        }
      }
    }
    ::poll(fds.data(), fds.size(), timeout);
    now = Clock::now();
    if ((fds[0].revents & POLLIN) != 0) {
      const int cfd = ::accept(lfd, nullptr, nullptr);
      if (cfd >= 0) {
        const int ufd = connect_to(target_host, target_port);
        if (ufd < 0) {
          ::close(cfd);
        } else {
          ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          set_nonblocking(cfd);
          auto c = std::make_unique<Connection>();
          c->up.from = cfd;
          c->up.to = ufd;
          c->down.from = ufd;
          c->down.to = cfd;
          conns.push_back(std::move(c));
        }
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      Pipe* p = owners[i];
      if (fds[i].events == POLLIN && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t n = ::read(p->from, buf.data(), buf.size());
        if (n > 0) {
          p->queue.push_back({now + delay, std::string(buf.data(), static_cast<size_t>(n)), 0});
          p->queued += static_cast<std::size_t>(n);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          p->eof = true;
          p->queue.push_back({now + delay, std::string(), 0});  // EOF marker
        }
      } else if (fds[i].events == POLLOUT && (fds[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
        while (!p->queue.empty() && p->queue.front().due <= now) {
          auto& chunk = p->queue.front();
          if (chunk.data.empty()) {
            ::shutdown(p->to, SHUT_WR);
            p->queue.pop_front();
            continue;
          }
          const ssize_t w =
              ::write(p->to, chunk.data.data() + chunk.offset, chunk.data.size() - chunk.offset);
          if (w < 0) {
            if (errno != EAGAIN) {
              p->eof = true;
              p->queue.clear();
            }
            break;
          }
          chunk.offset += static_cast<std::size_t>(w);
          p->queued -= static_cast<std::size_t>(w);
          if (chunk.offset < chunk.data.size()) {
            break;
          }
          p->queue.pop_front();
        }
      }
    }
    for (auto it = conns.begin(); it != conns.end();) {
      auto& c = **it;
      if (c.up.eof && c.down.eof && c.up.queue.empty() && c.down.queue.empty()) {
        ::close(c.up.from);
        ::close(c.down.from);
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
}
