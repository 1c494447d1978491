// ec2dl hosts against a real sshd: saving servers, choosing them, the precedence of flags,
// environment, profiles and ssh config, and what happens to bad input and broken files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

// Each test has a config file of its own (EC2DL_CONFIG) and no EC2DL_HOST.
class Hosts : public ::testing::Test {
 protected:
  std::string config() const { return dir.path() + "/ec2dl/config.toml"; }
  RunOptions env(std::map<std::string, std::string> extra = {}) const {
    RunOptions o;
    o.env = {{"EC2DL_CONFIG", config()}, {"EC2DL_HOST", ""}};
    for (auto& [k, v] : extra) {
      o.env[k] = v;
    }
    return o;
  }
  ProcessResult ec2dl(const std::vector<std::string>& args,
                      std::map<std::string, std::string> extra = {}) const {
    return sandbox().ec2dl(args, env(std::move(extra)));
  }
  // A profile for the sandbox's dash user, by address (not through the ssh alias).
  ProcessResult add_sandbox(const std::string& name, std::vector<std::string> more = {}) const {
    const auto& sb = sandbox();
    std::vector<std::string> args = {"hosts", "add",
                                     name,    sb.user() + "@127.0.0.1:" + std::to_string(sb.port()),
                                     "-i",    sb.key()};
    args.insert(args.end(), more.begin(), more.end());
    return ec2dl(args);
  }
  TempDir dir;
};

