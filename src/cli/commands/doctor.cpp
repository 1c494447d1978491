#include "ec2dl/cli/commands/doctor.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/core/profiles.hpp"
#include "ec2dl/core/ssh_config.hpp"
#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/ssh/handles.hpp"
#include "ec2dl/ssh/known_hosts.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/ui/style.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::doctor_cmd {

namespace {

constexpr double k_gib = 1024.0 * 1024.0 * 1024.0;
constexpr double k_disk_fail_bytes = 1.0 * k_gib;
constexpr double k_disk_warn_bytes = 5.0 * k_gib;

struct Checks {
  std::vector<Check> list;
  void add(std::string section, std::string name, std::string status, std::string detail,
           std::string fix = {}) {
    list.push_back({std::move(section), std::move(name), std::move(status), std::move(detail),
                    std::move(fix)});
  }
};

// "ec2dl" plus the flags that chose the server, so a fix reaches the same one.
std::string fix_prefix(const core::Context& ctx) {
  std::string out = "ec2dl";
  const auto& g = ctx.options();
  if (!g.host.empty()) {
    out += " -H " + remote::shell_quote(g.host);
  }
  if (!g.ssh_config.empty()) {
    out += " -F " + remote::shell_quote(g.ssh_config);
  }
  if (!g.known_hosts.empty()) {
    out += " --known-hosts " + remote::shell_quote(g.known_hosts);
  }
  return out;
}

// Where `name` is recorded in the known_hosts files: "FILE:LINE", or empty.
std::string known_host_entry(const std::vector<std::string>& files, const std::string& name) {
  std::string where;
  ssh::for_each_host_entry(files, name,
                           [&](const std::string& file, int line, const ssh_knownhosts_entry&) {
                             where = fmt::format("{}:{}", file, line);
                             return false;
                           });
  return where;
}

void check_config(Checks& c, const core::Context& ctx, bool* config_ok) {
  const auto path = core::profile_config_path(ctx.env());
  auto config = core::ProfileConfig::load(path);
  *config_ok = config.has_value();
  if (!config) {
    c.add("local", "config", "fail", config.error().message(),
          fmt::format("edit {} at that line (or move it away: mv {} {}.bad)",
                      remote::shell_quote(path), remote::shell_quote(path),
                      remote::shell_quote(path)));
  } else if (!config->exists()) {
    c.add("local", "config", "ok",
          fmt::format("{}: none yet (optional; 'ec2dl hosts add' makes it)", path));
  } else {
    c.add("local", "config", "ok",
          fmt::format("{}: {} host{}{}", path, config->hosts().size(),
                      config->hosts().size() == 1 ? "" : "s",
                      config->default_host().empty() ? ", no default"
                                                     : ", default " + config->default_host()));
  }

  const auto ssh_dir = ctx.env().home + "/.ssh";
  std::vector<std::string> files;
  if (!ctx.options().ssh_config.empty()) {
    files.push_back(util::expand_tilde(ctx.options().ssh_config));
  } else {
    files = {ssh_dir + "/config", "/etc/ssh/ssh_config"};
  }
  for (const auto& file : files) {
    auto parsed = core::SshConfig::load(file, ssh_dir);
    if (!parsed) {
      c.add("local", "ssh config", "fail", parsed.error().message(),
            fmt::format("edit {} at that line", remote::shell_quote(file)));
    }
  }
}

// The identity files: each explicit one must exist and be private; default ones are only
// checked when present. Returns how many can be used.
int check_keys(Checks& c, const core::Target& target) {
  int usable = 0;
  for (const auto& file : target.identity_files) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      if (target.identities_explicit) {
        c.add("local", "key", "fail", fmt::format("{}: {}", file, std::strerror(errno)),
              "give the right path: ec2dl hosts add NAME USER@HOST -i KEY --replace (or -i KEY)");
      }
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      c.add("local", "key", "fail", fmt::format("{}: not a regular file", file),
            "give the private key file with -i KEY");
      continue;
    }
    const auto mode = st.st_mode & 07777;
    if ((mode & 077) != 0) {
      c.add("local", "key", "fail",
            fmt::format("{}: mode {:04o} lets others read it; ssh refuses such a key", file, mode),
            fmt::format("chmod 600 {}", remote::shell_quote(file)));
      continue;
    }
    ++usable;
    c.add("local", "key", "ok", fmt::format("{} (mode {:04o})", file, mode));
  }
  return usable;
}

