#include "ec2dl/jobs/wait.hpp"

#include "ec2dl/jobs/registry.hpp"
#include "ec2dl/jobs/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::jobs {

namespace {

// The monotonic time `timeout_s` from now, in ms; 0 for no timeout.
std::int64_t deadline_after(double timeout_s) {
  return timeout_s > 0 ? util::monotonic_ms() + static_cast<std::int64_t>(timeout_s * 1000) : 0;
}

}  // namespace

core::Result<bool> wait_ended(ssh::Session& session, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s) {
  remote::ScriptCall call{remote::scripts::job_wait, {base}, {}};
  for (auto& w : id_words(ids)) {
    call.args.push_back(std::move(w));
  }
  std::string err;
  EC2DL_TRY_ASSIGN(
      auto channel,
      ssh::Channel::exec(session, call.command(), [&](std::string_view data, bool is_stderr) {
        if (is_stderr && err.size() + data.size() <= k_max_stderr) {
          err.append(data);
        }
      }));
  // stdin stays open: its EOF is how the server side learns that we left.
  const auto deadline = deadline_after(timeout_s);
  while (!channel.closed()) {
    if (deadline > 0 && util::monotonic_ms() >= deadline) {
      return false;
    }
    EC2DL_TRY(channel.pump(200));
  }
  EC2DL_TRY_ASSIGN(const auto status, channel.wait());
  if (status.shell_status() != 0) {
    return core::fail(script_error("wait", err, status));
  }
  return true;
}

core::Result<bool> wait_ended(ssh::Reconnector& link, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s) {
  // The link gives up reconnecting at the deadline, and a wait that reaches it while the
  // link is down has timed out: what is left of the timeout is worked out once the session
  // is there, so time spent reconnecting counts.
  const auto deadline = deadline_after(timeout_s);
  link.give_up_at(deadline);
  auto ended = link.retry([&](ssh::Session& session) -> core::Result<bool> {
    double left = 0;
    if (deadline > 0) {
      left = static_cast<double>(deadline - util::monotonic_ms()) / 1000.0;
      if (left <= 0) {
        return false;
      }
    }
    return wait_ended(session, base, ids, left);
  });
  link.give_up_at(0);
  if (!ended && deadline > 0 && ssh::is_transient(ended.error()) &&
      util::monotonic_ms() >= deadline) {
    return false;  // the deadline came while the link was down
  }
  return ended;
}

core::Result<WaitResult> wait_jobs(ssh::Reconnector& link, const std::string& base,
                                   const std::vector<std::int64_t>& ids, double timeout_s) {
  WaitResult result;
  EC2DL_TRY_ASSIGN(result.ended, wait_ended(link, base, ids, timeout_s));
  EC2DL_TRY_ASSIGN(result.listing, list(link, base, ids, false));
  return result;
}

}  // namespace ec2dl::jobs
