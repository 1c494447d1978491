#include "ec2dl/monitor/report.hpp"

#include <fmt/format.h>

#include <random>

#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::monitor {

std::string new_marker() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint32_t> dist;
  return fmt::format("@ec2dl-{:08x}{:08x}", dist(rd), dist(rd));
}

remote::ScriptCall report_call(const remote::Script& script, std::string_view marker,
                               const std::vector<std::string>& args) {
  std::vector<std::string> all{std::string(marker)};
  all.insert(all.end(), args.begin(), args.end());
  return remote::ScriptCall{.script = script, .args = std::move(all), .inputs = {}};
}

core::Result<Report> parse_report(std::string_view out, std::string err, std::string_view marker,
                                  std::string_view what) {
  auto sections = remote::split_sections(out, marker);
  if (sections.empty() || sections.back().name != "end") {
    const auto why = util::trim(err);
    return core::fail(core::ErrorKind::remote,
                      fmt::format("{}: the server's answer was cut short{}{}", what,
                                  why.empty() ? "" : ": ", why.substr(0, 300)));
  }
  return Report{std::move(sections), std::move(err)};
}

core::Result<Report> run_report(ssh::Session& session, const remote::Script& script,
                                const std::vector<std::string>& args, std::string_view what,
                                std::size_t max_bytes) {
  const auto marker = new_marker();
  EC2DL_TRY_ASSIGN(auto captured, ssh::capture(session, report_call(script, marker, args).command(),
                                               {}, max_bytes));
  return parse_report(captured.out, std::move(captured.err), marker, what);
}

std::string json_text(const nlohmann::json& value, bool pretty) {
  return util::json_text(value, pretty ? 2 : -1) + "\n";
}

nlohmann::json job_id_json(const std::string& id) {
  if (id.empty()) {
    return nullptr;
  }
  if (const auto n = util::parse_uint(id); n && id.size() < 16) {
    return *n;
  }
  return id;
}

}  // namespace ec2dl::monitor
