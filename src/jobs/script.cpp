#include "ec2dl/jobs/script.hpp"

#include <fmt/format.h>

#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::jobs {

namespace {

// The script's complaint, on one line, for an error message.
std::string stderr_message(const std::string& err, int status) {
  auto text = std::string(util::trim(err));
  if (text.empty()) {
    return fmt::format("the remote script failed with status {}", status);
  }
  const auto lines = util::split(text, '\n');
  return util::sanitize_for_terminal(util::trim(lines.back()));
}

}  // namespace

core::Error script_error(std::string_view what, const std::string& err,
                         const ssh::ExitStatus& status) {
  return core::Error(core::ErrorKind::remote,
                     fmt::format("{}: {}", what, stderr_message(err, status.shell_status())));
}

core::Result<std::string> run_script(ssh::Session& session, const remote::ScriptCall& call,
                                     std::string_view what) {
  EC2DL_TRY_ASSIGN(auto captured, ssh::capture(session, call.command(), {}, k_max_output));
  if (captured.status.shell_status() != 0) {
    return core::fail(script_error(what, captured.err, captured.status));
  }
  return std::move(captured.out);
}

}  // namespace ec2dl::jobs
