#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::doctor_cmd {

struct Options {
  bool local_only = false;  // --local: no connection
};

// One finding: status is ok, warn, fail or skip; `fix` is a command that repairs a problem.
struct Check {
  std::string section;  // local or server
  std::string name;
  std::string status;
  std::string detail;
  std::string fix;
};

// `doctor`: checks the local side (config files, the server's name, keys, agent, known
// host) and the server (reachable, sh, python, nvidia-smi and driver, free disk in the home,
// job registry writable), printing for each problem the command that fixes it. Exits 1 when
// a check failed, 0 otherwise (warnings included).
void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

// Interprets the "key value" lines of the server script (doctor.sh) as checks. `fix_prefix`
// is how the user reaches the server ("ec2dl -H gpu1"), for the fix commands.
std::vector<Check> server_checks(const std::string& report, const std::string& fix_prefix,
                                 const std::string& python);

// The plain-text report: one line per check, a "fix:" line under each problem.
std::string render(const std::vector<Check>& checks, bool color);

}  // namespace ec2dl::cli::doctor_cmd
