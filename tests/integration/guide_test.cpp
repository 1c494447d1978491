// docs/guide.md, run as a new user would: from a fresh home with only the key and the
// known_hosts entry, every "$ ec2dl ..." line of its console blocks, in order, against the
// sandbox standing in for 54.218.86.47. Each must succeed, and the output shown in the guide
// must match what the command prints (numbers, times and spacing aside) where it does not
// depend on the machine or on timing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {
namespace {

struct Step {
  std::string command;                // after "$ "
  std::vector<std::string> expected;  // the lines shown under it
};

struct Guide {
  std::string script;  // the ```python block: script.py
  std::vector<Step> steps;
};

Guide read_guide() {
  Guide g;
  std::istringstream in(read_text(source_dir() + "/docs/guide.md"));
  bool in_block = false;
  std::string lang;
  int python_blocks = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("```")) {
      in_block = !in_block;
      lang = in_block ? line.substr(3) : std::string();
      python_blocks += in_block && lang == "python" ? 1 : 0;
      continue;
    }
    if (!in_block) {
      continue;
    }
    if (lang == "python" && python_blocks == 1) {
      g.script += line + "\n";
    } else if (lang == "console") {
      if (line.starts_with("$ ")) {
        g.steps.push_back({line.substr(2), {}});
      } else if (!g.steps.empty()) {
        g.steps.back().expected.push_back(line);
      }
    }
  }
  return g;
}

// Digits become '#', runs of blanks one space: what stays is the shape of the line.
std::string shape(const std::string& line) {
  auto s = std::regex_replace(line, std::regex("[0-9]+"), "#");
  s = std::regex_replace(s, std::regex("\\s+"), " ");
  while (!s.empty() && s.back() == ' ') {
    s.pop_back();
  }
  return s;
}

std::vector<std::string> shapes(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    if (!shape(l).empty()) {
      out.push_back(shape(l));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// Output that depends on the machine (load, disk, other processes) or on timing (transfer
// rates, how far a job got) is only required to succeed.
bool compared(const std::string& command) {
  for (const auto* prefix :
       {"ec2dl hosts", "ec2dl doctor", "ec2dl top", "ec2dl gpu ", "ec2dl gpu |", "ec2dl push",
        "ec2dl pull", "ec2dl tail 2", "ec2dl wait 4 5 && ec2dl pull"}) {
    if (command.starts_with(prefix) || command == "ec2dl gpu") {
      return false;
    }
  }
  return true;
}

TEST(Guide, EveryRecipeRunsAsWritten) {
  auto& sb = sandbox();
  const auto guide = read_guide();
  ASSERT_NE(guide.script.find("import os"), std::string::npos);
  ASSERT_GE(guide.steps.size(), 20u);

  const TempDir home("ec2dl-guide-home", 0755);
  const auto ssh = home.path() + "/.ssh";
  std::filesystem::create_directories(ssh);
  std::filesystem::permissions(ssh, std::filesystem::perms::owner_all);
  std::filesystem::copy_file(sb.key(), ssh + "/aws-keypair.pem");
  std::filesystem::permissions(ssh + "/aws-keypair.pem", std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write);
  std::filesystem::copy_file(sb.known_hosts(), ssh + "/known_hosts");
  const auto project = home.path() + "/proj";
  std::filesystem::create_directories(project);
  write_text(project + "/script.py", guide.script);
  // A registry of its own, so job ids start at 1 as in the guide.
  const std::string registry = "~/guide-registry-" + std::to_string(::getpid());

  RunOptions o;
  o.env = {{"HOME", home.path()},
           {"PATH", std::filesystem::path(EC2DL_BINARY).parent_path().string() + ":" +
                        std::string(std::getenv("PATH"))},
           {"EC2DL_REMOTE_DIR", registry},
           {"LC_ALL", "C.UTF-8"}};
  o.unset = {"EC2DL_HOST", "EC2DL_CONFIG", "XDG_CONFIG_HOME", "SSH_AUTH_SOCK", "EDITOR", "VISUAL"};
  o.cwd = project;
  o.timeout_s = 180;

  const auto server = sb.user() + "@127.0.0.1:" + std::to_string(sb.port());
  for (const auto& step : guide.steps) {
    // The guide's server is the sandbox; everything else runs as written.
    const auto command = replace_all(step.command, "ec2-user@54.218.86.47", server);
    const auto r = run_process({"bash", "-c", command}, o);
    ASSERT_EQ(r.status, 0) << "$ " << step.command << "\n" << r.out << r.err;
    if (!compared(step.command)) {
      continue;
    }
    auto got = r.err + r.out;
    got = replace_all(got, sb.home(), "/home/ec2-user");
    got = replace_all(got, server, "ec2-user@54.218.86.47:22");
    got = replace_all(got, sb.user(), "ec2-user");
    got = replace_all(got, registry.substr(2), ".ec2dl");
    EXPECT_EQ(shapes(lines_of(got)), shapes(step.expected)) << "$ " << step.command << "\nprints:\n"
                                                            << got;
  }
}

// Usage errors a new user meets: one line in ec2dl's words (none of CLI11's own phrases),
// a hint naming the help of the command at hand, status 2.
TEST(Guide, UsageErrorsSpeakEc2dlsWordsAndNameTheCommandsHelp) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
    std::string help;
  };
  const std::vector<Case> cases = {
      {{"kill"}, "kill: missing JOB", "ec2dl kill --help"},
      {{"ps", "--watch", "1", "2"}, "ps: --watch takes at most 1 value, not 2", "ec2dl ps --help"},
      {{"gpu", "--watch", "1", "2"}, "gpu: --watch takes at most 1 value", "ec2dl gpu --help"},
      {{"edit"}, "edit: missing REMOTE_FILE", "ec2dl edit --help"},
      {{"run", "--gpu"}, "run: --gpu needs a value", "ec2dl run --help"},
      {{"ps", "--bogus"}, "ps: unknown option: --bogus", "ec2dl ps --help"},
      {{"hosts"}, "hosts: give a subcommand: add, list", "ec2dl hosts --help"},
      {{"hosts", "add"}, "hosts add: missing NAME", "ec2dl hosts add --help"},
      {{"wait", "--timeout", "x", "1"},
       "wait: --timeout takes a number from 0 to",
       "ec2dl wait --help"},
      {{"push"}, "push: nothing to send", "ec2dl push --help"},
      {{"bogus"}, "unknown command: bogus", "ec2dl --help"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.front());
    const auto r = sandbox().ec2dl(c.args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "ec2dl: error: " + c.error)) << r.err;
    EXPECT_TRUE(contains(r.err, "ec2dl: hint: run '" + c.help + "' for usage")) << r.err;
    for (const char* cli11 : {"is required", "At Most", "not expected", "Value ", "subcommand is",
                              "required but received", "1 required"}) {
      EXPECT_FALSE(contains(r.err, cli11)) << r.err;
    }
  }
}

}  // namespace
}  // namespace ec2dl::test
