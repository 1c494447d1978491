// The command line's surface, checked on the built binary: every subcommand's --help (usage
// and examples), the man page, and the bash, zsh and fish completion scripts loaded in the
// real shells and asked for candidates (host names from ~/.ssh/config and saved profiles).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {
namespace {

// The subcommand names listed under "Subcommands:" in a --help text.
std::vector<std::string> subcommands_in_help(const std::string& help) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& line : lines_of(help)) {
    if (line == "Subcommands:") {
      in = true;
      continue;
    }
    if (in) {
      if (line.empty() || line[0] != ' ') {
        break;
      }
      std::istringstream words(line);
      std::string name;
      words >> name;  // "list, ls": the name and its aliases
      if (name.ends_with(',')) {
        name.pop_back();
      }
      out.push_back(name);
    }
  }
  return out;
}

// Every command path reachable from `ec2dl --help` ({"hosts", "add"}, ...), found by walking
// the help texts, so subcommands added later are checked as well.
std::vector<std::vector<std::string>> command_paths() {
  std::vector<std::vector<std::string>> out;
  std::vector<std::vector<std::string>> todo{{}};
  while (!todo.empty()) {
    auto path = todo.back();
    todo.pop_back();
    if (path.size() > 4) {
      ADD_FAILURE() << "subcommands nested too deep: " << path.back();
      break;
    }
    auto args = path;
    args.push_back("--help");
    const auto r = sandbox().ec2dl(args);
    EXPECT_EQ(r.status, 0) << r.err;
    for (const auto& sub : subcommands_in_help(r.out)) {
      auto next = path;
      next.push_back(sub);
      out.push_back(next);
      todo.push_back(next);
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

TEST(Help, EverySubcommandHasAUsageLineAndExamples) {
  const auto paths = command_paths();
  std::set<std::string> top;
  for (const auto& p : paths) {
    if (p.size() == 1) {
      top.insert(p[0]);
    }
  }
  for (const auto* expected : {"login", "exec", "hosts", "doctor", "completion"}) {
    EXPECT_TRUE(top.contains(expected)) << expected;
  }
  EXPECT_FALSE(top.contains("__complete"));  // hidden helpers stay hidden
  EXPECT_FALSE(top.contains("__manpage"));
  for (const auto& path : paths) {
    auto args = path;
    args.push_back("--help");
    const auto r = sandbox().ec2dl(args);
    const auto name = joined(path);
    EXPECT_EQ(r.status, 0) << name;
    EXPECT_NE(r.out.find("Usage: ec2dl " + name), std::string::npos) << name << "\n" << r.out;
    const auto at = r.out.find("Examples:\n");
    ASSERT_NE(at, std::string::npos) << name << " has no Examples:\n" << r.out;
    const auto examples = lines_of(r.out.substr(at));
    const bool has_example =
        std::any_of(examples.begin() + 1, examples.end(), [](const std::string& l) {
          return l.starts_with("  ") && l.find("ec2dl ") != std::string::npos;
        });
    EXPECT_TRUE(has_example) << name << "\n" << r.out;
  }
}

TEST(ManPage, CoversEveryCommandAndRendersCleanly) {
  const auto r = sandbox().ec2dl({"__manpage"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with(".\\\""));
  EXPECT_NE(r.out.find(".TH EC2DL 1"), std::string::npos);
  for (const auto* section :
       {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH GLOBAL OPTIONS", ".SH COMMANDS",
        ".SH CHOOSING THE SERVER", ".SH FILES", ".SH ENVIRONMENT", ".SH EXIT STATUS",
        ".SH EXAMPLES", ".SH SEE ALSO"}) {
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
  }
  for (const auto& path : command_paths()) {
    std::string title = "ec2dl " + joined(path);
    std::string escaped;
    for (const char c : title) {
      escaped += c == '-' ? std::string("\\-") : std::string(1, c);
    }
    EXPECT_NE(r.out.find(".SS \"" + escaped + "\""), std::string::npos) << title;
  }
  TempDir dir;
  write_text(dir.path() + "/ec2dl.1", r.out);
  const auto groff = run_process({"groff", "-man", "-ww", "-z", "-Tutf8", dir.path() + "/ec2dl.1"});
  EXPECT_EQ(groff.status, 0);
  EXPECT_EQ(groff.err, "");
  const auto man = run_process({"man", "-P", "cat", "-l", dir.path() + "/ec2dl.1"},
                               {.env = {{"MANWIDTH", "100"}, {"LC_ALL", "C.UTF-8"}}});
  EXPECT_EQ(man.status, 0) << man.err;
  EXPECT_NE(man.out.find("ec2dl hosts add"), std::string::npos);
  EXPECT_NE(man.out.find("~/.config/ec2dl/config.toml"), std::string::npos);
}

// The shells, each asked to complete a command line; the environment is the sandbox's client
// (its ~/.ssh/config has the aliases "sandbox" and "sandbox-bash") with saved profiles.
class Completion : public ::testing::Test {
 protected:
  void SetUp() override {
    config = dir.path() + "/config.toml";
    write_text(config,
               "default = \"gpu1\"\n[hosts.gpu1]\nhost = \"54.218.86.47\"\n"
               "[hosts.lab-box]\nhost = \"10.0.0.7\"\n");
    for (const auto* shell : {"bash", "zsh", "fish"}) {
      const auto r = sandbox().ec2dl({"completion", shell});
      ASSERT_EQ(r.status, 0) << r.err;
      write_text(script(shell), r.out);
    }
    write_text(dir.path() + "/model.ckpt", "");
  }
  std::string script(const std::string& shell) const { return dir.path() + "/ec2dl." + shell; }
  RunOptions env() const {
    RunOptions o;
    o.env = {{"EC2DL_CONFIG", config}};
    o.cwd = dir.path();
    return sandbox().ec2dl_env(o);
  }
  static std::set<std::string> set_of(const std::string& text) {
    auto l = lines_of(text);
    return {l.begin(), l.end()};
  }
  // `words`: the command line, the last word being completed ("" after a space).
  std::set<std::string> bash(std::vector<std::string> words) const {
    std::vector<std::string> argv = {
        "bash", "-c",
        "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _ec2dl; "
        "printf '%s\\n' \"${COMPREPLY[@]}\"",
        "bash", script("bash")};
    argv.insert(argv.end(), words.begin(), words.end());
    const auto r = run_process(argv, env());
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    auto s = set_of(r.out);
    s.erase("");
    return s;
  }
  // zsh with the completion system's builtins replaced by ones that print the candidates.
  std::set<std::string> zsh(std::vector<std::string> words) const {
    const std::string stubs =
        "compdef() { :; }\n"
        "_describe() { local n=${@[-1]} e; for e in \"${(@P)n}\"; do print -r -- "
        "\"${e%%:*}\"; done; }\n"
        "compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && "
        "shift; print -rl -- \"$@\"; }\n"
        "_files() { print -r -- '(files)'; }\n"
        "compset() { return 0; }\n";
    std::vector<std::string> argv = {
        "zsh", "-f",
        "-c",  stubs + "source \"$1\"; shift; words=(\"$@\"); CURRENT=$#; _ec2dl",
        "zsh", script("zsh")};
    argv.insert(argv.end(), words.begin(), words.end());
    const auto r = run_process(argv, env());
    EXPECT_EQ(r.err, "");
    auto s = set_of(r.out);
    s.erase("");
    return s;
  }
  std::set<std::string> fish(const std::string& line) const {
    const auto r = run_process({"fish", "--no-config", "-c",
                                "source $argv[1]; complete -C $argv[2]", script("fish"), line},
                               env());
    EXPECT_EQ(r.status, 0) << r.err;
    std::set<std::string> out;
    for (const auto& l : lines_of(r.out)) {
      out.insert(l.substr(0, l.find('\t')));
    }
    return out;
  }
  std::set<std::string> top_commands() const {
    std::set<std::string> out;
    for (const auto& p : command_paths()) {
      if (p.size() == 1) {
        out.insert(p[0]);
      }
    }
    return out;
  }
  TempDir dir;
  std::string config;
};

const std::string& binary() {
  static const std::string path = EC2DL_BINARY;
  return path;
}

TEST_F(Completion, BashCompletesEverySubcommandFromTheLiveCommandLine) {
  const auto top = top_commands();
  EXPECT_EQ(bash({binary(), ""}), top);
  EXPECT_EQ(bash({binary(), "ho"}), (std::set<std::string>{"hosts"}));
  EXPECT_EQ(bash({binary(), "hosts", ""}),
            (std::set<std::string>{"add", "list", "ls", "rm", "remove", "default"}));
  // Global options before the subcommand do not hide it.
  EXPECT_EQ(bash({binary(), "-H", "sandbox", "--json", "ho"}), (std::set<std::string>{"hosts"}));
}

TEST_F(Completion, BashCompletesOptionsAndTheirValues) {
  const auto exec_opts = bash({binary(), "exec", "-"});
  for (const auto* o : {"-t", "--tty", "-c", "--help", "-H", "--host", "--json"}) {
    EXPECT_TRUE(exec_opts.contains(o)) << o;
  }
  EXPECT_FALSE(exec_opts.contains("--version"));
  EXPECT_EQ(bash({binary(), "--host-key-check", "a"}),
            (std::set<std::string>{"ask", "accept-new"}));
  EXPECT_EQ(bash({binary(), "completion", ""}), (std::set<std::string>{"bash", "zsh", "fish"}));
  EXPECT_EQ(bash({binary(), "-i", "model"}), (std::set<std::string>{"model.ckpt"}));
  EXPECT_TRUE(bash({binary(), "hosts", "add", "--w"}).contains("--workdir"));
}

TEST_F(Completion, BashCompletesHostsFromSshConfigAndProfiles) {
  const std::set<std::string> all = {"sandbox", "sandbox-bash", "gpu1", "lab-box"};
  EXPECT_EQ(bash({binary(), "-H", ""}), all);
  EXPECT_EQ(bash({binary(), "exec", "--host", ""}), all);
  EXPECT_EQ(bash({binary(), "--host", "=", ""}), all);  // --host=<TAB>: bash splits at '='
  EXPECT_EQ(bash({binary(), "-H", "sandbox-"}), (std::set<std::string>{"sandbox-bash"}));
  // Only saved hosts where a saved host is meant.
  EXPECT_EQ(bash({binary(), "hosts", "rm", ""}), (std::set<std::string>{"gpu1", "lab-box"}));
  EXPECT_EQ(bash({binary(), "hosts", "default", "l"}), (std::set<std::string>{"lab-box"}));
  // Found through PATH as well as by the path typed.
  RunOptions o = env();
  const auto bin_dir = std::filesystem::path(binary()).parent_path().string();
  const auto r = run_process(
      {"bash", "-c",
       "PATH=\"$2:$PATH\"; source \"$1\"; COMP_WORDS=(ec2dl -H ''); COMP_CWORD=2; _ec2dl; "
       "printf '%s\\n' \"${COMPREPLY[@]}\"; complete -p ec2dl",
       "bash", script("bash"), bin_dir},
      o);
  EXPECT_NE(r.out.find("lab-box\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("complete -o bashdefault -o default -F _ec2dl ec2dl"), std::string::npos);
}

TEST_F(Completion, BashScriptIsShellcheckClean) {
  const auto r = run_process({"shellcheck", "-s", "bash", script("bash")});
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(Completion, ZshCompletesTheSame) {
  EXPECT_EQ(run_process({"zsh", "-n", script("zsh")}).status, 0);
  EXPECT_EQ(zsh({binary(), ""}), top_commands());
  EXPECT_EQ(zsh({binary(), "hosts", ""}),
            (std::set<std::string>{"add", "list", "ls", "rm", "remove", "default"}));
  const std::set<std::string> all = {"sandbox", "sandbox-bash", "gpu1", "lab-box"};
  EXPECT_EQ(zsh({binary(), "-H", ""}), all);
  EXPECT_EQ(zsh({binary(), "exec", "--host=s"}), all);  // zsh narrows by prefix itself
  EXPECT_EQ(zsh({binary(), "hosts", "rm", ""}), (std::set<std::string>{"gpu1", "lab-box"}));
  EXPECT_EQ(zsh({binary(), "--host-key-check", ""}),
            (std::set<std::string>{"ask", "accept-new", "strict"}));
  EXPECT_EQ(zsh({binary(), "-i", ""}), (std::set<std::string>{"(files)"}));
  EXPECT_TRUE(zsh({binary(), "exec", "-"}).contains("--tty"));
}

TEST_F(Completion, FishCompletesTheSame) {
  EXPECT_EQ(run_process({"fish", "--no-execute", script("fish")}).status, 0);
  EXPECT_EQ(fish("ec2dl "), top_commands());
  EXPECT_EQ(fish("ec2dl hosts "), (std::set<std::string>{"add", "list", "rm", "default"}));
  const std::set<std::string> all = {"sandbox", "sandbox-bash", "gpu1", "lab-box"};
  EXPECT_EQ(fish(binary() + " -H "), all);
  EXPECT_EQ(fish(binary() + " hosts rm "), (std::set<std::string>{"gpu1", "lab-box"}));
  EXPECT_EQ(fish("ec2dl completion "), (std::set<std::string>{"bash", "zsh", "fish"}));
  EXPECT_EQ(fish("ec2dl --host-key-check="),
            (std::set<std::string>{"--host-key-check=ask", "--host-key-check=accept-new",
                                   "--host-key-check=strict"}));
  EXPECT_TRUE(fish("ec2dl exec --t").contains("--tty"));
}

TEST_F(Completion, HiddenHelperListsHostsAndNeverFails) {
  auto r = sandbox().ec2dl({"__complete", "hosts"}, env());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "gpu1\nlab-box\nsandbox\nsandbox-bash\n");
  r = sandbox().ec2dl({"__complete", "profiles"}, env());
  EXPECT_EQ(r.out, "gpu1\nlab-box\n");
  // A broken config contributes nothing, silently.
  write_text(config, "[hosts.x\n");
  r = sandbox().ec2dl({"__complete", "hosts"}, env());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "sandbox\nsandbox-bash\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(Completion, UnknownShellIsAUsageError) {
  const auto r = sandbox().ec2dl({"completion", "powershell"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("powershell"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace ec2dl::test
