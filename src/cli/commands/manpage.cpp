#include "ec2dl/cli/commands/manpage.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cstdint>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/error.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/version.hpp"

namespace ec2dl::cli::manpage_cmd {

namespace {

// Hand-written sections, in roff already (hyphens that are options written as \-).
constexpr const char* k_description = R"(.SH DESCRIPTION
.B ec2dl
runs the everyday work on a rented GPU server from the workstation: log in, copy code
up, start a training script that survives the connection, follow its log, watch the
GPUs and the system, see which jobs still run, edit a file, and copy the results down.
Each subcommand opens one ssh connection (libssh; no
.BR ssh (1)
binary needed) and runs short POSIX
.BR sh (1)
scripts on the server: nothing has to be installed there.
.PP
Global options may come before or after the subcommand.
Data goes to standard output; notices, warnings and errors go to standard error.
)";

constexpr const char* k_server = R"(.SH CHOOSING THE SERVER
Each connection setting comes from the first of these that gives it:
.IP 1. 4
flags:
.BR \-H ,
.BR \-l ,
.BR \-p ,
.BR \-i ,
.B \-\-remote\-dir
and the others above;
.IP 2. 4
the environment:
.B EC2DL_HOST
names the server,
.B EC2DL_REMOTE_DIR
the job registry folder;
.IP 3. 4
the ec2dl config: the host profile named by
.B \-H
or
.BR EC2DL_HOST ,
or else the config's default host (see
.BR "ec2dl hosts" );
.IP 4. 4
.I ~/.ssh/config
(or the file given with
.BR \-F ):
the Host blocks that match the profile's
.B host
or the name given;
.IP 5. 4
defaults: the local user name, port 22, the keys
.IR ~/.ssh/id_ed25519 ,
.IR id_ecdsa ,
.IR id_rsa ,
and
.I ~/.ec2dl
for the job registry.
.PP
Keys add up as with
.BR ssh (1):
the
.B \-i
key is tried first, then the profile's, then IdentityFile lines; an ssh-agent is asked
before any of them.
A profile's
.BR workdir ,
.B python
and
.B env
are the defaults of the commands that start jobs and copy files.
)";

constexpr const char* k_files = R"(.SH FILES
.TP
.I ~/.config/ec2dl/config.toml
Host profiles, written by
.B ec2dl hosts
(created mode 0600 in a 0700 folder; written atomically; comments are kept where an edit
is unambiguous).
.B $XDG_CONFIG_HOME
moves it when set;
.B EC2DL_CONFIG
names another file.
A file ec2dl cannot read is reported with its line and never rewritten.
For example:
.PP
.RS
.nf
default = "gpu1"

[hosts.gpu1]
host = "54.218.86.47"        # a name, an address or an ~/.ssh/config alias
user = "ec2\-user"
port = 22
identity = "~/.ssh/aws\-keypair.pem"
workdir = "~/project"        # where run, push and pull work on the server
python = "python3"           # what runs .py scripts
remote_dir = "~/.ec2dl"      # the job registry
env = { WANDB_MODE = "offline" }
.fi
.RE
.TP
.I ~/.ssh/config
Host aliases, users, ports, keys, ProxyJump, as with
.BR ssh (1).
.TP
.I ~/.ssh/known_hosts
Host keys. An unknown key is asked about on a terminal and refused otherwise
(see
.BR \-\-host\-key\-check );
a changed key is always refused.
.TP
.I ~/.ec2dl
On the server: the job registry, one folder per job (its command, log, process ids and
exit status), readable with
.BR cat (1).
)";

constexpr const char* k_environment = R"(.SH ENVIRONMENT
.TP
.B EC2DL_HOST
The server when
.B \-H
is not given: a host profile, an ~/.ssh/config alias, or [user@]host[:port].
.TP
.B EC2DL_REMOTE_DIR
The job registry folder on the server when
.B \-\-remote\-dir
is not given.
.TP
.B EC2DL_CONFIG
The host profile file to use instead of
.IR ~/.config/ec2dl/config.toml .
.TP
.B XDG_CONFIG_HOME
Where the config folder is (default
.IR ~/.config ).
.TP
.B SSH_AUTH_SOCK
The ssh-agent to ask for keys.
.TP
.B NO_COLOR
When set and not empty, no colour (as
.BR \-\-no\-color ).
.TP
.BR EDITOR ", " VISUAL
The local editor of
.BR "ec2dl edit" .
)";

constexpr const char* k_examples = R"(.SH EXAMPLES
Save the server once, check it, and log in:
.PP
.RS
.nf
ec2dl hosts add gpu1 ec2\-user@54.218.86.47 \-i ~/.ssh/aws\-keypair.pem
ec2dl doctor
ec2dl login
.fi
.RE
.PP
Run a command on another server for once, and on the default one:
.PP
.RS
.nf
ec2dl \-H lab exec \-\- nvidia\-smi
ec2dl exec \-c 'ps \-ef | grep python'
.fi
.RE
.PP
Turn on completion for bash:
.PP
.RS
.nf
source <(ec2dl completion bash)
.fi
.RE
)";

constexpr const char* k_see_also = R"(.SH SEE ALSO
.BR ssh (1),
.BR ssh_config (5),
.BR ssh\-agent (1),
.BR ssh\-keygen (1),
.BR nvidia\-smi (1)
)";

std::string bold_names(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const auto& n : names) {
    parts.push_back("\\fB" + roff_escape(n) + "\\fR");
  }
  return util::join(parts, ", ");
}

