#include "ec2dl/jobs/jobs.hpp"

#include <fmt/format.h>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::jobs {

using core::ErrorKind;
using core::fail;

namespace {

// Bounds on what a job script may send back (a listing of thousands of jobs fits easily).
constexpr std::size_t k_max_output = 64u << 20;
constexpr std::size_t k_max_stderr = 64u << 10;

// The script's complaint, on one line, for an error message.
std::string stderr_message(const std::string& err, int status) {
  auto text = std::string(util::trim(err));
  if (text.empty()) {
    return fmt::format("the remote script failed with status {}", status);
  }
  const auto lines = util::split(text, '\n');
  return util::sanitize_for_terminal(util::trim(lines.back()));
}

core::Error script_error(std::string_view what, const std::string& err,
                         const ssh::ExitStatus& status) {
  return core::Error(ErrorKind::remote,
                     fmt::format("{}: {}", what, stderr_message(err, status.shell_status())));
}

std::vector<std::string> id_words(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto id : ids) {
    out.push_back(std::to_string(id));
  }
  return out;
}

}  // namespace

std::string script_text(const remote::Script& script) {
  std::string text(remote::scripts::job_lib.text);
  text += '\n';
  text += script.text;
  return text;
}

std::string job_dir(const std::string& base, std::int64_t id) {
  return fmt::format("{}/jobs/{}", base, id);
}

core::Result<std::string> run_script(ssh::Session& session, const remote::Script& script,
                                     const std::vector<std::string>& args, std::string_view what) {
  const auto command =
      remote::sh_command(script_text(script), args, fmt::format("ec2dl-{}", script.name));
  auto captured = ssh::capture(session, command, {}, k_max_output);
  if (!captured) {
    return std::unexpected(captured.error());
  }
  if (captured->status.shell_status() != 0) {
    return std::unexpected(script_error(what, captured->err, captured->status));
  }
  return std::move(captured->out);
}

namespace {

// Runs job_launch.sh with `args`, answering its GPU question through `pick` when `ask`.
// Returns its stdout (after the GPU facts); a refusal by `pick` is returned as the error.
core::Result<std::string> run_launch(ssh::Session& session, const std::vector<std::string>& args,
                                     bool ask, const GpuPicker& pick) {
  const auto command =
      remote::sh_command(script_text(remote::scripts::job_launch), args, "ec2dl-job_launch");
  std::string out;
  std::string err;
  auto channel = ssh::Channel::exec(session, command, [&](std::string_view data, bool is_stderr) {
    auto& sink = is_stderr ? err : out;
    if (sink.size() + data.size() <= (is_stderr ? k_max_stderr : k_max_output)) {
      sink.append(data);
    }
  });
  if (!channel) {
    return std::unexpected(channel.error());
  }
  if (!ask) {
    EC2DL_TRY(channel->send_eof());
  }
  bool asked = false;
  std::optional<core::Error> refused;
  while (!channel->closed()) {
    auto open = channel->pump(200);
    if (!open) {
      return std::unexpected(open.error());
    }
    if (ask && !asked) {
      const auto marker = out.find("@choose\n");
      if (marker == std::string::npos) {
        continue;
      }
      const auto facts = remote::parse_gpu_facts(std::string_view(out).substr(0, marker));
      out.erase(0, marker + 8);
      auto visible = pick(facts);
      asked = true;
      if (!visible) {
        refused = visible.error();
        EC2DL_TRY(channel->write("\n"));
      } else {
        EC2DL_TRY(channel->write(*visible + "\n"));
      }
      EC2DL_TRY(channel->send_eof());
    }
  }
  auto status = channel->wait();
  if (!status) {
    return std::unexpected(status.error());
  }
  if (refused) {
    return std::unexpected(*refused);
  }
  if (status->shell_status() != 0) {
    return std::unexpected(script_error("run", err, *status));
  }
  return out;
}

}  // namespace

