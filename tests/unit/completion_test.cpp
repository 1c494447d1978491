// Describing a CLI11 command line, and what the completion scripts and the man page make of
// it (the shells themselves run in the integration tests).
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "ec2dl/cli/commands/completion.hpp"
#include "ec2dl/cli/commands/manpage.hpp"
#include "ec2dl/cli/introspect.hpp"

namespace ec2dl::cli {
namespace {

// A small command line with each kind of option and positional.
struct Fixture {
  Fixture() {
    app.name("ec2dl");
    app.description("ec2dl: test tool");
    app.set_version_flag("--version", "ec2dl 0");
    app.add_option("-H,--host", host, "Server")->type_name("TARGET")->group("Server");
    app.add_option("-i,--identity", key, "Key")->type_name("FILE")->group("Server");
    app.add_option("--mode", mode, "Mode")
        ->type_name("MODE")
        ->check(CLI::IsMember({"a", "b-c"}))
        ->group("Server");
    app.add_flag("-v,--verbose", verbose, "More")->group("Output");
    auto* hosts = app.add_subcommand("hosts", "Saved servers");
    auto* rm = hosts->add_subcommand("rm", "Forget");
    rm->alias("remove");
    rm->add_option("names", names, "Which")->type_name("NAME")->required();
    auto* add = hosts->add_subcommand("add", "Save");
    add->add_option("name", name, "Name")->type_name("NAME")->required();
    add->add_option("target", target, "Where")->type_name("TARGET")->required();
    add->footer("Examples:\n  ec2dl hosts add x h");
    auto* run = app.add_subcommand("run", "Run it");
    auto* group = run->add_option_group("Options");
    group->add_option("--gpu", gpu, "GPUs")->type_name("SPEC");
    run->add_option("script", script, "SCRIPT [ARG...]")->type_name("SCRIPT [ARG...]");
    auto* hidden = app.add_subcommand("__secret", "");
    hidden->group("");
  }
  CLI::App app;
  std::string host, key, mode, name, target, gpu;
  std::vector<std::string> names, script;
  int verbose = 0;
};

const OptionInfo* option(const CommandInfo& c, const std::string& name) {
  for (const auto& o : c.options) {
    if (std::find(o.names.begin(), o.names.end(), name) != o.names.end()) {
      return &o;
    }
  }
  return nullptr;
}

TEST(Describe, WalksSubcommandsOptionsAndKinds) {
  Fixture f;
  const auto root = describe(f.app);
  EXPECT_EQ(root.name, "ec2dl");
  ASSERT_EQ(root.subcommands.size(), 2u);  // the hidden one is left out
  EXPECT_EQ(root.subcommands[0].name, "hosts");
  EXPECT_EQ(root.subcommands[1].name, "run");
  ASSERT_NE(option(root, "--host"), nullptr);
  EXPECT_EQ(option(root, "--host")->kind, ValueKind::host);
  EXPECT_EQ(option(root, "-i")->kind, ValueKind::file);
  EXPECT_EQ(option(root, "--mode")->kind, ValueKind::choice);
  EXPECT_EQ(option(root, "--mode")->choices, (std::vector<std::string>{"a", "b-c"}));
  EXPECT_EQ(option(root, "--mode")->type_name, "MODE");
  EXPECT_EQ(option(root, "-v")->kind, ValueKind::none);
  EXPECT_EQ(option(root, "--version")->kind, ValueKind::none);
  EXPECT_EQ(option(root, "-v")->group, "Output");

  const auto& hosts = root.subcommands[0];
  ASSERT_EQ(hosts.subcommands.size(), 2u);
  const auto& rm = hosts.subcommands[0];
  EXPECT_EQ(rm.aliases, (std::vector<std::string>{"remove"}));
  ASSERT_EQ(rm.positionals.size(), 1u);
  EXPECT_EQ(rm.positionals[0].kind, ValueKind::profile);
  EXPECT_TRUE(rm.positionals[0].many);
  EXPECT_TRUE(rm.positionals[0].required);
  const auto& add = hosts.subcommands[1];
  ASSERT_EQ(add.positionals.size(), 2u);
  EXPECT_EQ(add.positionals[0].kind, ValueKind::any);  // a new name
  EXPECT_EQ(add.positionals[1].kind, ValueKind::host);
  EXPECT_NE(add.footer.find("Examples:"), std::string::npos);

  // An option group's options belong to its command.
  const auto& run = root.subcommands[1];
  EXPECT_TRUE(run.subcommands.empty());
  ASSERT_NE(option(run, "--gpu"), nullptr);
  EXPECT_EQ(option(run, "--gpu")->kind, ValueKind::any);
  ASSERT_EQ(run.positionals.size(), 1u);
  EXPECT_EQ(run.positionals[0].kind, ValueKind::file);
}

TEST(Describe, UsageLines) {
  Fixture f;
  const auto root = describe(f.app);
  const auto& hosts = root.subcommands[0];
  EXPECT_EQ(usage_line({&root, &hosts, &hosts.subcommands[1]}),
            "ec2dl hosts add [OPTIONS] NAME TARGET");
  EXPECT_EQ(usage_line({&root, &hosts, &hosts.subcommands[0]}), "ec2dl hosts rm [OPTIONS] NAME...");
  EXPECT_EQ(usage_line({&root, &hosts}), "ec2dl hosts [OPTIONS] COMMAND");
  EXPECT_EQ(usage_line({&root, &root.subcommands[1]}), "ec2dl run [OPTIONS] [SCRIPT [ARG...]]");
}

TEST(CompletionScripts, NameEveryCommandOptionAndChoice) {
  Fixture f;
  const auto root = describe(f.app);
  for (const auto& script :
       {completion_cmd::bash_script(root, "9.9"), completion_cmd::zsh_script(root, "9.9"),
        completion_cmd::fish_script(root, "9.9")}) {
    for (const auto* word : {"hosts", "rm", "remove", "add", "run", "gpu", "b-c", "9.9"}) {
      EXPECT_NE(script.find(word), std::string::npos) << word << "\n" << script;
    }
    EXPECT_EQ(script.find("__secret"), std::string::npos);
  }
  const auto bash = completion_cmd::bash_script(root, "9.9");
  EXPECT_NE(bash.find("'hosts rm'|'hosts remove') _ec2dl_r='-h --help'"), std::string::npos)
      << bash;
  EXPECT_NE(bash.find("*'|-H'|*'|--host') _ec2dl_r='host'"), std::string::npos) << bash;
  EXPECT_NE(bash.find("'hosts rm|'*|'hosts remove|'*) _ec2dl_r='profile'"), std::string::npos);
  EXPECT_NE(bash.find("complete -o bashdefault -o default -F _ec2dl ec2dl"), std::string::npos);
  const auto zsh = completion_cmd::zsh_script(root, "9.9");
  EXPECT_TRUE(zsh.starts_with("#compdef ec2dl\n"));
  EXPECT_NE(zsh.find("(hosts) reply=(rm:Forget remove:Forget add:Save) ;;"), std::string::npos)
      << zsh;
  const auto fish = completion_cmd::fish_script(root, "9.9");
  EXPECT_NE(fish.find("complete -c ec2dl -n '__fish_seen_subcommand_from hosts; and not "
                      "__fish_seen_subcommand_from rm remove add' -a rm -d Forget"),
            std::string::npos)
      << fish;
}

TEST(ManPage, EscapesRoff) {
  using manpage_cmd::roff_escape;
  EXPECT_EQ(roff_escape("--host-key-check"), "\\-\\-host\\-key\\-check");
  EXPECT_EQ(roff_escape("a\\b"), "a\\eb");
  EXPECT_EQ(roff_escape(".x\n'y\nz.w"), "\\&.x\n\\&'y\nz.w");
  EXPECT_EQ(roff_escape("a \xe2\x80\x93 b"), "a \\[u2013] b");
  EXPECT_EQ(roff_escape("\xf0\x9f\x99\x82"), "\\[u1F642]");
  EXPECT_EQ(roff_escape("bad \xff byte"), "bad ? byte");
  EXPECT_EQ(roff_escape("cut \xe2\x80"), "cut ??");
}

TEST(ManPage, HasACommandSectionPerSubcommand) {
  Fixture f;
  const auto page = manpage_cmd::man_page(describe(f.app), "9.9");
  EXPECT_NE(page.find(".TH EC2DL 1 \"\" \"ec2dl 9.9\""), std::string::npos);
  EXPECT_NE(page.find(".SS \"ec2dl hosts add\""), std::string::npos);
  EXPECT_NE(page.find(".SS \"ec2dl hosts rm\""), std::string::npos);
  EXPECT_NE(page.find("Also spelled \\fBremove\\fR"), std::string::npos);
  EXPECT_NE(page.find("Usage: \\fBec2dl hosts add [OPTIONS] NAME TARGET\\fR"), std::string::npos);
  EXPECT_NE(page.find("  ec2dl hosts add x h"), std::string::npos);
  EXPECT_NE(page.find(".SS \"Server\""), std::string::npos);
  EXPECT_NE(page.find("(one of: a, b\\-c)"), std::string::npos);
  EXPECT_EQ(page.find("__secret"), std::string::npos);
  EXPECT_NE(page.find(".SH NAME\nec2dl \\- test tool\n"), std::string::npos);
}

}  // namespace
}  // namespace ec2dl::cli