void check_agent(Checks& c, const core::Target& target, int usable_keys) {
  const auto& sock = target.identity_agent;
  struct stat st {};
  if (sock.empty()) {
    if (usable_keys > 0) {
      c.add("local", "agent", "ok", "none; the key files above are used");
    } else {
      c.add("local", "agent", "fail", "no ssh-agent and no usable key file",
            "name your key: ec2dl hosts add NAME USER@HOST -i ~/.ssh/KEY.pem (or -i KEY), or: "
            "eval \"$(ssh-agent)\" && ssh-add KEY");
    }
  } else if (::stat(sock.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    c.add("local", "agent", usable_keys > 0 ? "warn" : "fail",
          fmt::format("SSH_AUTH_SOCK={} is not a socket (the agent is gone)", sock),
          "eval \"$(ssh-agent)\" && ssh-add KEY");
  } else {
    c.add("local", "agent", "ok", fmt::format("ssh-agent at {}", sock));
  }
}

void check_known_host(Checks& c, const core::Target& target, const std::string& prefix) {
  const auto name = target.known_hosts_name();
  auto files = target.known_hosts_files;
  files.insert(files.end(), target.global_known_hosts_files.begin(),
               target.global_known_hosts_files.end());
  const auto where = known_host_entry(files, name);
  if (!where.empty()) {
    c.add("local", "known host", "ok", fmt::format("{} in {}", name, where));
    return;
  }
  c.add("local", "known host", "fail",
        fmt::format("{} is in none of {}", name, util::join(target.known_hosts_files, ", ")),
        fmt::format("{} --host-key-check ask exec true   (shows the server's key fingerprint and "
                    "asks; check it with the server's owner)",
                    prefix));
}

std::string fix_for_connect_error(const core::Error& e, const core::Target& target,
                                  const std::string& prefix) {
  switch (e.kind()) {
    case core::ErrorKind::auth:
      return fmt::format(
          "give the key the server knows: ec2dl hosts add NAME {}@{} -i KEY --replace (or "
          "ssh-add KEY)",
          target.user, target.hostname);
    case core::ErrorKind::host_key:
      return e.hint();
    case core::ErrorKind::timeout:
    case core::ErrorKind::connect:
      return fmt::format(
          "check that the server runs and that its address and port {} are right and open to "
          "you (cloud firewall/security group); details: {} -v exec true",
          target.port, prefix);
    default:
      return e.hint();
  }
}

std::map<std::string, std::vector<std::string>> parse_report(const std::string& report) {
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& line : util::split(report, '\n')) {
    if (line.empty()) {
      continue;
    }
    const auto space = line.find(' ');
    const auto key = line.substr(0, space);
    values[key].push_back(space == std::string::npos ? std::string() : line.substr(space + 1));
  }
  return values;
}

std::string first(const std::map<std::string, std::vector<std::string>>& values,
                  const std::string& key) {
  const auto it = values.find(key);
  return it == values.end() || it->second.empty() ? std::string() : it->second.front();
}

}  // namespace

