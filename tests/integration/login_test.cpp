// ec2dl login driven through a real terminal (tmux), for a dash and a bash login shell.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "ec2dl/remote/quote.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

class Login : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ec2dl-login-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
    // A socket of its own per test: a server told to go away may still hold the last one.
    static int tests = 0;
    m_socket = "ec2dl-login-" + std::to_string(::getpid()) + "-" + std::to_string(++tests);
  }
  void TearDown() override {
    tmux({"kill-server"});
    std::filesystem::remove_all(m_dir);
  }

  ProcessResult tmux(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"tmux", "-L", m_socket};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  }

  // Runs `ec2dl login` for `host` in a 100x30 terminal; the wrapper records the terminal
  // settings before and after, and the exit status.
  void start(const std::string& host, const std::string& subcommand = "login") {
    const auto& sb = sandbox();
    const std::string script =
        "stty -g > " + remote::shell_quote(m_dir + "/before") +
        "; env HOME=" + remote::shell_quote(sb.client_home()) + " TERM=xterm " +
        remote::shell_quote(EC2DL_BINARY) + " -H " + host + " " + subcommand + "; echo $? > " +
        remote::shell_quote(m_dir + "/rc.tmp") + "; stty -g > " +
        remote::shell_quote(m_dir + "/after") + "; mv " + remote::shell_quote(m_dir + "/rc.tmp") +
        " " + remote::shell_quote(m_dir + "/rc") + "; sleep 60";
    // The previous test's tmux server may still be going away: try again briefly.
    ProcessResult r;
    for (int attempt = 0; attempt < 20; ++attempt) {
      r = tmux(
          {"new-session", "-d", "-x", "100", "-y", "30", "sh -c " + remote::shell_quote(script)});
      if (r.status == 0) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(r.status, 0) << r.err;
  }

  std::string screen() const { return tmux({"capture-pane", "-p"}).out; }

  // The settings of the terminal ec2dl runs in, as `stty -a` prints them.
  std::string local_tty_settings() const {
    auto tty = tmux({"display-message", "-p", "#{pane_tty}"}).out;
    while (!tty.empty() && tty.back() == '\n') {
      tty.pop_back();
    }
    auto settings =
        " " + run_process({"sh", "-c", "stty -a < " + remote::shell_quote(tty)}).out + " ";
    for (auto& c : settings) {
      c = c == '\n' ? ' ' : c;
    }
    return settings;
  }

  // A line ending in '$': the remote shell's prompt (capture-pane drops trailing spaces).
  bool prompt_shown() const {
    const auto text = "\n" + screen();
    return text.find("$\n") != std::string::npos;
  }

  std::string m_dir;
  std::string m_socket;
};

TEST_F(Login, DashShellRunsTypedCommandsAndReturnsItsStatus) {
  start("sandbox");
  // The remote shell's prompt shows that it is ready to read (and the local terminal raw).
  ASSERT_TRUE(eventually([&] { return prompt_shown(); })) << screen();
  // While the session runs the local terminal is raw: no line editing, no local echo, no
  // signals from Ctrl-C (they go to the server).
  const auto raw = local_tty_settings();
  EXPECT_NE(raw.find(" -icanon "), std::string::npos) << raw;
  EXPECT_NE(raw.find(" -echo "), std::string::npos) << raw;
  EXPECT_NE(raw.find(" -isig "), std::string::npos) << raw;
  tmux({"send-keys", "echo $((6*7)); exit 3", "Enter"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(m_dir + "/rc"); })) << screen();
  EXPECT_NE(screen().find("\n42\n"), std::string::npos) << screen();
  EXPECT_EQ(read_text(m_dir + "/rc"), "3\n");
  EXPECT_EQ(read_text(m_dir + "/before"), read_text(m_dir + "/after"));
}

TEST_F(Login, BashShellGetsTheWindowSizeAndTerm) {
  start("sandbox-bash");
  ASSERT_TRUE(eventually([&] { return prompt_shown(); })) << screen();
  tmux({"send-keys", "echo \"size=$(stty size) term=$TERM\"; exit 0", "Enter"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(m_dir + "/rc"); })) << screen();
  EXPECT_NE(screen().find("size=30 100 term=xterm"), std::string::npos) << screen();
  EXPECT_EQ(read_text(m_dir + "/rc"), "0\n");
  EXPECT_EQ(read_text(m_dir + "/before"), read_text(m_dir + "/after"));
}

TEST_F(Login, WindowSizeChangesAreForwarded) {
  start("sandbox");
  ASSERT_TRUE(eventually([&] { return prompt_shown(); })) << screen();
  tmux({"resize-window", "-x", "90", "-y", "25"});
  // The server's shell waits (up to 30 s) for the new size to arrive, then prints it.
  tmux({"send-keys",
        "i=0; while [ \"$(stty size)\" != '25 90' ] && [ $i -lt 300 ]; do sleep 0.1; "
        "i=$((i+1)); done; echo \"now=$(stty size)\"; exit",
        "Enter"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(m_dir + "/rc"); })) << screen();
  EXPECT_NE(screen().find("now=25 90"), std::string::npos) << screen();
}

TEST_F(Login, TerminalIsRestoredWhenTheClientIsKilled) {
  start("sandbox");
  ASSERT_TRUE(eventually([&] { return prompt_shown(); })) << screen();
  run_process({"pkill", "-TERM", "-f", std::string("^") + EC2DL_BINARY + " -H sandbox login"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(m_dir + "/rc"); })) << screen();
  EXPECT_EQ(read_text(m_dir + "/before"), read_text(m_dir + "/after"));
  EXPECT_EQ(read_text(m_dir + "/rc"), "130\n");  // interrupted
  const auto cooked = local_tty_settings();
  EXPECT_NE(cooked.find(" icanon "), std::string::npos) << cooked;
}

// The connection dying under a login session: exit 255 with a message, terminal restored.
TEST_F(Login, ADeadConnectionEndsTheSessionWith255) {
  start("sandbox");
  ASSERT_TRUE(eventually([&] { return prompt_shown(); })) << screen();
  // Kill the server side of this session (its sshd processes), as a dropped link would.
  tmux({"send-keys", "kill -9 $PPID", "Enter"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(m_dir + "/rc"); })) << screen();
  EXPECT_EQ(read_text(m_dir + "/rc"), "255\n") << screen();
  EXPECT_EQ(read_text(m_dir + "/before"), read_text(m_dir + "/after"));
}

// exec -t on a terminal is interactive like login: the command gets a terminal of the
// local window's size, keys typed reach it, its status comes back, the terminal is restored.
TEST_F(Login, ExecWithTtyOnATerminalIsInteractive) {
  start("sandbox", "exec -t -- sh -c 'stty size; read -r line; echo \"got $line\"; exit 4'");
  ASSERT_TRUE(eventually([&] { return screen().find("30 100") != std::string::npos; })) << screen();
  tmux({"send-keys", "hello", "Enter"});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(m_dir + "/rc"); })) << screen();
  EXPECT_NE(screen().find("got hello"), std::string::npos) << screen();
  EXPECT_EQ(read_text(m_dir + "/rc"), "4\n");
  EXPECT_EQ(read_text(m_dir + "/before"), read_text(m_dir + "/after"));
}

TEST(LoginWithoutTerminal, IsAClearError) {
  auto r = sandbox().ec2dl({"login"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needs a terminal"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ec2dl::test
