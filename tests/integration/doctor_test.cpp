// ec2dl doctor against a real sshd: a healthy setup, and each broken case with its fix.
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

struct Doctor {
  ProcessResult run;
  nlohmann::json report;
  // The check called `name` in `section` (the first one), or null.
  nlohmann::json check(const std::string& section, const std::string& name) const {
    for (const auto& c : report.at("checks")) {
      if (c.at("section") == section && c.at("name") == name) {
        return c;
      }
    }
    return nullptr;
  }
  std::string status(const std::string& section, const std::string& name) const {
    const auto c = check(section, name);
    return c.is_null() ? "(absent)" : c.at("status").get<std::string>();
  }
};

// Runs `ec2dl ARGS doctor AFTER` twice: as text (kept in .run) and as JSON (parsed into
// .report).
Doctor doctor(std::vector<std::string> args, RunOptions options = {},
              const std::vector<std::string>& after = {}) {
  Doctor d;
  args.push_back("doctor");
  args.insert(args.end(), after.begin(), after.end());
  d.run = sandbox().ec2dl(args, options);
  auto json_args = args;
  json_args.insert(json_args.begin(), "--json");
  const auto j = sandbox().ec2dl(json_args, options);
  EXPECT_EQ(j.status, d.run.status) << j.err;
  d.report = nlohmann::json::parse(j.out);
  return d;
}

class DoctorTest : public ::testing::Test {
 protected:
  void TearDown() override { sandbox().set_gpu_state("4x-h100"); }
};

TEST_F(DoctorTest, HealthySetupPassesEveryCheck) {
  const auto d = doctor({});
  EXPECT_EQ(d.run.status, 0) << d.run.out << d.run.err;
  for (const auto* name : {"config", "server", "key", "agent", "known host"}) {
    EXPECT_EQ(d.status("local", name), "ok") << name << "\n" << d.run.out;
  }
  for (const auto* name : {"reachable", "sh", "python", "nvidia-smi", "driver", "registry"}) {
    EXPECT_EQ(d.status("server", name), "ok") << name << "\n" << d.run.out;
  }
  EXPECT_NE(d.status("server", "disk"), "(absent)");
  EXPECT_NE(d.check("server", "driver").at("detail").get<std::string>().find("4 x NVIDIA H100"),
            std::string::npos)
      << d.run.out;
  EXPECT_NE(d.check("server", "python").at("detail").get<std::string>().find("Python 3"),
            std::string::npos);
  EXPECT_EQ(d.report.at("ok"), true);
  EXPECT_EQ(d.report.at("problems"), 0);
  // The text report: one line per check, a summary at the end, nothing on stderr.
  EXPECT_NE(d.run.out.find("local\n"), std::string::npos) << d.run.out;
  EXPECT_NE(d.run.out.find("server\n"), std::string::npos) << d.run.out;
  EXPECT_NE(d.run.out.find("  ok    known host"), std::string::npos) << d.run.out;
  EXPECT_NE(d.run.out.find("no problems found"), std::string::npos) << d.run.out;
  EXPECT_EQ(d.run.err, "");
  // Nothing was left on the server.
  EXPECT_EQ(sandbox().as_user("ls -A ~/.ec2dl 2>/dev/null | grep doctor").out, "");
}

TEST_F(DoctorTest, DriverNotLoadedFailsWithAFix) {
  sandbox().set_gpu_state("no-driver");
  const auto d = doctor({});
  EXPECT_EQ(d.run.status, 1) << d.run.out;
  EXPECT_EQ(d.status("server", "driver"), "fail") << d.run.out;
  const auto c = d.check("server", "driver");
  EXPECT_NE(c.at("detail").get<std::string>().find("NVIDIA driver"), std::string::npos);
  EXPECT_TRUE(c.at("fix").is_string());
  EXPECT_NE(d.run.out.find("  FAIL  driver"), std::string::npos) << d.run.out;
  EXPECT_NE(d.run.out.find("        fix: "), std::string::npos) << d.run.out;
  EXPECT_NE(d.run.out.find("1 problem found"), std::string::npos) << d.run.out;
}

TEST_F(DoctorTest, NoGpuListedIsAProblem) {
  sandbox().set_gpu_state("no-devices");
  const auto d = doctor({});
  EXPECT_EQ(d.run.status, 1);
  EXPECT_EQ(d.status("server", "driver"), "fail") << d.run.out;
}

TEST_F(DoctorTest, KeyReadableByOthersGivesTheChmod) {
  TempDir dir;
  const auto key = dir.path() + "/aws-keypair.pem";
  std::filesystem::copy_file(sandbox().key(), key);
  ::chmod(key.c_str(), 0644);
  const auto d = doctor({"-i", key});
  EXPECT_EQ(d.run.status, 1) << d.run.out;
  bool found = false;
  for (const auto& c : d.report.at("checks")) {
    if (c.at("name") == "key" && c.at("status") == "fail") {
      found = true;
      EXPECT_NE(c.at("detail").get<std::string>().find("0644"), std::string::npos);
      EXPECT_EQ(c.at("fix"), "chmod 600 " + key);
    }
  }
  EXPECT_TRUE(found) << d.run.out;
  // The fix works: after it, that check passes.
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  const auto again = doctor({"-i", key});
  EXPECT_EQ(again.run.status, 0) << again.run.out;
}

TEST_F(DoctorTest, MissingKeyNamedExplicitlyFails) {
  const auto d = doctor({"-i", "/nonexistent/key.pem"});
  EXPECT_EQ(d.run.status, 1);
  EXPECT_NE(d.run.out.find("/nonexistent/key.pem: No such file"), std::string::npos) << d.run.out;
}

