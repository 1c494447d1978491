#include "ec2dl/jobs/kill.hpp"

#include "ec2dl/jobs/registry.hpp"
#include "ec2dl/jobs/script.hpp"
#include "ec2dl/remote/scripts.hpp"

namespace ec2dl::jobs {

core::Result<std::vector<std::pair<std::int64_t, remote::KillOutcome>>> kill(
    ssh::Session& session, const std::string& base, const std::vector<std::int64_t>& ids,
    const std::string& signal, int grace_s, bool escalate) {
  remote::ScriptCall call{
      remote::scripts::job_kill, {base, signal, std::to_string(grace_s), escalate ? "1" : "0"}, {}};
  for (auto& w : id_words(ids)) {
    call.args.push_back(std::move(w));
  }
  EC2DL_TRY_ASSIGN(const auto out, run_script(session, call, "kill"));
  return remote::parse_kill_output(out);
}

}  // namespace ec2dl::jobs
