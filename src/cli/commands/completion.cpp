#include "ec2dl/cli/commands/completion.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/completion_files.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/core/profiles.hpp"
#include "ec2dl/core/ssh_config.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/version.hpp"

namespace ec2dl::cli {

namespace {

// A command of the tree with every way of spelling its path ("hosts ls" = "hosts list").
struct Node {
  const CommandInfo* cmd = nullptr;
  std::vector<std::string> path;       // canonical names from the root
  std::vector<std::string> spellings;  // "" for the root
};

void collect(const CommandInfo& cmd, std::vector<std::string> path,
             std::vector<std::string> spellings, std::vector<Node>& out) {
  out.push_back({&cmd, path, spellings});
  for (const auto& sub : cmd.subcommands) {
    std::vector<std::string> names{sub.name};
    names.insert(names.end(), sub.aliases.begin(), sub.aliases.end());
    std::vector<std::string> sub_spellings;
    for (const auto& s : spellings) {
      for (const auto& n : names) {
        sub_spellings.push_back(s.empty() ? n : s + " " + n);
      }
    }
    auto sub_path = path;
    sub_path.push_back(sub.name);
    collect(sub, std::move(sub_path), std::move(sub_spellings), out);
  }
}

std::vector<Node> nodes_of(const CommandInfo& root) {
  std::vector<Node> out;
  collect(root, {}, {""}, out);
  return out;
}

std::string sq(std::string_view s) {
  return remote::shell_quote(s);
}

// A word always in quotes, so shellcheck reads an assignment of it as a string.
std::string always_quoted(std::string_view s) {
  const auto q = remote::shell_quote(s);
  return q.starts_with('\'') ? q : "'" + q + "'";
}

// Help text on one line, without control characters.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = ' ';
    }
  }
  const auto cut = out.find(". ");
  return std::string(util::trim(cut == std::string::npos ? out : out.substr(0, cut)));
}

std::string kind_code(ValueKind kind, const std::vector<std::string>& choices) {
  switch (kind) {
    case ValueKind::none:
      return "";
    case ValueKind::any:
      return "any";
    case ValueKind::host:
      return "host";
    case ValueKind::profile:
      return "profile";
    case ValueKind::file:
      return "file";
    case ValueKind::choice:
      return "choice:" + util::join(choices, " ");
  }
  return "any";
}

bool is_help_or_version(const OptionInfo& o) {
  return std::find(o.names.begin(), o.names.end(), "--help") != o.names.end() ||
         std::find(o.names.begin(), o.names.end(), "--version") != o.names.end();
}

// The root's options that every subcommand also accepts (all but --help and --version).
std::vector<const OptionInfo*> global_options(const CommandInfo& root) {
  std::vector<const OptionInfo*> out;
  for (const auto& o : root.options) {
    if (!is_help_or_version(o)) {
      out.push_back(&o);
    }
  }
  return out;
}

std::string option_words(const std::vector<OptionInfo>& options) {
  std::vector<std::string> words;
  for (const auto& o : options) {
    words.insert(words.end(), o.names.begin(), o.names.end());
  }
  return util::join(words, " ");
}

// "'a|X'|'b|X'" for each spelling, followed by `tail` (a glob part outside the quotes).
std::string alternatives(const std::vector<std::string>& spellings, std::string_view suffix,
                         std::string_view tail = {}) {
  std::vector<std::string> parts;
  for (const auto& s : spellings) {
    parts.push_back(sq(s + std::string(suffix)) + std::string(tail));
  }
  return util::join(parts, "|");
}

// The case statements shared by the bash and zsh scripts: subcommands, options, option
// values and positionals of each command path. `open`/`close` wrap a pattern ("" / ")" in
// bash, "(" / ")" in zsh); `assign` sets the result variable.
struct Tables {
  std::string commands;
  std::string options;
  std::string values;
  std::string positionals;
};