core::Result<void> check_launch(ssh::Session& session, const std::string& base,
                                const remote::LaunchSpec& spec, const GpuPicker& pick) {
  auto args = remote::launch_arguments(spec, base, "");
  args.insert(args.begin(), "--check");
  auto out = run_launch(session, args, spec.gpus == "?", pick);
  if (!out) {
    return std::unexpected(out.error());
  }
  return core::ok();
}

core::Result<remote::LaunchResult> launch(ssh::Session& session, const std::string& base,
                                          const remote::LaunchSpec& spec, const GpuPicker& pick) {
  auto out = run_launch(
      session, remote::launch_arguments(spec, base, script_text(remote::scripts::job_wrapper)),
      spec.gpus == "?", pick);
  if (!out) {
    return std::unexpected(out.error());
  }
  return remote::parse_launch_output(*out);
}

core::Result<remote::JobListing> list(ssh::Session& session, const std::string& base,
                                      const std::vector<std::int64_t>& ids, bool processes) {
  std::vector<std::string> args = {base, processes ? "1" : "0"};
  for (auto& w : id_words(ids)) {
    args.push_back(std::move(w));
  }
  auto out = run_script(session, remote::scripts::job_list, args, "list jobs");
  if (!out) {
    return std::unexpected(out.error());
  }
  return remote::parse_listing(*out);
}

core::Result<std::vector<remote::JobEntry>> find(ssh::Session& session, const std::string& base,
                                                 const std::vector<remote::JobRef>& refs) {
  // Only ids: list just those; names or "the newest": list all.
  std::vector<std::int64_t> ids;
  bool all = refs.empty();
  for (const auto& ref : refs) {
    if (ref.id && *ref.id >= 0) {
      ids.push_back(*ref.id);
    } else if (!ref.id) {
      all = true;
    }
  }
  if (!all && ids.empty()) {
    ids.push_back(0);  // only impossible ids: ask for one that cannot exist
  }
  auto listing = list(session, base, all ? std::vector<std::int64_t>{} : ids, false);
  if (!listing) {
    return std::unexpected(listing.error());
  }
  return remote::resolve_jobs(*listing, refs);
}

core::Result<std::vector<std::int64_t>> find_ids(ssh::Session& session, const std::string& base,
                                                 const std::vector<std::string>& texts) {
  std::vector<remote::JobRef> refs;
  for (const auto& text : texts) {
    refs.push_back(remote::parse_job_ref(text));
  }
  auto found = find(session, base, refs);
  if (!found) {
    return std::unexpected(found.error());
  }
  std::vector<std::int64_t> ids;
  for (const auto& job : *found) {
    ids.push_back(job.id);
  }
  return ids;
}

core::Result<bool> wait_ended(ssh::Session& session, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s) {
  std::vector<std::string> args = {base};
  for (auto& w : id_words(ids)) {
    args.push_back(std::move(w));
  }
  const auto command =
      remote::sh_command(script_text(remote::scripts::job_wait), args, "ec2dl-job_wait");
  std::string err;
  auto channel = ssh::Channel::exec(session, command, [&](std::string_view data, bool is_stderr) {
    if (is_stderr && err.size() + data.size() <= k_max_stderr) {
      err.append(data);
    }
  });
  if (!channel) {
    return std::unexpected(channel.error());
  }
  // stdin stays open: its EOF is how the server side learns that we left.
  const auto deadline =
      timeout_s > 0 ? util::monotonic_ms() + static_cast<std::int64_t>(timeout_s * 1000) : 0;
  while (!channel->closed()) {
    if (deadline > 0 && util::monotonic_ms() >= deadline) {
      return false;
    }
    auto open = channel->pump(200);
    if (!open) {
      return std::unexpected(open.error());
    }
  }
  auto status = channel->wait();
  if (!status) {
    return std::unexpected(status.error());
  }
  if (status->shell_status() != 0) {
    return std::unexpected(script_error("wait", err, *status));
  }
  return true;
}

