// Faults on a real link: the sandbox server lives in its own network namespace, reached over
// a veth pair, and these tests cut the link, restart sshd, "reboot" the server and slow the
// link down (100 ms round trip and 1 % packet loss), then check that nothing was lost.
//
// Each test runs twice: over the plain link, and over the slow one. The kernel here has no
// sch_netem, so the delay comes from a relay that holds every chunk for 50 ms in each
// direction, and the loss from nftables dropping 1 % of the server's packets at random.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {
namespace {

using nlohmann::json;

void sleep_s(int seconds) {
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
}

// The server in a network namespace, and a relay in front of it for the slow link.
class Net {
 public:
  Net() : m_sandbox(SandboxOptions{.netns = true}) {
    // A known_hosts entry and an ssh config alias for the server as seen through the relay.
    // The relay listens on a port the kernel picks (outside the sandboxes' range).
    m_relay = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{EC2DL_DELAY_RELAY, "0", m_sandbox.var("SANDBOX_HOST"),
                                 std::to_string(m_sandbox.port()), "50"});
    if (!eventually([&] { return contains(m_relay->out(), "\n"); }, 30) ||
        !m_relay->out().starts_with("ready ")) {
      throw std::runtime_error("the delay relay did not start: " + m_relay->out() + m_relay->err());
    }
    m_relay_port = std::stoi(m_relay->out().substr(6));
    const auto key = read_text(m_sandbox.dir() + "/etc/ssh_host_ed25519_key.pub");
    const auto type_and_key = key.substr(0, key.find(' ', key.find(' ') + 1));
    const auto known = m_sandbox.dir() + "/client/slow_known_hosts";
    write_text(known, "[127.0.0.1]:" + std::to_string(m_relay_port) + " " + type_and_key + "\n");
    const auto config = m_sandbox.client_home() + "/.ssh/config";
    write_text(config, read_text(config) + "\nHost slow\n  HostName 127.0.0.1\n  Port " +
                           std::to_string(m_relay_port) + "\n  User " + m_sandbox.user() +
                           "\n  IdentityFile " + m_sandbox.key() + "\n  UserKnownHostsFile " +
                           known + "\n");
  }

  Sandbox& sandbox() { return m_sandbox; }

  // Turns the slow link on (relay + 1 % loss) or off (straight to the server).
  void set_slow(bool slow) {
    m_slow = slow;
    m_sandbox.control("loss", slow ? "1" : "0");
  }
  bool slow() const { return m_slow; }

  RunOptions env() const {
    RunOptions o = m_sandbox.ec2dl_env();
    o.env["EC2DL_HOST"] = m_slow ? "slow" : "sandbox";
    return o;
  }
  ProcessResult ec2dl(const std::vector<std::string>& args, int timeout_s = 300) const {
    std::vector<std::string> argv = {EC2DL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o = env();
    o.timeout_s = timeout_s;
    return run_process(argv, o);
  }
  std::unique_ptr<BackgroundProcess> start(const std::vector<std::string>& args,
                                           const std::string& cwd = {}) const {
    std::vector<std::string> argv = {EC2DL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o = env();
    o.cwd = cwd;
    return std::make_unique<BackgroundProcess>(argv, o);
  }
  // The id `run -q ...` printed.
  long run_q(std::vector<std::string> args) const {
    args.insert(args.begin(), {"run", "-q"});
    return run_q_id(ec2dl(args));
  }
  json job(long id) const {
    const auto r = ec2dl({"--json", "ps", std::to_string(id)});
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out)["jobs"][0];
  }

  void cut() { m_sandbox.control("link", "down"); }
  void restore() { m_sandbox.control("link", "up"); }

 private:
  Sandbox m_sandbox;
  std::unique_ptr<BackgroundProcess> m_relay;
  int m_relay_port = 0;
  bool m_slow = false;
};

Net* g_net = nullptr;

class Faults : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() { g_net = new Net(); }
  static void TearDownTestSuite() {
    delete g_net;
    g_net = nullptr;
  }
  void SetUp() override { net().set_slow(GetParam()); }
  void TearDown() override {
    net().restore();
    net().set_slow(false);
    if (HasFailure()) {
      auto log = net().sandbox().sshd_log();
      std::cerr << "---- sshd.log (tail) ----\n"
                << (log.size() > 4000 ? log.substr(log.size() - 4000) : log) << "\n";
    }
  }
  static Net& net() { return *g_net; }
};

// A job printing numbered lines every 0.1 s for `seconds`, then exiting with `status`.
std::vector<std::string> printer(int seconds, int status) {
  return {"--", "sh", "-c",
          "i=0; while [ $i -lt " + std::to_string(seconds * 10) +
              " ]; do i=$((i+1)); echo \"line $i\"; sleep 0.1; done; exit " +
              std::to_string(status)};
}