Tables sh_tables(const CommandInfo& root, const std::string& open, const std::string& var) {
  const auto nodes = nodes_of(root);
  Tables t;
  const auto arm = [&](const std::string& pattern, const std::string& value) {
    return fmt::format("    {}{}) {}={} ;;\n", open, pattern, var, always_quoted(value));
  };
  for (const auto& n : nodes) {
    std::vector<std::string> subs;
    for (const auto& s : n.cmd->subcommands) {
      subs.push_back(s.name);
      subs.insert(subs.end(), s.aliases.begin(), s.aliases.end());
    }
    if (!subs.empty()) {
      t.commands += arm(alternatives(n.spellings, ""), util::join(subs, " "));
    }
    t.options += arm(alternatives(n.spellings, ""), option_words(n.cmd->options));
    for (const auto& o : n.cmd->options) {
      if (o.kind == ValueKind::none) {
        continue;
      }
      std::vector<std::string> pats;
      for (const auto& name : o.names) {
        pats.push_back(alternatives(n.spellings, "|" + name));
      }
      t.values += arm(util::join(pats, "|"), kind_code(o.kind, o.choices));
    }
    for (std::size_t i = 0; i < n.cmd->positionals.size(); ++i) {
      const auto& p = n.cmd->positionals[i];
      const bool last = i + 1 == n.cmd->positionals.size();
      const auto pattern = last && p.many ? alternatives(n.spellings, "|", "*")
                                          : alternatives(n.spellings, fmt::format("|{}", i));
      t.positionals += arm(pattern, kind_code(p.kind, p.choices));
    }
  }
  // Global options are accepted after any subcommand.
  for (const auto* o : global_options(root)) {
    if (o->kind == ValueKind::none) {
      continue;
    }
    std::vector<std::string> pats;
    for (const auto& name : o->names) {
      pats.push_back("*" + sq("|" + name));
    }
    t.values += arm(util::join(pats, "|"), kind_code(o->kind, o->choices));
  }
  std::vector<std::string> globals;
  for (const auto* o : global_options(root)) {
    globals.insert(globals.end(), o->names.begin(), o->names.end());
  }
  t.options += arm(sq("*global*"), util::join(globals, " "));
  return t;
}

// A shell function that sets a variable from a case statement over `subject`.
std::string case_function(std::string_view comment, std::string_view name, std::string_view subject,
                          const std::string& arms, std::string_view fallback) {
  return fmt::format("# {}\n{}() {{\n  case {} in\n{}    {} ;;\n  esac\n}}\n", comment, name,
                     subject, arms, fallback);
}

// zsh's _describe takes "name:description" entries; a colon in the name needs a backslash.
std::string zsh_entry(const std::string& name, const std::string& help) {
  std::string n;
  for (const char c : name) {
    if (c == ':') {
      n += '\\';
    }
    n += c;
  }
  return sq(n + ":" + one_line(help));
}

std::string fish_condition(const std::vector<std::string>& path,
                           const std::vector<std::vector<std::string>>& names_at) {
  // names_at[k]: the names (and aliases) of the k-th word of `path`.
  std::vector<std::string> parts;
  for (std::size_t k = 0; k < path.size(); ++k) {
    parts.push_back("__fish_seen_subcommand_from " + util::join(names_at[k], " "));
  }
  return util::join(parts, "; and ");
}

}  // namespace

