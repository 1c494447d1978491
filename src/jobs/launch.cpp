#include "ec2dl/jobs/launch.hpp"

#include <fmt/format.h>

#include "ec2dl/jobs/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"

namespace ec2dl::jobs {

namespace {

// The marker job_launch.sh prints after the GPU facts, before it reads the choice.
constexpr std::string_view k_choose_marker = "@choose\n";
// The most GPU facts (nvidia-smi output) read before the question: real ones are a few KiB.
constexpr std::size_t k_max_gpu_facts = 4u << 20;

// Runs job_launch.sh as `call` and returns its stdout (after the GPU facts). With `question`,
// answers the script's GPU question; a refused choice is the error.
core::Result<std::string> run_launch(ssh::Session& session, const remote::ScriptCall& call,
                                     GpuQuestion* question) {
  std::string out;
  std::string err;
  EC2DL_TRY_ASSIGN(
      auto channel,
      ssh::Channel::exec(session, call.command(), [&](std::string_view data, bool is_stderr) {
        auto& sink = is_stderr ? err : out;
        if (sink.size() + data.size() <= (is_stderr ? k_max_stderr : k_max_output)) {
          sink.append(data);
        }
      }));
  if (question == nullptr) {
    EC2DL_TRY(channel.send_eof());
  }
  while (!channel.closed()) {
    EC2DL_TRY(channel.pump(200));
    if (question != nullptr) {
      if (auto line = question->answer(out)) {
        EC2DL_TRY(channel.write(*line));
        EC2DL_TRY(channel.send_eof());
      }
    }
  }
  EC2DL_TRY_ASSIGN(const auto status, channel.wait());
  if (question != nullptr && question->refused()) {
    return core::fail(*question->refused());
  }
  if (status.shell_status() != 0) {
    return core::fail(script_error("run", err, status));
  }
  return out;
}

}  // namespace

std::optional<std::string> GpuQuestion::answer(std::string& out) {
  if (m_answered) {
    return std::nullopt;
  }
  const auto marker = out.find(k_choose_marker);
  if (marker == std::string::npos) {
    if (out.size() > k_max_gpu_facts) {
      // nvidia-smi printing megabytes is not a server to choose GPUs on: refuse, bounded.
      m_answered = true;
      m_refused =
          core::Error(core::ErrorKind::remote,
                      fmt::format("--gpu: nvidia-smi's output on the server is larger than {} MiB",
                                  k_max_gpu_facts >> 20),
                      "run without --gpu, or look at the server's nvidia-smi");
      out.clear();
      return "\n";
    }
    return std::nullopt;
  }
  auto facts = remote::parse_gpu_facts(std::string_view(out).substr(0, marker));
  out.erase(0, marker + k_choose_marker.size());
  m_answered = true;
  auto choice = remote::choose_gpus(m_request, facts);
  if (!choice) {
    m_refused = choice.error();
    return "\n";
  }
  m_choice = std::move(*choice);
  m_gpus = std::move(facts.gpus);
  return m_choice->visible + "\n";
}

std::optional<remote::GpuChoice> GpuQuestion::choice_recorded(std::string_view recorded) const {
  auto choice = m_choice;
  if (choice) {
    choice->indexes = remote::gpu_indexes(recorded, m_gpus);
  }
  return choice;
}

core::Result<LaunchCheck> check_launch(ssh::Session& session, const std::string& base,
                                       const remote::LaunchSpec& spec) {
  std::optional<GpuQuestion> question;
  if (spec.gpu) {
    question.emplace(*spec.gpu);
  }
  EC2DL_TRY(run_launch(session, remote::launch_call(spec, base, "", true),
                       question ? &*question : nullptr));
  return LaunchCheck{question ? question->choice() : std::nullopt};
}

core::Result<remote::LaunchResult> launch(ssh::Session& session, const std::string& base,
                                          const remote::LaunchSpec& spec) {
  std::optional<GpuQuestion> question;
  if (spec.gpu) {
    question.emplace(*spec.gpu);
  }
  const auto call =
      remote::launch_call(spec, base, std::string(remote::scripts::job_wrapper.text), false);
  EC2DL_TRY_ASSIGN(const auto out, run_launch(session, call, question ? &*question : nullptr));
  EC2DL_TRY_ASSIGN(auto result, remote::parse_launch_output(out));
  if (question) {
    result.gpu_choice = question->choice_recorded(result.gpus);
  }
  return result;
}

core::Result<remote::LaunchResult> start(ssh::Session& session, const std::string& base,
                                         const Plan& plan, const Upload& upload) {
  if (!plan.push_local.empty()) {
    EC2DL_TRY(check_launch(session, base, plan.spec));
    if (auto pushed = upload(session, plan.push_local, plan.push_remote); !pushed) {
      return core::fail(pushed.error().context(fmt::format("push {}", plan.push_local)));
    }
  }
  return launch(session, base, plan.spec);
}

}  // namespace ec2dl::jobs