TEST_P(Faults, TailFollowAcrossA20SecondCutContinuesAtTheExactByte) {
  const long id = net().run_q(printer(40, 7));
  auto tail = net().start({"--keepalive", "2", "tail", "-n", "1000000", "-f", std::to_string(id)});
  ASSERT_TRUE(eventually([&] { return contains(tail->out(), "line 20\n"); })) << tail->err();
  net().cut();
  sleep_s(20);
  net().restore();
  const auto status = tail->wait(180);
  ASSERT_TRUE(status.has_value()) << tail->err();
  EXPECT_EQ(*status, 7) << tail->err();
  EXPECT_TRUE(contains(tail->err(), "reconnecting")) << tail->err();
  EXPECT_TRUE(contains(tail->err(), "reconnected")) << tail->err();
  // What was followed is the log, byte for byte: no line lost, none doubled.
  const auto log = net().sandbox().as_user("cat .ec2dl/jobs/" + std::to_string(id) + "/output.log");
  EXPECT_EQ(tail->out(), log.out);
  EXPECT_TRUE(contains(log.out, "line 400\n"));
}

TEST_P(Faults, TailFollowAcrossAnSshdRestartContinuesAtTheExactByte) {
  const long id = net().run_q(printer(10, 0));
  auto tail = net().start({"--keepalive", "2", "tail", "-n", "1000000", "-f", std::to_string(id)});
  ASSERT_TRUE(eventually([&] { return contains(tail->out(), "line 10\n"); })) << tail->err();
  net().sandbox().control("restart-sshd");
  const auto status = tail->wait(120);
  ASSERT_TRUE(status.has_value()) << tail->err();
  EXPECT_EQ(*status, 0) << tail->err();
  EXPECT_TRUE(contains(tail->err(), "reconnected")) << tail->err();
  const auto log = net().sandbox().as_user("cat .ec2dl/jobs/" + std::to_string(id) + "/output.log");
  EXPECT_EQ(tail->out(), log.out);
}

TEST_P(Faults, WatchSaysItIsReconnectingThenResumes) {
  for (const char* command : {"ps", "gpu"}) {
    auto watch = net().start({"--keepalive", "1", command, "--watch", "1"});
    ASSERT_TRUE(eventually([&] { return watch->out().find("\n--- ") != std::string::npos; }))
        << command << ": " << watch->err();
    net().cut();
    ASSERT_TRUE(eventually([&] { return contains(watch->err(), "reconnecting"); }, 60))
        << command << ": " << watch->err();
    net().restore();
    // Frames come again after the link is back.
    const auto frames_before = watch->out().size();
    EXPECT_TRUE(eventually([&] { return watch->out().size() > frames_before + 100; }, 60))
        << command << ": " << watch->err();
    watch->signal(SIGTERM);
    EXPECT_EQ(watch->wait(30), 130) << command;  // SIGTERM: interrupted
  }
}

// The partial file of a push on the server, and the local one of a pull.
std::uint64_t size_of(const std::string& text) {
  try {
    return std::stoull(text);
  } catch (...) {
    return 0;
  }
}

TEST_P(Faults, PushAndPullOf200MBCutHalfWayNeverLeaveATruncatedFile) {
  auto& sb = net().sandbox();
  char tmpl[] = "/tmp/ec2dl-faults-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string local = tmpl;
  ASSERT_EQ(
      run_process({"sh", "-c", "head -c 200000000 /dev/urandom > '" + local + "/big'"}).status, 0);
  const auto local_sum = run_process({"sh", "-c", "sha256sum < '" + local + "/big'"}).out;
  sb.as_user("rm -rf fp && mkdir fp");

  // Push, cut half-way, and restore: the client resumes or fails cleanly; never a
  // truncated file under the final name; the next run completes.
  {
    auto push =
        net().start({"--keepalive", "2", "push", "--bwlimit", "20M", "big", "~/fp/"}, local);
    ASSERT_TRUE(eventually(
        [&] {
          return size_of(sb.as_user("stat -c %s fp/.ec2dl-part.* 2>/dev/null | head -1").out) >
                 100000000;
        },
        120))
        << push->err();
    net().cut();
    for (int i = 0; i < 10; ++i) {
      EXPECT_NE(sb.as_user("test -e fp/big").status, 0) << "a truncated file appeared";
      sleep_s(1);
    }
    net().restore();
    const auto status = push->wait(300);
    ASSERT_TRUE(status.has_value()) << push->err();
    EXPECT_TRUE(*status == 0 || *status == 255) << *status << push->err();
    if (*status != 0) {
      EXPECT_NE(sb.as_user("test -e fp/big").status, 0);
    }
  }
  const auto rerun = [&] {
    RunOptions o = net().env();
    o.cwd = local;
    o.timeout_s = 300;
    return run_process({EC2DL_BINARY, "push", "big", "~/fp/"}, o);
  }();
  EXPECT_EQ(rerun.status, 0) << rerun.err;
  EXPECT_EQ(sb.as_user("sha256sum < fp/big").out, local_sum);

  // Pull it back, cut half-way: the same promises on this side.
  const std::string into = local + "/back";
  std::filesystem::create_directories(into);
  {
    auto pull =
        net().start({"--keepalive", "2", "pull", "--bwlimit", "20M", "~/fp/big", "."}, into);
    ASSERT_TRUE(eventually(
        [&] {
          return size_of(
                     run_process({"sh", "-c",
                                  "stat -c %s '" + into + "'/.ec2dl-part.* 2>/dev/null | head -1"})
                         .out) > 100000000;
        },
        120))
        << pull->err();
    net().cut();
    for (int i = 0; i < 10; ++i) {
      EXPECT_FALSE(std::filesystem::exists(into + "/big")) << "a truncated file appeared";
      sleep_s(1);
    }
    net().restore();
    const auto status = pull->wait(300);
    ASSERT_TRUE(status.has_value()) << pull->err();
    EXPECT_TRUE(*status == 0 || *status == 255) << *status << pull->err();
    if (*status != 0) {
      EXPECT_FALSE(std::filesystem::exists(into + "/big"));
    }
  }
  RunOptions o = net().env();
  o.cwd = into;
  o.timeout_s = 300;
  const auto pulled = run_process({EC2DL_BINARY, "pull", "~/fp/big", "."}, o);
  EXPECT_EQ(pulled.status, 0) << pulled.err;
  EXPECT_EQ(run_process({"sh", "-c", "sha256sum < '" + into + "/big'"}).out, local_sum);
  std::filesystem::remove_all(local);
  sb.as_user("rm -rf fp");
}