std::vector<Check> server_checks(const std::string& report, const std::string& prefix,
                                 const std::string& python) {
  Checks c;
  const auto values = parse_report(report);
  const auto s = [](std::string_view text) { return util::sanitize_for_terminal(text); };

  const auto sh = first(values, "sh");
  if (sh.empty()) {
    c.add("server", "sh", "fail", "the server's /bin/sh did not answer",
          prefix + " exec -- ls -l /bin/sh");
  } else {
    c.add("server", "sh", "ok", fmt::format("/bin/sh is {}", s(sh)));
  }

  const auto py = first(values, "python");
  const auto py_state = py.substr(0, py.find(' '));
  const auto py_text = py.find(' ') == std::string::npos ? "" : py.substr(py.find(' ') + 1);
  if (py_state == "ok") {
    c.add("server", "python", "ok", fmt::format("{} ({})", s(py_text), python));
  } else {
    c.add("server", "python", "fail", fmt::format("'{} --version' failed: {}", python, s(py_text)),
          fmt::format("install it: {} -t exec -- sudo apt-get install -y python3 (Debian/Ubuntu), "
                      "or name another: ec2dl hosts add NAME USER@HOST --python PATH --replace",
                      prefix));
  }

  const auto smi = values.find("nvidia_smi");
  if (smi == values.end() || smi->second.front().empty()) {
    c.add("server", "nvidia-smi", "fail", "nvidia-smi is not installed: no NVIDIA driver",
          fmt::format("install the NVIDIA driver (e.g. {} -t exec -- sudo apt-get install -y "
                      "nvidia-driver), or use a GPU image such as a Deep Learning AMI",
                      prefix));
  } else {
    c.add("server", "nvidia-smi", "ok", s(smi->second.front()));
    const auto status = first(values, "gpu_status");
    const auto gpus_it = values.find("gpu");
    const std::vector<std::string> gpus =
        gpus_it == values.end() ? std::vector<std::string>() : gpus_it->second;
    if (status != "0") {
      c.add("server", "driver", "fail",
            fmt::format("nvidia-smi exited {}: {}", s(status),
                        s(gpus.empty() ? std::string("(no output)") : gpus.front())),
            fmt::format("load or reinstall the driver for the running kernel, then reboot: {} -t "
                        "exec -- sudo reboot",
                        prefix));
    } else if (gpus.empty()) {
      c.add("server", "driver", "fail", "nvidia-smi lists no GPU", prefix + " exec -- nvidia-smi");
    } else {
      std::vector<std::string> names;
      std::string driver;
      for (const auto& g : gpus) {
        const auto fields = util::split(g, ", ");
        if (fields.size() >= 3) {
          names.push_back(fields[1]);
          driver = fields[2];
        }
      }
      std::map<std::string, int> counts;
      for (const auto& n : names) {
        ++counts[n];
      }
      std::vector<std::string> parts;
      for (const auto& [n, k] : counts) {
        parts.push_back(fmt::format("{} x {}", k, n));
      }
      c.add("server", "driver", "ok",
            fmt::format("{}; driver {}", s(util::join(parts, ", ")), s(driver)));
    }
  }

  const auto disk = util::split(first(values, "disk"), ' ');
  const auto avail = disk.size() >= 2 ? util::parse_uint(disk[0]) : std::nullopt;
  const auto total = disk.size() >= 2 ? util::parse_uint(disk[1]) : std::nullopt;
  if (!avail || !total) {
    c.add("server", "disk", "warn", "df did not report the home's file system",
          prefix + " exec -- df -h");
  } else {
    const double free_bytes = static_cast<double>(*avail) * 1024.0;
    const double total_bytes = static_cast<double>(*total) * 1024.0;
    const auto detail = fmt::format("{} free of {} in {} ({})", ui::human_bytes(free_bytes),
                                    ui::human_bytes(total_bytes), s(first(values, "home")),
                                    s(disk.size() >= 3 ? disk[2] : std::string("?")));
    const auto fix = fmt::format(
        "see what takes the space: {} exec -c 'du -xsh ~/* ~/.[!.]* 2>/dev/null | sort -h | "
        "tail'",
        prefix);
    if (free_bytes < k_disk_fail_bytes) {
      c.add("server", "disk", "fail", detail, fix);
    } else if (free_bytes < k_disk_warn_bytes || free_bytes < total_bytes * 0.05) {
      c.add("server", "disk", "warn", detail, fix);
    } else {
      c.add("server", "disk", "ok", detail);
    }
  }

  const auto reg = first(values, "registry");
  const auto reg_state = reg.substr(0, reg.find(' '));
  const auto reg_dir = reg.find(' ') == std::string::npos ? "" : reg.substr(reg.find(' ') + 1);
  if (reg_state == "ok") {
    c.add("server", "registry", "ok", fmt::format("{} is writable", s(reg_dir)));
  } else if (reg_state == "absent") {
    c.add("server", "registry", "ok",
          fmt::format("{} does not exist yet; it will be made on the first run", s(reg_dir)));
  } else {
    c.add("server", "registry", "fail",
          fmt::format("{} {}", s(reg_dir),
                      reg_state == "notdir" ? "is not a folder" : "is not writable"),
          fmt::format("{} exec -- sh -c 'mkdir -p \"$1\" && chmod u+rwx \"$1\"' sh {}   (or choose "
                      "another with --remote-dir DIR)",
                      prefix, remote::shell_quote(reg_dir)));
  }

  const auto missing_line = first(values, "missing");
  const auto missing = util::trim(missing_line);
  if (!missing.empty()) {
    c.add("server", "tools", "warn", fmt::format("missing: {}", s(missing)),
          fmt::format("{} -t exec -- sudo apt-get install -y coreutils findutils util-linux "
                      "procps tar gawk sed",
                      prefix));
  }
  return c.list;
}

