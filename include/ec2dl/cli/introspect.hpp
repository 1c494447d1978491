#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ec2dl::cli {

// How the value of an option or a positional argument is completed.
enum class ValueKind {
  none,     // a flag: takes no value
  any,      // free text: nothing to offer
  host,     // a server: ~/.ssh/config aliases and saved host profiles
  profile,  // a saved host profile name
  file,     // a local file
  choice,   // one of OptionInfo::choices
};

struct OptionInfo {
  std::vector<std::string> names;  // "-H", "--host", in declaration order
  std::string type_name;           // "TARGET", without CLI11's validator text
  std::vector<std::string> choices;
  std::string help;
  std::string group;
  ValueKind kind = ValueKind::none;
};

struct PositionalInfo {
  std::string name;       // as declared ("command")
  std::string type_name;  // as shown in help ("CMD [ARG...]")
  std::vector<std::string> choices;
  std::string help;
  bool required = false;
  bool many = false;  // takes several words
  ValueKind kind = ValueKind::any;
};

// One command of the live command line, with its visible options and subcommands.
struct CommandInfo {
  std::string name;  // "ec2dl" for the root
  std::vector<std::string> aliases;
  std::string help;
  std::string footer;
  std::vector<OptionInfo> options;  // visible ones, help included
  std::vector<PositionalInfo> positionals;
  std::vector<CommandInfo> subcommands;  // visible ones, in --help order
};

// Walks a CLI11 app: subcommands and options in a hidden group (empty group name) are left
// out. Value kinds come from type names (TARGET: host, FILE: file, {a,b}: choice) and from
// the hosts subcommands (NAME of rm and default: profile).
CommandInfo describe(const CLI::App& app);

// The usage line of a command reached by `path` from the root (root first):
// "ec2dl hosts add [OPTIONS] NAME TARGET".
std::string usage_line(const std::vector<const CommandInfo*>& path);

}  // namespace ec2dl::cli