TEST_P(Faults, AJobKeepsRunningWhileTheLinkIsDownForAMinute) {
  auto& sb = net().sandbox();
  sb.as_user("rm -f gate-minute");
  const long id = net().run_q({"--", "sh", "-c",
                               "while [ ! -e \"$HOME/gate-minute\" ]; do sleep 0.2; done; "
                               "echo finished; exit 5"});
  const auto pid = std::to_string(net().job(id)["pid"].get<long>());
  net().cut();
  for (int i = 0; i < 6; ++i) {
    sleep_s(10);
    // Seen from the server itself: the job's process is alive all along.
    EXPECT_EQ(sb.as_user("kill -0 " + pid).status, 0) << "after " << (i + 1) * 10 << " s";
  }
  net().restore();
  EXPECT_EQ(net().job(id)["status"], "running");
  sb.as_user("touch gate-minute");
  EXPECT_EQ(net().ec2dl({"wait", std::to_string(id)}).status, 5);
  EXPECT_EQ(net().job(id)["exit_code"], 5);
}

TEST_P(Faults, WaitAcrossACutGetsTheRealStatus) {
  auto& sb = net().sandbox();
  sb.as_user("rm -f gate-wait");
  const long id = net().run_q(
      {"--", "sh", "-c", "while [ ! -e \"$HOME/gate-wait\" ]; do sleep 0.2; done; exit 6"});
  sb.as_user("pkill -u \"$(id -u)\" -f '[e]c2dl-job_wait'");  // none left by the other link
  auto wait = net().start({"--keepalive", "1", "wait", std::to_string(id)});
  // Cut once the wait is running on the server, not while it is still logging in.
  ASSERT_TRUE(eventually([&] {
    return sb.as_user("pgrep -u \"$(id -u)\" -f '[e]c2dl-job_wait'").status == 0;
  })) << wait->err();
  net().cut();
  ASSERT_TRUE(eventually([&] { return contains(wait->err(), "reconnecting"); }, 60)) << wait->err();
  sb.as_user("touch gate-wait");
  sleep_s(3);
  net().restore();
  const auto status = wait->wait(120);
  ASSERT_TRUE(status.has_value()) << wait->err();
  EXPECT_EQ(*status, 6) << wait->err();
}

TEST_P(Faults, QuietExecOnADeadLinkExits255InsteadOfHanging) {
  net().sandbox().as_user("pkill -u \"$(id -u)\" -xf 'sleep 300'");  // none left by the other link
  auto exec = net().start({"--keepalive", "1", "exec", "--", "sleep", "300"});
  ASSERT_TRUE(eventually([&] {
    return net().sandbox().as_user("pgrep -u \"$(id -u)\" -xf 'sleep 300'").status == 0;
  })) << exec->err();
  net().cut();
  const auto status = exec->wait(60);
  net().restore();
  ASSERT_TRUE(status.has_value()) << "hung on a dead link: " << exec->err();
  EXPECT_EQ(*status, 255);
  EXPECT_TRUE(contains(exec->err(), "keepalive") || contains(exec->err(), "no answer"))
      << exec->err();
}

TEST_P(Faults, AServerRebootMakesRunningJobsLost) {
  const long id = net().run_q({"--", "sleep", "1000"});
  EXPECT_EQ(net().job(id)["status"], "running");
  net().sandbox().control("reboot");
  const auto job = net().job(id);
  EXPECT_EQ(job["status"], "lost");
  EXPECT_EQ(net().ec2dl({"wait", std::to_string(id)}).status, 1);
}

INSTANTIATE_TEST_SUITE_P(Link, Faults, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Slow100msRtt1PercentLoss" : "Plain";
                         });

}  // namespace
}  // namespace ec2dl::test