core::Result<std::vector<std::pair<std::int64_t, remote::KillOutcome>>> kill(
    ssh::Session& session, const std::string& base, const std::vector<std::int64_t>& ids,
    const std::string& signal, int grace_s, bool escalate) {
  std::vector<std::string> args = {base, signal, std::to_string(grace_s), escalate ? "1" : "0"};
  for (auto& w : id_words(ids)) {
    args.push_back(std::move(w));
  }
  auto out = run_script(session, remote::scripts::job_kill, args, "kill");
  if (!out) {
    return std::unexpected(out.error());
  }
  return remote::parse_kill_output(*out);
}

core::Result<LogTail> read_tail(ssh::Session& session, const std::string& log, std::int64_t len) {
  auto out = run_script(session, remote::scripts::job_log, {"tail", log, std::to_string(len)},
                        fmt::format("read {}", log));
  if (!out) {
    return std::unexpected(out.error());
  }
  const auto newline = out->find('\n');
  const auto size =
      newline == std::string::npos ? std::nullopt : util::parse_int(out->substr(0, newline));
  if (!size) {
    return fail(ErrorKind::remote, fmt::format("read {}: unexpected answer from the server", log));
  }
  LogTail tail;
  tail.size = *size;
  tail.bytes = out->substr(newline + 1);
  tail.from = tail.size - static_cast<std::int64_t>(tail.bytes.size());
  return tail;
}

core::Result<void> follow(ssh::Session& session, const std::string& log, std::int64_t& offset,
                          const std::string& dir, const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset) {
  for (;;) {
    const auto command =
        remote::sh_command(script_text(remote::scripts::job_log),
                           {"follow", log, std::to_string(offset), dir}, "ec2dl-job_log");
    std::string err;
    bool stop = false;
    auto channel = ssh::Channel::exec(session, command, [&](std::string_view data, bool is_stderr) {
      if (stop) {
        return;
      }
      if (is_stderr) {
        if (err.size() + data.size() <= k_max_stderr) {
          err.append(data);
        }
        return;
      }
      offset += static_cast<std::int64_t>(data.size());
      stop = !sink(data);
    });
    if (!channel) {
      return std::unexpected(channel.error());
    }
    while (!channel->closed()) {
      if (stop) {
        return core::ok();
      }
      auto open = channel->pump(200);
      if (!open) {
        return std::unexpected(open.error());
      }
    }
    if (stop) {
      return core::ok();
    }
    auto status = channel->wait();
    if (!status) {
      return std::unexpected(status.error());
    }
    const int code = status->shell_status();
    if (code == 0) {
      return core::ok();
    }
    if (code == 3) {
      offset = 0;
      if (on_reset) {
        on_reset();
      }
      continue;
    }
    return std::unexpected(script_error(fmt::format("follow {}", log), err, *status));
  }
}

core::Result<void> follow(ssh::Reconnector& link, const std::string& log, std::int64_t& offset,
                          const std::string& dir, const std::function<bool(std::string_view)>& sink,
                          const std::function<void()>& on_reset) {
  while (true) {
    auto session = link.session();
    if (!session) {
      return std::unexpected(session.error());
    }
    auto followed = follow(**session, log, offset, dir, sink, on_reset);
    if (followed || !link.recover(followed.error())) {
      return followed;
    }
  }
}

core::Result<bool> wait_ended(ssh::Reconnector& link, const std::string& base,
                              const std::vector<std::int64_t>& ids, double timeout_s) {
  const auto deadline =
      timeout_s > 0 ? util::monotonic_ms() + static_cast<std::int64_t>(timeout_s * 1000) : 0;
  while (true) {
    double left = 0;
    if (deadline > 0) {
      left = static_cast<double>(deadline - util::monotonic_ms()) / 1000.0;
      if (left <= 0) {
        return false;
      }
    }
    auto session = link.session();
    if (!session) {
      return std::unexpected(session.error());
    }
    auto ended = wait_ended(**session, base, ids, left);
    if (ended || !link.recover(ended.error())) {
      return ended;
    }
  }
}

}  // namespace ec2dl::jobs