std::string render(const std::vector<Check>& checks, bool color) {
  std::string out;
  std::string section;
  for (const auto& c : checks) {
    if (c.section != section) {
      section = c.section;
      out += ui::paint(section, ui::Color::bold, color) + "\n";
    }
    const auto color_of = c.status == "ok"     ? ui::Color::green
                          : c.status == "warn" ? ui::Color::yellow
                          : c.status == "fail" ? ui::Color::red
                                               : ui::Color::gray;
    const auto label = c.status == "fail" ? std::string("FAIL") : c.status;
    out += fmt::format("  {}{}  {:<11} {}\n", ui::paint(label, color_of, color),
                       std::string(4 - label.size(), ' '), c.name,
                       util::sanitize_for_terminal(c.detail));
    if (!c.fix.empty()) {
      out += fmt::format("        fix: {}\n", util::sanitize_for_terminal(c.fix));
    }
  }
  return out;
}

void setup(CLI::App& app, Options& options) {
  app.add_flag("--local", options.local_only, "Only the local checks: do not connect");
  app.footer(
      "Checks, and prints the command that fixes each problem:\n"
      "  local:  config files, which server, key files and their modes, ssh-agent,\n"
      "          the server's entry in known_hosts\n"
      "  server: reachable and logged in, sh, python, nvidia-smi and the driver, free disk\n"
      "          in the home, the job registry writable, the tools jobs need\n"
      "Exits 1 when a check failed (warnings do not count).\n"
      "Examples:\n"
      "  ec2dl doctor\n"
      "  ec2dl -H gpu1 doctor\n"
      "  ec2dl --json doctor --local");
}