TEST_F(Hosts, AddOnceThenEveryCommandReachesTheServer) {
  auto r = add_sandbox("sbx");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");  // notices go to stderr
  EXPECT_NE(r.err.find("saved host 'sbx'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("default host"), std::string::npos) << r.err;
  // The first host saved is the default: no -H, no EC2DL_HOST.
  r = ec2dl({"exec", "--", "id", "-un"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, sandbox().user() + "\n");
  r = ec2dl({"-H", "sbx", "exec", "--", "id", "-un"});
  EXPECT_EQ(r.out, sandbox().user() + "\n") << r.err;
}

TEST_F(Hosts, FileIsPrivateAndReadable) {
  ASSERT_EQ(add_sandbox("sbx").status, 0);
  struct stat st {};
  ASSERT_EQ(::stat(config().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/ec2dl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const auto text = read_text(config());
  EXPECT_NE(text.find("default = \"sbx\""), std::string::npos) << text;
  EXPECT_NE(text.find("[hosts.sbx]"), std::string::npos) << text;
  EXPECT_NE(text.find("user = \"" + sandbox().user() + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("port = " + std::to_string(sandbox().port())), std::string::npos) << text;
}

TEST_F(Hosts, DefaultPlaceFollowsXdgConfigHome) {
  TempDir xdg;
  RunOptions o;
  o.env = {{"XDG_CONFIG_HOME", xdg.path()}, {"EC2DL_HOST", ""}};
  auto r = sandbox().ec2dl({"hosts", "add", "x", "host.example"}, o);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_text(xdg.path() + "/ec2dl/config.toml").find("[hosts.x]"), std::string::npos);
}

TEST_F(Hosts, ListShowsEveryHostAndTheDefault) {
  ASSERT_EQ(add_sandbox("sbx").status, 0);
  ASSERT_EQ(ec2dl({"hosts", "add", "lab", "me@10.0.0.7:2222", "--workdir", "~/proj", "--env",
                   "WANDB_MODE=offline"})
                .status,
            0);
  auto r = ec2dl({"hosts", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sbx *"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("me@10.0.0.7:2222"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("~/proj"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("WANDB_MODE=offline"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("sbx"), r.out.find("lab"));  // the order they were added
  r = ec2dl({"hosts", "default"});
  EXPECT_EQ(r.out, "sbx\n");
  ASSERT_EQ(ec2dl({"hosts", "default", "lab"}).status, 0);
  EXPECT_EQ(ec2dl({"hosts", "default"}).out, "lab\n");
  EXPECT_NE(ec2dl({"hosts", "ls"}).out.find("lab *"), std::string::npos);
}

TEST_F(Hosts, EmptyListSaysHowToAdd) {
  auto r = ec2dl({"hosts", "list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("ec2dl hosts add"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(config()));  // listing writes nothing
  r = ec2dl({"hosts", "default"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no default host"), std::string::npos);
}

TEST_F(Hosts, RemoveAndUnset) {
  ASSERT_EQ(add_sandbox("sbx").status, 0);
  ASSERT_EQ(ec2dl({"hosts", "add", "b", "h2"}).status, 0);
  auto r = ec2dl({"hosts", "rm", "nope"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no host named 'nope'"), std::string::npos) << r.err;
  r = ec2dl({"hosts", "rm", "sbx", "nope"});  // all or nothing
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(read_text(config()).find("[hosts.sbx]"), std::string::npos);
  r = ec2dl({"hosts", "rm", "sbx"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("was the default host"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(config()).find("sbx"), std::string::npos) << read_text(config());
  // No default any more: a command without -H says how to choose.
  r = ec2dl({"exec", "--", "true"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no server given"), std::string::npos) << r.err;
  ASSERT_EQ(ec2dl({"hosts", "default", "b"}).status, 0);
  ASSERT_EQ(ec2dl({"hosts", "default", "--unset"}).status, 0);
  EXPECT_EQ(read_text(config()).find("default ="), std::string::npos);
  EXPECT_EQ(ec2dl({"hosts", "default", "nope"}).status, 1);
}

TEST_F(Hosts, SameNameNeedsReplace) {
  ASSERT_EQ(add_sandbox("sbx").status, 0);
  const auto before = read_text(config());
  auto r = ec2dl({"hosts", "add", "sbx", "other.example"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--replace"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(config()), before);
  r = ec2dl({"hosts", "add", "sbx", "other.example", "--replace"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_text(config()).find("host = \"other.example\""), std::string::npos);
}

// flags > environment > ec2dl config > ~/.ssh/config > defaults.
TEST_F(Hosts, PrecedenceFlagsEnvironmentProfileSshConfig) {
  const auto& sb = sandbox();
  // A profile on top of the ssh alias "sandbox" (User: the dash user), naming the bash user.
  ASSERT_EQ(ec2dl({"hosts", "add", "p", "sandbox", "-l", sb.user_bash()}).status, 0);
  // profile over ssh config
  EXPECT_EQ(ec2dl({"exec", "--", "id", "-un"}).out, sb.user_bash() + "\n");
  EXPECT_EQ(ec2dl({"-H", "p", "exec", "--", "id", "-un"}).out, sb.user_bash() + "\n");
  // flag over profile
  EXPECT_EQ(ec2dl({"-H", "p", "-l", sb.user(), "exec", "--", "id", "-un"}).out, sb.user() + "\n");
  EXPECT_EQ(ec2dl({"-H", sb.user() + "@p", "exec", "--", "id", "-un"}).out, sb.user() + "\n");
  // environment over the default profile
  EXPECT_EQ(ec2dl({"exec", "--", "id", "-un"}, {{"EC2DL_HOST", "sandbox"}}).out, sb.user() + "\n");
  // flag over environment
  EXPECT_EQ(ec2dl({"-H", "p", "exec", "--", "id", "-un"}, {{"EC2DL_HOST", "sandbox"}}).out,
            sb.user_bash() + "\n");
  // a profile's port over ssh config's, and a flag's over the profile's
  ASSERT_EQ(ec2dl({"hosts", "add", "badport", "sandbox", "-p", "1"}).status, 0);
  auto r = ec2dl({"-H", "badport", "exec", "--", "true"});
  EXPECT_EQ(r.status, 255);
  EXPECT_NE(r.err.find(":1"), std::string::npos) << r.err;
  r = ec2dl({"-H", "badport", "-p", std::to_string(sb.port()), "exec", "--", "true"});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Hosts, ProfileKeyIsUsedAndDefaultsDoNot) {
  const auto& sb = sandbox();
  // Without a key from anywhere the server refuses; the profile's key gets in.
  ASSERT_EQ(ec2dl({"hosts", "add", "nokey", sb.user() + "@127.0.0.1:" + std::to_string(sb.port())})
                .status,
            0);
  auto r = ec2dl({"-H", "nokey", "exec", "--", "true"});
  EXPECT_EQ(r.status, 255) << r.err;
  ASSERT_EQ(add_sandbox("withkey").status, 0);
  r = ec2dl({"-H", "withkey", "exec", "--", "true"});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Hosts, KeyPathsAreRecordedSoTheyWorkFromAnywhere) {
  TempDir keys;
  const auto key = keys.path() + "/k.pem";
  std::filesystem::copy_file(sandbox().key(), key);
  ::chmod(key.c_str(), 0644);
  RunOptions o = env();
  o.cwd = keys.path();
  auto r = sandbox().ec2dl({"hosts", "add", "rel", "h.example", "-i", "k.pem"}, o);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_text(config()).find("identity = \"" + key + "\""), std::string::npos)
      << read_text(config());
  // A key others can read is saved, with the fix in a warning.
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  // A key in the home is written with ~ (the shell had expanded it).
  r = ec2dl({"hosts", "add", "home", "h.example", "-i", sandbox().client_home() + "/.ssh/id_test"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_text(config()).find("identity = \"~/.ssh/id_test\""), std::string::npos);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST_F(Hosts, BadInputIsRefusedAndNothingIsWritten) {
  const std::vector<std::vector<std::string>> bad = {
      {"hosts", "add", "$(id)", "h"},
      {"hosts", "add", "a b", "h"},
      {"hosts", "add", ".hidden", "h"},
      {"hosts", "add", "x", "u@"},
      {"hosts", "add", "x", "h:99999"},
      {"hosts", "add", "x", "h;rm -rf ~"},
      {"hosts", "add", "x", "h", "--env", "NOEQUALS"},
      {"hosts", "add", "x", "h", "--env", "1BAD=v"},
      {"hosts", "add", "x", "h", "--workdir", "a\nb"},
      {"hosts", "add", "x", "u@h", "-l", "v"},
      {"hosts", "add", "x", "h:22", "-p", "23"},
      {"-H", "y", "hosts", "add", "x", "h"},
      {"hosts", "add", "x", "h", "--python", "py\xff"},
      {"hosts", "rm", "../x"},
      {"hosts", "default", "a", "--unset"},
  };
  for (const auto& args : bad) {
    auto r = ec2dl(args);
    EXPECT_EQ(r.status, 2) << args[2] << ": " << r.err;
    EXPECT_NE(r.err.find("ec2dl: error: "), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(config())) << args[3];
  }
  // Every problem at once.
  auto r = ec2dl({"hosts", "add", "a b", "u@", "--env", "X"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("name 'a b'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("empty host name"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--env 'X'"), std::string::npos) << r.err;
}

TEST_F(Hosts, HostileValuesAreStoredExactly) {
  const std::string workdir = "~/my \"dir\" $(touch /tmp/pwned) 'x' \\";
  const std::string value = "a b\"c'd$(id)`id`\\e";
  auto r = ec2dl({"hosts", "add", "h", "h.example", "--workdir", workdir, "--python",
                  "conda run -n base python", "--env", "A=" + value, "--env", "B="});
  ASSERT_EQ(r.status, 0) << r.err;
  r = ec2dl({"--json", "hosts", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& h = j.at("hosts").at(0);
  EXPECT_EQ(h.at("workdir"), workdir);
  EXPECT_EQ(h.at("python"), "conda run -n base python");
  EXPECT_EQ(h.at("env").at("A"), value);
  EXPECT_EQ(h.at("env").at("B"), "");
}

TEST_F(Hosts, MalformedConfigIsReportedAndNeverOverwritten) {
  std::filesystem::create_directories(dir.path() + "/ec2dl");
  const std::string broken =
      "# mine\ndefault = \"a\"\n[hosts.a]\nhost = \"h\"\nport = \"twenty-two\"\n";
  write_text(config(), broken);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"hosts", "add", "b", "h2"},
           {"hosts", "rm", "a"},
           {"hosts", "default", "a"},
           {"hosts", "list"},
           {"exec", "--", "true"},
       }) {
    auto r = ec2dl(args);
    EXPECT_EQ(r.status, 1) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(config() + ":5: hosts.a.port"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;  // no crash
    EXPECT_EQ(read_text(config()), broken);
  }
  write_text(config(), "[hosts.a\nhost = 1\n");
  auto r = ec2dl({"hosts", "add", "b", "h2"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(config() + ":1:"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(config()), "[hosts.a\nhost = 1\n");
}

TEST_F(Hosts, HandWrittenCommentsSurviveEdits) {
  std::filesystem::create_directories(dir.path() + "/ec2dl");
  write_text(config(),
             "# my servers\n\n[hosts.old]   # keep me\nhost = \"old.example\"  # the old box\n");
  ASSERT_EQ(add_sandbox("sbx").status, 0);
  ASSERT_EQ(ec2dl({"hosts", "rm", "sbx"}).status, 0);
  const auto text = read_text(config());
  EXPECT_NE(text.find("# my servers"), std::string::npos) << text;
  EXPECT_NE(text.find("host = \"old.example\"  # the old box"), std::string::npos) << text;
}

TEST_F(Hosts, RemoteDirOfTheProfileIsTheRegistry) {
  ASSERT_EQ(add_sandbox("sbx", {"--remote-dir", "~/reg-of-profile"}).status, 0);
  auto r = ec2dl({"--json", "doctor"});
  EXPECT_NE(r.out.find("/reg-of-profile"), std::string::npos) << r.out;
  // The environment and the flag come first.
  r = ec2dl({"--json", "doctor"}, {{"EC2DL_REMOTE_DIR", "~/reg-of-env"}});
  EXPECT_NE(r.out.find("/reg-of-env"), std::string::npos) << r.out;
  r = ec2dl({"--json", "--remote-dir", "~/reg-of-flag", "doctor"},
            {{"EC2DL_REMOTE_DIR", "~/reg-of-env"}});
  EXPECT_NE(r.out.find("/reg-of-flag"), std::string::npos) << r.out;
}

TEST_F(Hosts, WorkdirPythonAndEnvAreDefaultsOfRunAndPush) {
  const auto& sb = sandbox();
  sb.as_user(
      "rm -rf wd-prof && mkdir wd-prof && printf '#!/bin/sh\\necho fake \"$@\"\\n' "
      ">wd-prof/mypy && chmod +x wd-prof/mypy");
  ASSERT_EQ(ec2dl({"hosts", "add", "w", "sandbox", "--workdir", "~/wd-prof", "--python",
                   sb.home() + "/wd-prof/mypy", "--env", "FOO=bar baz"})
                .status,
            0);
  // run: the job starts in the workdir with the profile's environment.
  auto r = ec2dl({"run", "-q", "--wait", "--", "sh", "-c", "pwd; echo \"FOO=$FOO\""});
  ASSERT_EQ(r.status, 0) << r.err;
  auto log = ec2dl({"tail", "-n", "5", r.out.substr(0, r.out.find('\n'))});
  EXPECT_EQ(log.out, sb.home() + "/wd-prof\nFOO=bar baz\n") << log.err;
  // Flags still win.
  r = ec2dl({"run", "-q", "--wait", "--env", "FOO=flag", "--workdir", "~", "--", "sh", "-c",
             "pwd; echo \"FOO=$FOO\""});
  ASSERT_EQ(r.status, 0) << r.err;
  log = ec2dl({"tail", "-n", "5", r.out.substr(0, r.out.find('\n'))});
  EXPECT_EQ(log.out, sb.home() + "\nFOO=flag\n") << log.err;
  // run of a .py script: pushed into the workdir and started with the profile's python.
  const TempDir local;
  write_text(local.path() + "/train.py", "print('hi')\n");
  r = ec2dl({"run", "-q", "--wait", local.path() + "/train.py", "--lr", "0.1"});
  ASSERT_EQ(r.status, 0) << r.err;
  log = ec2dl({"tail", "-n", "5", r.out.substr(0, r.out.find('\n'))});
  EXPECT_EQ(log.out, "fake train.py --lr 0.1\n") << log.err;
  // push with no destination: into the workdir.
  write_text(local.path() + "/data.csv", "1,2\n");
  r = ec2dl({"push", local.path() + "/data.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb.as_user("cat wd-prof/data.csv").out, "1,2\n");
}

TEST_F(Hosts, HostsNeverConnects) {
  // A profile for an address nobody answers at: adding, listing and removing are instant
  // and never touch the network (a connect would fail with 255).
  auto r = ec2dl({"hosts", "add", "dead", "192.0.2.1", "--connect-timeout", "1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(ec2dl({"hosts", "list"}).status, 0);
  EXPECT_EQ(ec2dl({"hosts", "rm", "dead"}).status, 0);
}

}  // namespace
}  // namespace ec2dl::test