TEST_F(DoctorTest, UnknownHostKeyIsReportedNotAccepted) {
  TempDir dir;
  const auto empty = dir.path() + "/known_hosts";
  write_text(empty, "");
  const auto d = doctor({"--known-hosts", empty});
  EXPECT_EQ(d.run.status, 1) << d.run.out;
  EXPECT_EQ(d.status("local", "known host"), "fail");
  const auto fix = d.check("local", "known host").at("fix").get<std::string>();
  EXPECT_NE(fix.find("--host-key-check ask"), std::string::npos) << fix;
  EXPECT_NE(fix.find("--known-hosts " + empty), std::string::npos) << fix;
  EXPECT_EQ(d.status("server", "reachable"), "warn") << d.run.out;
  EXPECT_EQ(d.status("server", "checks"), "skip");
  EXPECT_EQ(read_text(empty), "");  // doctor never records a key by itself
  // Asked to, it does; then everything passes.
  const auto accept =
      sandbox().ec2dl({"--known-hosts", empty, "--host-key-check", "accept-new", "doctor"});
  EXPECT_NE(accept.err.find("permanently added"), std::string::npos) << accept.err;
  EXPECT_NE(read_text(empty), "");
  const auto after = doctor({"--known-hosts", empty});
  EXPECT_EQ(after.run.status, 0) << after.run.out;
}

TEST_F(DoctorTest, UnreachableServerSaysWhatToCheck) {
  const auto d = doctor({"-H", sandbox().user() + "@127.0.0.1:1"});
  EXPECT_EQ(d.run.status, 1);
  EXPECT_EQ(d.status("server", "reachable"), "fail") << d.run.out;
  const auto fix = d.check("server", "reachable").at("fix").get<std::string>();
  EXPECT_NE(fix.find("port 1"), std::string::npos) << fix;
  EXPECT_EQ(d.status("server", "checks"), "skip");
}

TEST_F(DoctorTest, UnresolvableHostFails) {
  const auto d = doctor({"-H", "no-such-host.invalid"});
  EXPECT_EQ(d.run.status, 1);
  EXPECT_EQ(d.status("server", "reachable"), "fail") << d.run.out;
}

TEST_F(DoctorTest, NoServerAnywhereSaysHowToSaveOne) {
  TempDir dir;
  RunOptions o;
  o.env = {{"EC2DL_HOST", ""}, {"EC2DL_CONFIG", dir.path() + "/none.toml"}};
  const auto d = doctor({}, o);
  EXPECT_EQ(d.run.status, 1);
  EXPECT_EQ(d.status("local", "server"), "fail");
  EXPECT_NE(d.check("local", "server").at("fix").get<std::string>().find("ec2dl hosts add"),
            std::string::npos);
  EXPECT_TRUE(d.report.at("server").is_null());
}

TEST_F(DoctorTest, MalformedConfigIsAProblemAndStaysUntouched) {
  TempDir dir;
  const auto path = dir.path() + "/config.toml";
  const std::string text = "[hosts.a]\nhost = \"h\"\nbogus = 1\n";
  write_text(path, text);
  RunOptions o;
  o.env = {{"EC2DL_CONFIG", path}};
  const auto d = doctor({}, o);
  EXPECT_EQ(d.run.status, 1);
  EXPECT_EQ(d.status("local", "config"), "fail");
  EXPECT_NE(d.check("local", "config").at("detail").get<std::string>().find(path + ":3:"),
            std::string::npos)
      << d.run.out;
  EXPECT_EQ(read_text(path), text);
}

TEST_F(DoctorTest, MissingPythonAndUnwritableRegistry) {
  TempDir dir;
  const auto path = dir.path() + "/config.toml";
  const auto& sb = sandbox();
  write_text(path,
             "[hosts.p]\nhost = \"sandbox\"\npython = \"no-such-python3\"\n"
             "remote_dir = \"/proc/ec2dl-registry\"\n");
  RunOptions o;
  o.env = {{"EC2DL_CONFIG", path}};
  const auto d = doctor({"-H", "p"}, o);
  EXPECT_EQ(d.run.status, 1) << d.run.out;
  EXPECT_EQ(d.status("server", "python"), "fail") << d.run.out;
  EXPECT_NE(d.check("server", "python").at("detail").get<std::string>().find("no-such-python3"),
            std::string::npos);
  EXPECT_EQ(d.status("server", "registry"), "fail") << d.run.out;
  EXPECT_TRUE(d.check("server", "registry").at("fix").is_string());
  EXPECT_EQ(d.report.at("server"), "p");
  EXPECT_NE(d.report.at("target").get<std::string>().find(sb.user() + "@127.0.0.1:"),
            std::string::npos);
}

TEST_F(DoctorTest, LocalOnlyDoesNotConnect) {
  const auto d = doctor({}, {}, {"--local"});
  EXPECT_EQ(d.run.status, 0) << d.run.out;
  EXPECT_EQ(d.status("local", "known host"), "ok");
  EXPECT_EQ(d.status("server", "reachable"), "(absent)");
  EXPECT_EQ(d.run.out.find("server\n"), std::string::npos) << d.run.out;
  // A server that cannot be reached passes the local checks but for its host key.
  const auto far = doctor({"-H", "127.0.0.1:1"}, {}, {"--local"});
  EXPECT_EQ(far.status("local", "known host"), "fail");
  EXPECT_EQ(far.status("server", "reachable"), "(absent)");
}

}  // namespace
}  // namespace ec2dl::test