int run(const Options& options, core::Context& ctx) {
  Checks c;
  bool config_ok = true;
  check_config(c, ctx, &config_ok);
  const auto prefix = fix_prefix(ctx);

  std::optional<core::Target> target;
  if (!config_ok) {
    c.add("local", "server", "skip", "the config above must be fixed first");
  } else if (auto resolved = ctx.target(); !resolved) {
    const bool no_host = resolved.error().kind() == core::ErrorKind::usage;
    c.add("local", "server", "fail", resolved.error().message(),
          no_host ? "save your server once: ec2dl hosts add NAME USER@HOST -i KEY (or give -H)"
                  : resolved.error().hint());
  } else {
    target = *resolved;
    const auto profile = ctx.profile();
    const bool from_profile = profile && *profile != nullptr;
    c.add("local", "server", "ok",
          fmt::format("{} = {}{}", target->alias, target->display(),
                      from_profile ? " (saved host)" : ""));
    const int usable = check_keys(c, *target);
    check_agent(c, *target, usable);
    check_known_host(c, *target, prefix);
  }

  if (!options.local_only && target) {
    // Report rather than ask: an unknown host key is refused unless --host-key-check says.
    if (ctx.options().host_key_check.empty()) {
      target->host_key_policy = core::HostKeyPolicy::strict;
    }
    auto session = ssh::Session::connect(*target, prompter());
    if (!session) {
      const auto& e = session.error();
      // Only a key that is merely not known yet is a warning; a changed or revoked key, or a
      // host known only through @cert-authority, is a failure.
      const bool unknown_key = e.kind() == core::ErrorKind::host_key &&
                               (e.message().find("is not a known host") != std::string::npos ||
                                e.message().find("not accepted") != std::string::npos);
      if (unknown_key) {
        c.add("server", "reachable", "warn",
              "the server answered, but its host key is not known yet (see 'known host')");
      } else {
        c.add("server", "reachable", "fail", e.message(),
              fix_for_connect_error(e, *target, prefix));
      }
      c.add("server", "checks", "skip", "they need a connection");
    } else {
      c.add("server", "reachable", "ok", fmt::format("logged in as {}", target->display()));
      const auto profile = ctx.profile();
      std::string python = "python3";
      if (profile && *profile != nullptr && !(*profile)->python.empty()) {
        python = (*profile)->python;
      }
      auto out = ssh::capture(
          *session,
          remote::ScriptCall{remote::scripts::doctor, {ctx.remote_dir(), python}, {}}.command());
      if (!out) {
        c.add("server", "checks", "fail", out.error().message(), out.error().hint());
      } else if (out->status.shell_status() != 0) {
        // The report script never fails on its own: a non-zero status means the server
        // could not run it at all (for instance no base64 to unpack it).
        const auto err = std::string(util::trim(out->err));
        const auto line = err.substr(0, err.find('\n'));
        c.add("server", "checks", "fail",
              fmt::format("the checks could not run (exit {}): {}", out->status.shell_status(),
                          util::sanitize_for_terminal(line.empty() ? "no message" : line)),
              line.find("base64") != std::string::npos
                  ? fmt::format("{} -t exec -- sudo apt-get install -y coreutils", prefix)
                  : std::string());
      } else {
        for (auto& check : server_checks(out->out, prefix, python)) {
          c.list.push_back(std::move(check));
        }
      }
    }
  }

  int problems = 0;
  int warnings = 0;
  for (const auto& check : c.list) {
    problems += check.status == "fail" ? 1 : 0;
    warnings += check.status == "warn" ? 1 : 0;
  }
  if (ctx.options().json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& check : c.list) {
      list.push_back({{"section", check.section},
                      {"name", check.name},
                      {"status", check.status},
                      {"detail", check.detail},
                      {"fix", check.fix.empty() ? nlohmann::ordered_json(nullptr)
                                                : nlohmann::ordered_json(check.fix)}});
    }
    const nlohmann::ordered_json out = {
        {"server",
         target ? nlohmann::ordered_json(target->alias) : nlohmann::ordered_json(nullptr)},
        {"target",
         target ? nlohmann::ordered_json(target->display()) : nlohmann::ordered_json(nullptr)},
        {"ok", problems == 0},
        {"problems", problems},
        {"warnings", warnings},
        {"checks", list},
    };
    fmt::print("{}\n", util::json_text(out, 2));
  } else {
    fmt::print("{}", render(c.list, ctx.color()));
    if (problems == 0) {
      fmt::print(
          "no problems found{}\n",
          warnings > 0 ? fmt::format(" ({} warning{})", warnings, warnings == 1 ? "" : "s") : "");
    } else {
      fmt::print("{} problem{} found\n", problems, problems == 1 ? "" : "s");
    }
  }
  return problems == 0 ? core::k_exit_ok : core::k_exit_failed;
}

}  // namespace ec2dl::cli::doctor_cmd