std::string option_entries(const std::vector<OptionInfo>& options) {
  std::string out;
  for (const auto& o : options) {
    out += ".TP\n" + bold_names(o.names);
    if (!o.type_name.empty()) {
      out += " \\fI" + roff_escape(o.type_name) + "\\fR";
    }
    out += "\n" + roff_escape(o.help);
    if (!o.choices.empty()) {
      out += " (one of: " + roff_escape(util::join(o.choices, ", ")) + ")";
    }
    out += "\n";
  }
  return out;
}

// A subcommand's footer: examples and notes, kept line for line.
std::string preformatted(const std::string& text) {
  std::string out = ".PP\n.nf\n";
  for (const auto& line : util::split(std::string(util::trim(text)), '\n')) {
    out += line.empty() ? "\n" : roff_escape(line) + "\n";
  }
  return out + ".fi\n";
}

void command_sections(const CommandInfo& cmd, std::vector<const CommandInfo*> path,
                      std::string& out) {
  path.push_back(&cmd);
  if (path.size() > 1) {
    std::vector<std::string> names;
    for (std::size_t i = 1; i < path.size(); ++i) {
      names.push_back(path[i]->name);
    }
    out += fmt::format(".SS \"{}\"\n", roff_escape("ec2dl " + util::join(names, " ")));
    out += roff_escape(cmd.help) + ".\n";
    if (!cmd.aliases.empty()) {
      out += "Also spelled " + bold_names(cmd.aliases) + ".\n";
    }
    out += ".PP\nUsage: \\fB" + roff_escape(usage_line(path)) + "\\fR\n";
    if (!cmd.positionals.empty()) {
      for (const auto& p : cmd.positionals) {
        out += ".TP\n\\fI" + roff_escape(p.type_name) + "\\fR\n" + roff_escape(p.help) + "\n";
      }
    }
    std::vector<OptionInfo> options;
    for (const auto& o : cmd.options) {
      if (std::find(o.names.begin(), o.names.end(), "--help") == o.names.end()) {
        options.push_back(o);
      }
    }
    out += option_entries(options);
    if (!cmd.footer.empty()) {
      out += preformatted(cmd.footer);
    }
  }
  for (const auto& sub : cmd.subcommands) {
    command_sections(sub, path, out);
  }
}

}  // namespace

std::string roff_escape(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // Non-ASCII as a groff Unicode escape (\[u2013]), so the page is plain ASCII.
      const int extra = u >= 0xf0 ? 3 : u >= 0xe0 ? 2 : u >= 0xc0 ? 1 : -1;
      char32_t cp = extra == 3 ? (u & 0x07u) : extra == 2 ? (u & 0x0fu) : (u & 0x1fu);
      bool valid = extra > 0 && i + static_cast<std::size_t>(extra) < text.size();
      for (int k = 1; valid && k <= extra; ++k) {
        const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
        valid = (next & 0xc0u) == 0x80u;
        cp = (cp << 6) | (next & 0x3fu);
      }
      if (valid) {
        out += fmt::format("\\[u{:04X}]", static_cast<std::uint32_t>(cp));
        i += static_cast<std::size_t>(extra);
      } else {
        out += '?';
      }
      line_start = false;
      continue;
    }
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    line_start = c == '\n';
    switch (c) {
      case '\\':
        out += "\\e";
        break;
      case '-':
        out += "\\-";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string man_page(const CommandInfo& root, std::string_view version) {
  std::string out = fmt::format(
      ".\\\" ec2dl(1), made by 'ec2dl __manpage' from the command line.\n"
      ".TH EC2DL 1 \"\" \"ec2dl {}\" \"User Commands\"\n.nh\n",
      roff_escape(version));
  std::string summary = root.help;
  if (const auto colon = summary.find(": "); colon != std::string::npos) {
    summary = summary.substr(colon + 2);
  }
  out += ".SH NAME\nec2dl \\- " + roff_escape(summary) + "\n";
  out +=
      ".SH SYNOPSIS\n.B ec2dl\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] "
      "[\\fIARGUMENTS\\fR]\n.br\n.B ec2dl \\-\\-help\n.br\n"
      ".B ec2dl\n\\fICOMMAND\\fR \\fB\\-\\-help\\fR\n";
  out += k_description;

  out += ".SH GLOBAL OPTIONS\n";
  std::vector<std::string> groups;
  for (const auto& o : root.options) {
    if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) {
      groups.push_back(o.group);
    }
  }
  for (const auto& g : groups) {
    std::vector<OptionInfo> in_group;
    for (const auto& o : root.options) {
      if (o.group == g) {
        in_group.push_back(o);
      }
    }
    out += fmt::format(".SS \"{}\"\n", roff_escape(g));
    out += option_entries(in_group);
  }

  out += ".SH COMMANDS\n";
  for (const auto& sub : root.subcommands) {
    out += ".TP\n\\fB" + roff_escape(sub.name) + "\\fR\n" + roff_escape(sub.help) + "\n";
  }
  command_sections(root, {}, out);

  out += k_server;
  out += k_files;
  out += k_environment;
  out += ".SH EXIT STATUS\n.nf\n";
  const std::string table(exit_status_table());
  for (const auto& line : util::split(table, '\n')) {
    if (!line.empty() && !line.starts_with("Exit status")) {
      out += roff_escape(line) + "\n";
    }
  }
  out += ".fi\n";
  out += k_examples;
  out += k_see_also;
  return out;
}

void setup(CLI::App& app, Options& options) {
  app.group("");  // hidden: run by the build to make ec2dl.1
  options.root = app.get_parent();
}

core::Result<int> run(const Options& options, core::Context&) {
  if (options.root == nullptr) {
    return core::fail(core::ErrorKind::internal, "__manpage: no command line to walk");
  }
  fmt::print("{}", man_page(describe(*options.root), k_version));
  return core::k_exit_ok;
}

}  // namespace ec2dl::cli::manpage_cmd
