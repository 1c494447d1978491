#include "ec2dl/core/context.hpp"

#include <unistd.h>

namespace ec2dl::core {

Context::Context(GlobalOptions options, Environment env)
    : m_options(std::move(options)),
      m_env(std::move(env)),
      m_stdin_tty(::isatty(STDIN_FILENO) == 1),
      m_stdout_tty(::isatty(STDOUT_FILENO) == 1),
      m_stderr_tty(::isatty(STDERR_FILENO) == 1) {}

bool Context::color() const {
  if (m_options.no_color || !m_stdout_tty) {
    return false;
  }
  if (m_env.vars.contains("NO_COLOR") && !m_env.vars.at("NO_COLOR").empty()) {
    return false;
  }
  const auto term = m_env.get("TERM");
  return !term || *term != "dumb";
}

Result<const Profile*> Context::profile() const {
  if (!m_profile) {
    EC2DL_TRY_ASSIGN(const auto config, ProfileConfig::load(profile_config_path(m_env)));
    EC2DL_TRY_ASSIGN(m_profile, select_profile(config, m_options, m_env));
  }
  return *m_profile ? &**m_profile : nullptr;
}

Result<Target> Context::target() {
  if (!m_target) {
    EC2DL_TRY_ASSIGN(const auto* profile, this->profile());
    auto resolved = resolve_target(m_options, m_env, interactive(), profile);
    if (!resolved) {
      return resolved;
    }
    m_target = std::move(*resolved);
  }
  return *m_target;
}

std::string Context::remote_dir() const {
  if (!m_options.remote_dir.empty()) {
    return m_options.remote_dir;
  }
  if (auto dir = m_env.get("EC2DL_REMOTE_DIR")) {
    return *dir;
  }
  // A malformed config is reported by target(); here it only means no profile default.
  if (auto profile = this->profile(); profile && *profile && !(*profile)->remote_dir.empty()) {
    return (*profile)->remote_dir;
  }
  return "~/.ec2dl";
}

}  // namespace ec2dl::core