namespace completion_cmd {

std::string bash_script(const CommandInfo& root, std::string_view version) {
  const auto t = sh_tables(root, "", "_ec2dl_r");
  std::string out = fmt::format(
      "# bash completion for ec2dl (made by 'ec2dl completion bash', ec2dl {})\n"
      "# Load it from ~/.bashrc with: source <(ec2dl completion bash)\n"
      "# or install it as /usr/share/bash-completion/completions/ec2dl\n\n",
      version);
  out += case_function("The subcommands of a command path.", "_ec2dl_commands", "$1", t.commands,
                       "*) _ec2dl_r=''") +
         "\n";
  out += case_function("The options of a command path ('*global*': accepted after any subcommand).",
                       "_ec2dl_options", "$1", t.options, "*) _ec2dl_r=''") +
         "\n";
  out += case_function(
             "What an option's value is: '' (a flag), any, host, profile, file, choice:A B C.",
             "_ec2dl_value", "\"$1|$2\"", t.values, "*) _ec2dl_r=''") +
         "\n";
  out += case_function("What the positional argument number $2 (from 0) of a command path is.",
                       "_ec2dl_positional", "\"$1|$2\"", t.positionals, "*) _ec2dl_r=any");
  out += completion_files::body_bash;
  return out;
}

std::string zsh_script(const CommandInfo& root, std::string_view version) {
  const auto t = sh_tables(root, "(", "REPLY");
  // zsh wants descriptions for commands and options: build those arrays separately.
  std::string commands;
  std::string options;
  const auto nodes = nodes_of(root);
  const auto global = global_options(root);
  for (const auto& n : nodes) {
    const auto pattern = "(" + alternatives(n.spellings, "") + ")";
    std::vector<std::string> subs;
    for (const auto& s : n.cmd->subcommands) {
      subs.push_back(zsh_entry(s.name, s.help));
      for (const auto& a : s.aliases) {
        subs.push_back(zsh_entry(a, s.help));
      }
    }
    if (!subs.empty()) {
      commands += fmt::format("    {} reply=({}) ;;\n", pattern, util::join(subs, " "));
    }
    std::vector<std::string> opts;
    for (const auto& o : n.cmd->options) {
      for (const auto& name : o.names) {
        opts.push_back(zsh_entry(name, o.help));
      }
    }
    options += fmt::format("    {} reply=({}) ;;\n", pattern, util::join(opts, " "));
  }
  std::vector<std::string> globals;
  for (const auto* o : global) {
    for (const auto& name : o->names) {
      globals.push_back(zsh_entry(name, o->help));
    }
  }
  options += fmt::format("    ('*global*') reply=({}) ;;\n", util::join(globals, " "));

  std::string out = fmt::format(
      "#compdef ec2dl\n"
      "# zsh completion for ec2dl (made by 'ec2dl completion zsh', ec2dl {})\n"
      "# Install it as _ec2dl in a folder of $fpath, or load it with:\n"
      "#   source <(ec2dl completion zsh)\n\n",
      version);
  out += case_function("The subcommands of a command path, as name:description.", "_ec2dl_commands",
                       "$1", commands, "(*) reply=()") +
         "\n";
  out += case_function("The options of a command path ('*global*': accepted after any subcommand).",
                       "_ec2dl_options", "$1", options, "(*) reply=()") +
         "\n";
  out += case_function(
             "What an option's value is: '' (a flag), any, host, profile, file, choice:A B C.",
             "_ec2dl_value", "\"$1|$2\"", t.values, "(*) REPLY=''") +
         "\n";
  out += case_function("What the positional argument number $2 (from 0) of a command path is.",
                       "_ec2dl_positional", "\"$1|$2\"", t.positionals, "(*) REPLY=any");
  out += completion_files::body_zsh;
  return out;
}

std::string fish_script(const CommandInfo& root, std::string_view version) {
  std::string out = fmt::format(
      "# fish completion for ec2dl (made by 'ec2dl completion fish', ec2dl {})\n"
      "# Install it with: ec2dl completion fish > ~/.config/fish/completions/ec2dl.fish\n\n",
      version);
  out += completion_files::prelude_fish;
  const auto value_args = [](ValueKind kind, const std::vector<std::string>& choices) {
    switch (kind) {
      case ValueKind::none:
        return std::string();
      case ValueKind::host:
        return std::string(" -x -a '(__ec2dl_candidates hosts)'");
      case ValueKind::profile:
        return std::string(" -x -a '(__ec2dl_candidates profiles)'");
      case ValueKind::file:
        return std::string(" -r -F");
      case ValueKind::choice:
        return " -x -a " + sq(util::join(choices, " "));
      case ValueKind::any:
        break;
    }
    return std::string(" -x");
  };
  const auto option_line = [&](const std::string& cond, const OptionInfo& o) {
    std::string line = "complete -c ec2dl";
    if (!cond.empty()) {
      line += " -n " + sq(cond);
    }
    for (const auto& name : o.names) {
      if (name.starts_with("--")) {
        line += " -l " + sq(name.substr(2));
      } else if (name.size() == 2) {
        line += " -s " + sq(name.substr(1));
      } else {
        line += " -o " + sq(name.substr(1));
      }
    }
    line += value_args(o.kind, o.choices);
    line += " -d " + sq(one_line(o.help));
    return line + "\n";
  };

  std::vector<std::string> top_names;
  for (const auto& s : root.subcommands) {
    top_names.push_back(s.name);
    top_names.insert(top_names.end(), s.aliases.begin(), s.aliases.end());
  }
  const auto at_top = "not __fish_seen_subcommand_from " + util::join(top_names, " ");
  out += "\n# Options accepted everywhere (--version before a subcommand only).\n";
  for (const auto& o : root.options) {
    const bool is_version = std::find(o.names.begin(), o.names.end(), "--version") != o.names.end();
    out += option_line(is_version ? at_top : std::string(), o);
  }
  // Walk the tree with the names (and aliases) of each level for the conditions.
  struct Frame {
    const CommandInfo* cmd;
    std::vector<std::string> path;
    std::vector<std::vector<std::string>> names_at;
  };
  std::vector<Frame> stack{{&root, {}, {}}};
  while (!stack.empty()) {
    auto frame = stack.back();
    stack.pop_back();
    const auto& cmd = *frame.cmd;
    const auto here = fish_condition(frame.path, frame.names_at);
    std::vector<std::string> child_names;
    for (const auto& s : cmd.subcommands) {
      child_names.push_back(s.name);
      child_names.insert(child_names.end(), s.aliases.begin(), s.aliases.end());
    }
    if (!frame.path.empty()) {
      out += fmt::format("\n# ec2dl {}\n", util::join(frame.path, " "));
      for (const auto& o : cmd.options) {
        if (!is_help_or_version(o)) {
          out += option_line(here, o);
        }
      }
    }
    if (!child_names.empty()) {
      const auto cond = (here.empty() ? std::string() : here + "; and ") +
                        "not __fish_seen_subcommand_from " + util::join(child_names, " ");
      for (const auto& s : cmd.subcommands) {
        out += fmt::format("complete -c ec2dl -n {} -a {} -d {}\n", sq(cond), sq(s.name),
                           sq(one_line(s.help)));
      }
    }
    std::set<ValueKind> kinds;
    std::vector<std::string> choices;
    for (const auto& p : cmd.positionals) {
      kinds.insert(p.kind);
      choices.insert(choices.end(), p.choices.begin(), p.choices.end());
    }
    if (!frame.path.empty()) {
      for (const auto kind : kinds) {
        if (kind == ValueKind::choice) {
          out += fmt::format("complete -c ec2dl -n {} -a {}\n", sq(here),
                             sq(util::join(choices, " ")));
        } else if (kind == ValueKind::host || kind == ValueKind::profile) {
          out += fmt::format("complete -c ec2dl -n {} -a '(__ec2dl_candidates {})'\n", sq(here),
                             kind == ValueKind::host ? "hosts" : "profiles");
        } else if (kind == ValueKind::file) {
          out += fmt::format("complete -c ec2dl -n {} -F\n", sq(here));
        }
      }
    }
    for (auto it = cmd.subcommands.rbegin(); it != cmd.subcommands.rend(); ++it) {
      auto path = frame.path;
      path.push_back(it->name);
      auto names_at = frame.names_at;
      std::vector<std::string> names{it->name};
      names.insert(names.end(), it->aliases.begin(), it->aliases.end());
      names_at.push_back(names);
      stack.push_back({&*it, path, names_at});
    }
  }
  return out;
}

void setup(CLI::App& app, Options& options) {
  options.root = app.get_parent();
  app.add_option("shell", options.shell, "The shell to write the script for")
      ->type_name("SHELL")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  app.footer(
      "Examples:\n"
      "  source <(ec2dl completion bash)          # in ~/.bashrc\n"
      "  ec2dl completion zsh > ~/.zfunc/_ec2dl   # a folder of $fpath, before compinit\n"
      "  ec2dl completion fish > ~/.config/fish/completions/ec2dl.fish\n"
      "Subcommands, options, choices and host names (from ~/.ssh/config and 'ec2dl hosts')\n"
      "are completed. The .deb installs the three scripts for you.");
}

core::Result<int> run(const Options& options, core::Context&) {
  if (options.root == nullptr) {
    return core::fail(core::ErrorKind::internal, "completion: no command line to walk");
  }
  const auto info = describe(*options.root);
  if (options.shell == "bash") {
    fmt::print("{}", bash_script(info, k_version));
  } else if (options.shell == "zsh") {
    fmt::print("{}", zsh_script(info, k_version));
  } else {
    fmt::print("{}", fish_script(info, k_version));
  }
  return core::k_exit_ok;
}

}  // namespace completion_cmd

}  // namespace ec2dl::cli
