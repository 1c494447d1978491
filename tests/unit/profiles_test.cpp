// Host profiles: the config.toml model, its errors, in-place edits, and how a profile feeds
// target resolution (flags > environment > profile > ssh config > defaults).
#include "ec2dl/core/profiles.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ec2dl/core/target.hpp"
#include "ec2dl/util/fs.hpp"
#include "support/fixtures.hpp"

namespace ec2dl::core {
namespace {

const char* k_full = R"(# my servers
default = "gpu1"

[hosts.gpu1]   # the big one
host = "54.218.86.47"
user = "ec2-user"
port = 2222
identity = "~/.ssh/aws-keypair.pem"
workdir = "~/proj"
python = "/opt/conda/bin/python"
remote_dir = "~/.jobs"
env = { WANDB_MODE = "offline", OMP_NUM_THREADS = "4" }

# the lab machine
[hosts.lab]
host = "lab-alias"
)";

ProfileConfig parsed(const std::string& text) {
  auto c = ProfileConfig::parse(text, "/cfg/config.toml");
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message());
  return c ? *c : ProfileConfig();
}

std::string parse_error(const std::string& text) {
  auto c = ProfileConfig::parse(text, "/cfg/config.toml");
  EXPECT_FALSE(c.has_value()) << "parsed: " << text;
  return c ? std::string() : c.error().message();
}

TEST(Profiles, ReadsEverySetting) {
  const auto c = parsed(k_full);
  EXPECT_EQ(c.default_host(), "gpu1");
  ASSERT_EQ(c.hosts().size(), 2u);
  EXPECT_EQ(c.hosts()[0].name, "gpu1");  // file order
  EXPECT_EQ(c.hosts()[1].name, "lab");
  const auto* p = c.find("gpu1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->host, "54.218.86.47");
  EXPECT_EQ(p->user, "ec2-user");
  EXPECT_EQ(p->port, 2222);
  EXPECT_EQ(p->identity, "~/.ssh/aws-keypair.pem");
  EXPECT_EQ(p->workdir, "~/proj");
  EXPECT_EQ(p->python, "/opt/conda/bin/python");
  EXPECT_EQ(p->remote_dir, "~/.jobs");
  EXPECT_EQ(p->env.at("WANDB_MODE"), "offline");
  EXPECT_EQ(p->env.at("OMP_NUM_THREADS"), "4");
  EXPECT_EQ(p->line, 4);
  EXPECT_EQ(p->display(), "ec2-user@54.218.86.47:2222");
  EXPECT_EQ(c.find("lab")->display(), "lab-alias");
  EXPECT_EQ(c.find("nope"), nullptr);
}

TEST(Profiles, EmptyTextIsAnEmptyConfig) {
  const auto c = parsed("");
  EXPECT_TRUE(c.hosts().empty());
  EXPECT_EQ(c.default_host(), "");
}

TEST(Profiles, MalformedFilesNameFileLineAndProblem) {
  EXPECT_EQ(parse_error("default = \"a\"\n[hosts.a]\nhost = \n").substr(0, 21),
            "/cfg/config.toml:3:8:");
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"h\"\nidentiy = \"k\"\n")
                .find("/cfg/config.toml:3: hosts.a: unknown setting 'identiy'"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"h\"\nport = \"22\"\n").find(":3: hosts.a.port"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"h\"\nport = 70000\n").find("1 to 65535"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = 5\n").find(":2: hosts.a.host: expected a string"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nuser = \"u\"\n").find("no host"), std::string::npos);
  EXPECT_NE(parse_error("default = \"b\"\n[hosts.a]\nhost = \"h\"\n")
                .find(":1: default: no host named 'b'"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"u@h\"\n").find("user or a port"), std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"h;rm\"\n").find("invalid character"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.\"a b\"]\nhost = \"h\"\n").find("host name 'a b'"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"h\"\nenv = { \"1X\" = \"v\" }\n")
                .find("'1X' is not a variable name"),
            std::string::npos);
  EXPECT_NE(parse_error("[hosts.a]\nhost = \"h\"\nenv = { X = 1 }\n").find("hosts.a.env.X"),
            std::string::npos);
  EXPECT_NE(parse_error("hosts = 3\n").find(":1: hosts: expected a table"), std::string::npos);
  EXPECT_NE(parse_error("colour = true\n").find(":1: unknown setting 'colour'"), std::string::npos);
  EXPECT_NE(parse_error("\xff = 1\n").find("/cfg/config.toml:1"), std::string::npos);
}

