#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/sections.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::monitor {

// A random word that marks section lines in a monitoring script's output.
std::string new_marker();

// The call that runs the monitoring script `script` (what its "# uses:" line names included)
// with `marker` as $1 and `args` after it.
remote::ScriptCall report_call(const remote::Script& script, std::string_view marker,
                               const std::vector<std::string>& args);

// What a monitoring script printed: its sections, and its stderr (the messages of the tools
// it ran).
struct Report {
  std::vector<remote::Section> sections;
  std::string err;
};

// Checks that a script's output came whole (it ends with an "end" section) and splits it;
// `what` names the command in errors ("gpu", "top"). Fails (kind remote) with the script's
// stderr when it did not finish.
core::Result<Report> parse_report(std::string_view out, std::string err, std::string_view marker,
                                  std::string_view what);

// One round trip: runs the script with a fresh marker and returns what it reported. A
// report larger than max_bytes is an error (memory stays bounded).
core::Result<Report> run_report(ssh::Session& session, const remote::Script& script,
                                const std::vector<std::string>& args, std::string_view what,
                                std::size_t max_bytes = 64u << 20);

// JSON text ending in a newline: indented when `pretty`, else one line. Bytes that are not
// UTF-8 (a process name from the server) become U+FFFD instead of failing.
std::string json_text(const nlohmann::json& value, bool pretty);

// A job id for JSON: a number when it is one ("12" -> 12), else the text; null when empty.
nlohmann::json job_id_json(const std::string& id);

}  // namespace ec2dl::monitor
