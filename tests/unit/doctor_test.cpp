// Reading the server report of doctor.sh into checks, and the text report.
#include "ec2dl/cli/commands/doctor.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ec2dl/util/strings.hpp"
#include "support/fixtures.hpp"

namespace ec2dl::cli::doctor_cmd {
namespace {

const Check* find(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

std::string status_of(const std::vector<Check>& checks, const std::string& name) {
  const auto* c = find(checks, name);
  return c == nullptr ? "(absent)" : c->status;
}

// doctor.sh's "gpu" lines for a recorded state: the columns it asks nvidia-smi for
// (index, name, driver_version, memory.total), taken from the recorded full answer.
std::string gpu_lines(const std::string& state) {
  const auto rows = util::split(test::gpu_state_file(state, "gpus.csv"), '\n');
  const auto header = util::split(rows.at(0), ", ");
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  std::string out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].empty()) {
      continue;
    }
    const auto f = util::split(rows[i], ", ");
    out += "gpu " + f.at(column("index")) + ", " + f.at(column("name")) + ", " +
           f.at(column("driver_version")) + ", " + f.at(column("memory.total [MiB]")) + "\n";
  }
  return out;
}

std::string report(const std::string& gpus, const std::string& extra = {}) {
  return "user ec2-user\nhome /home/ec2-user\nuname Linux 6.1.0\nsh /usr/bin/dash\n"
         "python ok Python 3.11.2\nnvidia_smi /usr/bin/nvidia-smi\n" +
         gpus + extra;
}

constexpr const char* k_fine =
    "disk 83886080 104857600 /\nregistry ok /home/ec2-user/.ec2dl\nmissing\n";

TEST(DoctorReport, HealthyServer) {
  const auto checks =
      server_checks(report("gpu_status 0\n" + gpu_lines("4x-h100"), k_fine), "ec2dl", "python3");
  for (const auto* name : {"sh", "python", "nvidia-smi", "driver", "disk", "registry"}) {
    EXPECT_EQ(status_of(checks, name), "ok") << name;
  }
  EXPECT_EQ(find(checks, "driver")->detail, "4 x NVIDIA H100 80GB HBM3; driver 590.48.01");
  EXPECT_EQ(find(checks, "python")->detail, "Python 3.11.2 (python3)");
  EXPECT_EQ(find(checks, "disk")->detail, "80 GiB free of 100 GiB in /home/ec2-user (/)");
  EXPECT_EQ(find(checks, "tools"), nullptr);
  for (const auto& c : checks) {
    EXPECT_EQ(c.section, "server");
    EXPECT_TRUE(c.fix.empty()) << c.name;
  }
}

TEST(DoctorReport, MixedGpusAreCounted) {
  const auto checks = server_checks(
      report("gpu_status 0\n" + gpu_lines("l40s-load") + gpu_lines("h100-idle"), k_fine), "ec2dl",
      "python3");
  const auto detail = find(checks, "driver")->detail;
  EXPECT_NE(detail.find("1 x NVIDIA L40S"), std::string::npos) << detail;
  EXPECT_NE(detail.find("1 x NVIDIA H100 80GB HBM3"), std::string::npos) << detail;
}

TEST(DoctorReport, DriverNotLoaded) {
  const auto fail_file = test::gpu_state_file("no-driver", "fail");
  const auto message = util::split(fail_file, '\n').at(1);
  const auto checks = server_checks(report("gpu_status 9\ngpu " + message + "\n", k_fine),
                                    "ec2dl -H gpu1", "python3");
  const auto* c = find(checks, "driver");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "fail");
  EXPECT_NE(c->detail.find("exited 9"), std::string::npos);
  EXPECT_NE(c->detail.find("couldn't communicate with the NVIDIA driver"), std::string::npos);
  EXPECT_NE(c->fix.find("ec2dl -H gpu1 -t exec -- sudo reboot"), std::string::npos) << c->fix;
}

TEST(DoctorReport, NoNvidiaSmiNoPythonFullDiskReadOnlyRegistry) {
  const std::string text =
      "sh /usr/bin/bash\npython fail sh: 1: python3: not found\nnvidia_smi \n"
      "disk 524288 104857600 /\nregistry fail /home/u/.ec2dl\nmissing setsid tar\n";
  const auto checks = server_checks(text, "ec2dl", "python3");
  EXPECT_EQ(status_of(checks, "nvidia-smi"), "fail");
  EXPECT_EQ(status_of(checks, "driver"), "(absent)");
  EXPECT_EQ(status_of(checks, "python"), "fail");
  EXPECT_NE(find(checks, "python")->detail.find("python3: not found"), std::string::npos);
  EXPECT_EQ(status_of(checks, "disk"), "fail");  // 512 MiB free
  EXPECT_EQ(status_of(checks, "registry"), "fail");
  EXPECT_NE(find(checks, "registry")->fix.find("' sh /home/u/.ec2dl "), std::string::npos)
      << find(checks, "registry")->fix;
  EXPECT_EQ(status_of(checks, "tools"), "warn");
  EXPECT_NE(find(checks, "tools")->detail.find("setsid tar"), std::string::npos);
  for (const auto& c : checks) {
    if (c.status == "fail" || c.status == "warn") {
      EXPECT_FALSE(c.fix.empty()) << c.name;
    }
  }
}

TEST(DoctorReport, DiskThresholds) {
  const auto disk = [](const std::string& line) {
    return status_of(server_checks(report("gpu_status 0\n", line), "ec2dl", "python3"), "disk");
  };
  EXPECT_EQ(disk("disk 3145728 104857600 /\n"), "warn");   // 3 GiB
  EXPECT_EQ(disk("disk 8388608 1048576000 /\n"), "warn");  // 8 GiB but under 5 %
  EXPECT_EQ(disk("disk 8388608 10485760 /\n"), "ok");
  EXPECT_EQ(disk(""), "warn");  // df said nothing
}

TEST(DoctorReport, ServerTextCannotDriveTheTerminal) {
  const auto checks = server_checks(
      report("gpu_status 0\ngpu 0, Evil\x1b[2J GPU, 1.0, 1 MiB\n", k_fine), "ec2dl", "python3");
  const auto text = render(checks, false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
}

TEST(DoctorRender, OneLinePerCheckAndAFixUnderProblems) {
  const std::vector<Check> checks = {
      {"local", "key", "ok", "/k (mode 0600)", ""},
      {"local", "known host", "fail", "h is in none of f", "ec2dl --host-key-check ask exec true"},
      {"server", "disk", "warn", "3 GiB free", "du"},
  };
  EXPECT_EQ(render(checks, false),
            "local\n"
            "  ok    key         /k (mode 0600)\n"
            "  FAIL  known host  h is in none of f\n"
            "        fix: ec2dl --host-key-check ask exec true\n"
            "server\n"
            "  warn  disk        3 GiB free\n"
            "        fix: du\n");
  EXPECT_NE(render(checks, true).find("\x1b["), std::string::npos);
}

}  // namespace
}  // namespace ec2dl::cli::doctor_cmd
