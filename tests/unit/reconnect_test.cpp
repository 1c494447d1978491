#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/util/time.hpp"

// ssh::Reconnector's two modes, driven by a connect function that fails as told (a session
// cannot be made without a server, so these tests cover what happens while it is down).

namespace ec2dl {
namespace {

using ssh::Reconnector;

struct FakeServer {
  std::vector<core::Error> answers;  // what each connect returns, in order; then the last
  int calls = 0;

  Reconnector::ConnectFn connect() {
    return [this]() -> core::Result<ssh::Session> {
      const auto& e = answers[std::min<std::size_t>(calls, answers.size() - 1)];
      ++calls;
      return std::unexpected(e);
    };
  }
};

core::Error refused() {
  return {core::ErrorKind::connect, "connect to 10.0.0.1:22: Connection refused"};
}

core::Target target() {
  core::Target t;
  t.user = "ubuntu";
  t.hostname = "10.0.0.1";
  t.port = 22;
  return t;
}

TEST(ReconnectorBlocking, RetriesTransientFailuresWithNoticesUntilAnotherError) {
  FakeServer server{{refused(), refused(), {core::ErrorKind::auth, "permission denied"}}};
  std::vector<std::string> said;
  Reconnector link(Reconnector::Mode::blocking, target(), server.connect(),
                   {.first_delay_ms = 1, .max_delay_ms = 2},
                   [&](const std::string& line) { said.push_back(line); });
  auto s = link.session();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), core::ErrorKind::auth);
  EXPECT_EQ(server.calls, 3);
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0],
            "cannot reach ubuntu@10.0.0.1:22 yet (connect to 10.0.0.1:22: Connection refused); "
            "retrying in 1 s (attempt 2)");
  EXPECT_NE(said[1].find("(attempt 3)"), std::string::npos) << said[1];
  EXPECT_EQ(link.reconnects(), 0);
}

TEST(ReconnectorBlocking, RetryNeverRunsTheOperationWithoutASession) {
  FakeServer server{{refused(), {core::ErrorKind::auth, "permission denied"}}};
  Reconnector link(Reconnector::Mode::blocking, target(), server.connect(),
                   {.first_delay_ms = 1, .max_delay_ms = 1});
  int runs = 0;
  const auto r = link.retry([&](ssh::Session&) -> core::Result<int> {
    ++runs;
    return 1;
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), core::ErrorKind::auth);
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(server.calls, 2);
}

TEST(ReconnectorBlocking, GivesUpAtTheDeadlineAfterWaitingForIt) {
  FakeServer server{{refused()}};
  Reconnector link(Reconnector::Mode::blocking, target(), server.connect(),
                   {.first_delay_ms = 60000, .max_delay_ms = 60000});
  const auto start = std::chrono::steady_clock::now();
  link.give_up_at(util::monotonic_ms() + 300);
  auto s = link.session();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), refused().message());
  EXPECT_EQ(server.calls, 1);                       // the next try would start after the deadline
  EXPECT_GE(took, std::chrono::milliseconds(250));  // it waited for the deadline ...
  EXPECT_LT(took, std::chrono::seconds(30));        // ... not for the next try
}

TEST(ReconnectorBlocking, GivesUpWhenTheTimeIsUp) {
  FakeServer server{{refused()}};
  Reconnector link(Reconnector::Mode::blocking, target(), server.connect(),
                   {.first_delay_ms = 2000, .max_delay_ms = 2000, .give_up_after_s = 1});
  auto s = link.session();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), refused().message());
  EXPECT_EQ(server.calls, 1);  // the first wait would already pass the limit
}

TEST(ReconnectorBlocking, RecoverDropsOnlyForTransientErrors) {
  FakeServer server{{refused()}};
  std::vector<std::string> said;
  Reconnector link(Reconnector::Mode::blocking, target(), server.connect(), {},
                   [&](const std::string& line) { said.push_back(line); });
  EXPECT_FALSE(link.recover({core::ErrorKind::remote, "job 7: no such job"}));
  EXPECT_FALSE(link.reconnecting());
  EXPECT_TRUE(link.recover({core::ErrorKind::timeout, "connection to x lost: no answer"}));
  EXPECT_TRUE(link.reconnecting());
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0], "connection to x lost: no answer; reconnecting");
}

TEST(ReconnectorFailFast, AFirstConnectFailureIsReturnedAsItIs) {
  FakeServer server{{refused()}};
  Reconnector link(Reconnector::Mode::fail_fast, {}, server.connect(),
                   {.first_delay_ms = 60000, .max_delay_ms = 60000});
  for (int i = 1; i <= 2; ++i) {
    auto s = link.session();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message(), refused().message());
    EXPECT_EQ(server.calls, i);  // no backoff before the first connection
  }
  EXPECT_FALSE(link.reconnecting());
}

TEST(ReconnectorFailFast, WhileDownItFailsAtOnceUntilTheBackoffHasPassed) {
  FakeServer server{{refused()}};
  Reconnector link(Reconnector::Mode::fail_fast, {}, server.connect(),
                   {.first_delay_ms = 60000, .max_delay_ms = 60000});
  link.recover({core::ErrorKind::connect, "connection to x lost"});
  auto first = link.session();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind(), core::ErrorKind::connect);
  EXPECT_EQ(first.error().message(),
            "reconnecting: connect to 10.0.0.1:22: Connection refused; next try in 60 s");
  auto second = link.session();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind(), core::ErrorKind::connect);
  EXPECT_EQ(second.error().message(), "connection lost; reconnecting in 60 s (attempt 2)");
  EXPECT_EQ(server.calls, 1);
  // An error session() returned while down leaves the backoff alone.
  link.failed(second.error());
  EXPECT_FALSE(link.session());
  EXPECT_EQ(server.calls, 1);
  EXPECT_TRUE(link.reconnecting());
}

TEST(ReconnectorFailFast, TriesAgainAfterTheBackoffWithLongerWaits) {
  FakeServer server{{refused()}};
  Reconnector link(Reconnector::Mode::fail_fast, {}, server.connect(),
                   {.first_delay_ms = 1, .max_delay_ms = 1000});
  link.recover({core::ErrorKind::connect, "connection to x lost"});
  EXPECT_FALSE(link.session());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto again = link.session();
  ASSERT_FALSE(again);
  EXPECT_EQ(server.calls, 2);
  EXPECT_EQ(again.error().message(),
            "reconnecting: connect to 10.0.0.1:22: Connection refused; next try in 1 s");
}

TEST(ReconnectorFailFast, NonTransientErrorsWhileDownAreReturnedAsTheyAre) {
  FakeServer server{{{core::ErrorKind::host_key, "HOST KEY CHANGED for x"}}};
  Reconnector link(Reconnector::Mode::fail_fast, {}, server.connect());
  link.recover({core::ErrorKind::connect, "connection to x lost"});
  auto s = link.session();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), core::ErrorKind::host_key);
  EXPECT_EQ(server.calls, 1);
}

TEST(ReconnectorFailFast, WaitsOnTheDescriptorWhileThereIsNoSession) {
  FakeServer server{{refused()}};
  Reconnector link(Reconnector::Mode::fail_fast, {}, server.connect());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto idle = link.wait(fds[0], 0);
  ASSERT_TRUE(idle);
  EXPECT_FALSE(*idle);
  ASSERT_EQ(::write(fds[1], "q", 1), 1);
  auto ready = link.wait(fds[0], 1000);
  ASSERT_TRUE(ready);
  EXPECT_TRUE(*ready);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace ec2dl