TEST(Profiles, NamesAndVariables) {
  EXPECT_EQ(profile_name_problem("gpu1"), "");
  EXPECT_EQ(profile_name_problem("a.b_c-d"), "");
  EXPECT_NE(profile_name_problem(""), "");
  EXPECT_NE(profile_name_problem("-x"), "");
  EXPECT_NE(profile_name_problem(".x"), "");
  EXPECT_NE(profile_name_problem("a b"), "");
  EXPECT_NE(profile_name_problem("a/b"), "");
  EXPECT_NE(profile_name_problem("$(id)"), "");
  EXPECT_NE(profile_name_problem(std::string(65, 'a')), "");
  EXPECT_TRUE(valid_env_name("_A1"));
  EXPECT_FALSE(valid_env_name("1A"));
  EXPECT_FALSE(valid_env_name("A-B"));
  EXPECT_FALSE(valid_env_name(""));
}

TEST(Profiles, EditsKeepCommentsAndLayout) {
  auto c = parsed(k_full);
  Profile p;
  p.name = "new";
  p.host = "10.0.0.9";
  p.port = 22;
  c.put(p);
  ASSERT_TRUE(c.remove("lab"));
  const auto text = c.render();
  EXPECT_NE(text.find("# my servers\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[hosts.gpu1]   # the big one\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("lab-alias"), std::string::npos) << text;
  EXPECT_NE(text.find("[hosts.new]\nhost = \"10.0.0.9\"\nport = 22\n"), std::string::npos) << text;
  const auto again = parsed(text);
  EXPECT_EQ(again.default_host(), "gpu1");
  ASSERT_EQ(again.hosts().size(), 2u);
  EXPECT_EQ(again.find("gpu1")->env.size(), 2u);
}

TEST(Profiles, ReplacingAHostKeepsItsPlace) {
  auto c = parsed(k_full);
  Profile p;
  p.name = "gpu1";
  p.host = "54.218.86.48";
  c.put(p);
  const auto text = c.render();
  const auto again = parsed(text);
  ASSERT_EQ(again.hosts().size(), 2u);
  EXPECT_EQ(again.hosts()[0].name, "gpu1");
  EXPECT_EQ(again.find("gpu1")->host, "54.218.86.48");
  EXPECT_EQ(again.find("gpu1")->user, "");
  EXPECT_NE(text.find("# the lab machine"), std::string::npos);
}

TEST(Profiles, DefaultLineIsInsertedChangedAndRemoved) {
  auto c = parsed("# top comment\n\n[hosts.a]\nhost = \"h\"\n");
  c.set_default("a");
  auto text = c.render();
  EXPECT_EQ(text, "# top comment\ndefault = \"a\"\n\n[hosts.a]\nhost = \"h\"\n");
  auto c2 = parsed(text);
  c2.set_default({});
  EXPECT_EQ(c2.render(), "# top comment\n\n[hosts.a]\nhost = \"h\"\n");
  auto c3 = parsed("[hosts.a]\nhost = \"h\"\n");
  c3.set_default("a");
  EXPECT_EQ(c3.render(), "default = \"a\"\n\n[hosts.a]\nhost = \"h\"\n");
}

TEST(Profiles, UnrelatedLayoutIsLeftAlone) {
  const std::string text =
      "# a\n\n\n# b\ndefault = \"a\"\n\n[hosts.a]\nhost = \"h\"\n\n\n[hosts.b]\nhost = \"i\"\n";
  auto c = parsed(text);
  c.set_default("a");  // no change
  EXPECT_EQ(c.render(), text);
  c.set_default("b");
  auto changed = text;
  changed.replace(changed.find("default = \"a\""), 13, "default = \"b\"");
  EXPECT_EQ(c.render(), changed);
}

TEST(Profiles, RemovingTheDefaultHostClearsTheDefault) {
  auto c = parsed(k_full);
  ASSERT_TRUE(c.remove("gpu1"));
  EXPECT_FALSE(c.remove("gpu1"));
  EXPECT_EQ(c.default_host(), "");
  const auto again = parsed(c.render());
  EXPECT_EQ(again.default_host(), "");
  EXPECT_EQ(again.hosts().size(), 1u);
}

TEST(Profiles, OtherLayoutsAreRewrittenWithTheSameContents) {
  // Inline tables cannot be edited line by line: the file is written afresh instead.
  auto c = parsed("[hosts]\na = { host = \"h1\" }\nb = { host = \"h2\", port = 2 }\n");
  Profile p;
  p.name = "c";
  p.host = "h3";
  c.put(p);
  const auto again = parsed(c.render());
  ASSERT_EQ(again.hosts().size(), 3u);
  EXPECT_EQ(again.find("b")->port, 2);
  EXPECT_EQ(again.find("c")->host, "h3");
}

TEST(Profiles, HostileValuesRoundTrip) {
  ProfileConfig c = parsed("");
  Profile p;
  p.name = "x.y";
  p.host = "h";
  p.workdir = "~/my \"dir\" with \\ and ''' and \"\"\"";
  p.python = "conda run -n base python";
  p.identity = "/keys/k é.pem";
  p.env["A"] = "line1\nline2\ttab $(id) `id`";
  p.env["B"] = "";
  c.put(p);
  c.set_default("x.y");
  const auto again = parsed(c.render());
  ASSERT_EQ(again.hosts().size(), 1u);
  const auto& q = again.hosts()[0];
  EXPECT_EQ(q.name, "x.y");
  EXPECT_EQ(q.workdir, p.workdir);
  EXPECT_EQ(q.python, p.python);
  EXPECT_EQ(q.identity, p.identity);
  EXPECT_EQ(q.env, p.env);
  EXPECT_EQ(again.default_host(), "x.y");
}

using test::TempDir;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Profiles, MissingFileIsEmptyAndSaveCreatesPrivateFiles) {
  TempDir dir;
  const auto path = dir.path() + "/conf/ec2dl/config.toml";
  auto c = ProfileConfig::load(path);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->exists());
  Profile p;
  p.name = "a";
  p.host = "h";
  c->put(p);
  c->set_default("a");
  ASSERT_TRUE(c->save().has_value());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/conf/ec2dl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir.path() + "/conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = ProfileConfig::load(path);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->exists());
  EXPECT_EQ(back->default_host(), "a");
}

TEST(Profiles, LoadRefusesFoldersAndHugeFiles) {
  TempDir dir;
  EXPECT_FALSE(ProfileConfig::load(dir.path()).has_value());
  write(dir.path() + "/big.toml", std::string(2u << 20, '#'));
  auto big = ProfileConfig::load(dir.path() + "/big.toml");
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().message().find("1 MiB"), std::string::npos);
}

TEST(Profiles, ConfigPathFollowsTheEnvironment) {
  Environment env;
  env.home = "/home/u";
  EXPECT_EQ(profile_config_path(env), "/home/u/.config/ec2dl/config.toml");
  env.vars["XDG_CONFIG_HOME"] = "relative/ignored";
  EXPECT_EQ(profile_config_path(env), "/home/u/.config/ec2dl/config.toml");
  env.vars["XDG_CONFIG_HOME"] = "/xdg";
  EXPECT_EQ(profile_config_path(env), "/xdg/ec2dl/config.toml");
  env.vars["EC2DL_CONFIG"] = "/etc/my.toml";
  EXPECT_EQ(profile_config_path(env), "/etc/my.toml");
}

TEST(Profiles, SelectionFollowsFlagThenEnvironmentThenDefault) {
  const auto c = parsed(k_full);
  GlobalOptions g;
  Environment env;
  auto pick = [&]() -> std::string {
    auto p = select_profile(c, g, env);
    EXPECT_TRUE(p.has_value());
    return p && *p ? (*p)->name : std::string("(none)");
  };
  EXPECT_EQ(pick(), "gpu1");  // the default
  env.vars["EC2DL_HOST"] = "lab";
  EXPECT_EQ(pick(), "lab");
  g.host = "me@lab:2200";
  EXPECT_EQ(pick(), "lab");
  g.host = "some-ssh-alias";
  EXPECT_EQ(pick(), "(none)");
  EXPECT_FALSE(select_profile(c, GlobalOptions{.host = "a@"}, env).has_value());
}

// Target resolution with a profile, against an ssh config of its own.
class ProfileTarget : public ::testing::Test {
 protected:
  void SetUp() override {
    env.home = dir.path();
    env.local_user = "localme";
    std::filesystem::create_directories(dir.path() + "/.ssh");
    write(dir.path() + "/.ssh/config",
          "Host lab-alias\n  HostName 10.1.2.3\n  User cfguser\n  Port 2201\n"
          "  IdentityFile ~/.ssh/lab_key\n"
          "Host 54.218.86.47\n  User ignored-by-profile\n");
    g.ssh_config = dir.path() + "/.ssh/config";
    config = parsed(k_full);
  }
  Target resolve() {
    auto p = select_profile(config, g, env);
    EXPECT_TRUE(p.has_value());
    const Profile* profile = p && *p ? &**p : nullptr;
    auto t = resolve_target(g, env, false, profile);
    EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message());
    return t ? *t : Target();
  }
  TempDir dir;
  Environment env;
  GlobalOptions g;
  ProfileConfig config;
};

TEST_F(ProfileTarget, ProfileComesBelowFlagsAndAboveSshConfig) {
  auto t = resolve();  // the default profile gpu1
  EXPECT_EQ(t.alias, "gpu1");
  EXPECT_EQ(t.hostname, "54.218.86.47");
  EXPECT_EQ(t.user, "ec2-user");  // profile over ssh config's User
  EXPECT_EQ(t.port, 2222);
  ASSERT_FALSE(t.identity_files.empty());
  EXPECT_EQ(t.identity_files.front(), dir.path() + "/.ssh/aws-keypair.pem");
  EXPECT_TRUE(t.identities_explicit);

  g.user = "flaguser";
  g.port = 2022;
  g.identity = "/k/flag_key";
  t = resolve();
  EXPECT_EQ(t.user, "flaguser");
  EXPECT_EQ(t.port, 2022);
  ASSERT_EQ(t.identity_files.size(), 2u);
  EXPECT_EQ(t.identity_files[0], "/k/flag_key");
  EXPECT_EQ(t.identity_files[1], dir.path() + "/.ssh/aws-keypair.pem");
}

TEST_F(ProfileTarget, UserAndPortInTheNameBeatTheProfile) {
  g.host = "root@gpu1:2300";
  auto t = resolve();
  EXPECT_EQ(t.user, "root");
  EXPECT_EQ(t.port, 2300);
  EXPECT_EQ(t.hostname, "54.218.86.47");
}

TEST_F(ProfileTarget, ProfileHostIsLookedUpInSshConfig) {
  g.host = "lab";
  auto t = resolve();
  EXPECT_EQ(t.alias, "lab");
  EXPECT_EQ(t.hostname, "10.1.2.3");
  EXPECT_EQ(t.user, "cfguser");
  EXPECT_EQ(t.port, 2201);
  ASSERT_FALSE(t.identity_files.empty());
  EXPECT_EQ(t.identity_files.front(), dir.path() + "/.ssh/lab_key");
}

TEST_F(ProfileTarget, EnvironmentBeatsTheDefaultHost) {
  env.vars["EC2DL_HOST"] = "lab-alias";  // an ssh alias, not a profile
  auto t = resolve();
  EXPECT_EQ(t.alias, "lab-alias");
  EXPECT_EQ(t.hostname, "10.1.2.3");
  EXPECT_EQ(t.user, "cfguser");
}

TEST_F(ProfileTarget, NoHostAnywhereSaysHowToSaveOne) {
  config = parsed("");
  auto t = resolve_target(g, env, false, nullptr);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().kind(), ErrorKind::usage);
  EXPECT_NE(t.error().hint().find("ec2dl hosts add"), std::string::npos);
}

}  // namespace
}  // namespace ec2dl::core
