#include "ec2dl/ssh/auth.hpp"

#include <libssh/callbacks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <cstring>
#include <vector>

#include "ec2dl/ssh/prompt.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::ssh {

using core::ErrorKind;
using core::fail;

std::string identity_file_problem(const std::string& path, bool* missing) {
  *missing = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *missing = true;
    return fmt::format("identity file {}: {}", path, std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return fmt::format("identity file {}: not a regular file", path);
  }
  if ((st.st_mode & 077) != 0) {
    return fmt::format(
        "identity file {}: permissions {:04o} are too open; a private key must "
        "be readable by its owner only (fix: chmod 600 {})",
        path, st.st_mode & 07777, path);
  }
  return {};
}

namespace {

struct PassphraseState {
  Prompter* prompter = nullptr;
  std::string file;
  bool defer = false;        // don't ask: an agent may hold this key; try it first
  bool deferred = false;     // ... and the key turned out to need a passphrase
  bool asked = false;        // the key turned out to be encrypted
  bool no_terminal = false;  // ... and there was no terminal to ask
  int attempts = 0;
};

int passphrase_callback(const char* /*prompt*/, char* buf, size_t len, int /*echo*/, int /*verify*/,
                        void* userdata) {
  auto* state = static_cast<PassphraseState*>(userdata);
  state->asked = true;
  if (state->defer) {
    state->deferred = true;
    return -1;
  }
  if (!state->prompter->can_ask()) {
    state->no_terminal = true;
    return -1;
  }
  ++state->attempts;
  auto pass = state->prompter->passphrase(state->file);
  if (!pass || pass->size() + 1 > len) {
    return -1;
  }
  std::memcpy(buf, pass->c_str(), pass->size() + 1);
  std::fill(pass->begin(), pass->end(), '\0');
  return 0;
}

std::string auth_methods(ssh_session session) {
  const int methods = ssh_userauth_list(session, nullptr);
  std::vector<std::string> names;
  if ((methods & SSH_AUTH_METHOD_PUBLICKEY) != 0) {
    names.emplace_back("publickey");
  }
  if ((methods & SSH_AUTH_METHOD_PASSWORD) != 0) {
    names.emplace_back("password");
  }
  if ((methods & SSH_AUTH_METHOD_INTERACTIVE) != 0) {
    names.emplace_back("keyboard-interactive");
  }
  return names.empty() ? "none" : util::join(names, ",");
}

}  // namespace

core::Result<void> authenticate(ssh_session session, const core::Target& target,
                                Prompter& prompter) {
  std::vector<std::string> tried;
  std::vector<std::string> problems;

  // Some servers need "none" first to announce their methods; it also catches servers
  // that let anyone in.
  if (ssh_userauth_none(session, nullptr) == SSH_AUTH_SUCCESS) {
    return core::ok();
  }

  // The agent's keys: after the identity files, as OpenSSH orders them.
  const auto try_agent = [&]() -> core::Result<bool> {
    if (target.identity_agent.empty()) {
      return false;
    }
    ssh_options_set(session, SSH_OPTIONS_IDENTITY_AGENT, target.identity_agent.c_str());
    const int rc = ssh_userauth_agent(session, nullptr);
    spdlog::debug("agent authentication ({}): {}", target.identity_agent, rc);
    if (rc == SSH_AUTH_SUCCESS) {
      return true;
    }
    if (rc == SSH_AUTH_ERROR && ssh_is_connected(session) == 0) {
      return fail(ErrorKind::connect, fmt::format("connection to {} lost during authentication: {}",
                                                  target.display(), ssh_get_error(session)));
    }
    tried.push_back("ssh-agent");
    return false;
  };
  // With an agent, a passphrase is not asked for before the agent had its turn: it may hold
  // the key already (OpenSSH uses the agent's copy of an IdentityFile key).
  const bool agent_available = !target.identity_agent.empty();
  std::vector<std::string> deferred;
  std::vector<std::string> files = target.identity_files;
  bool asking_now = false;
  for (int round = 0; round < 2; ++round) {
    for (const auto& file : files) {
      bool missing = false;
      const auto problem = identity_file_problem(file, &missing);
      if (missing && !target.identities_explicit) {
        continue;  // default key files that do not exist are not worth a word
      }
      if (!problem.empty()) {
        prompter.key_ignored(problem);
        problems.push_back(problem);
        continue;
      }
      // Offer the public half first when it is there, so a passphrase is only asked for a key
      // the server would accept.
      const std::string pub = file + ".pub";
      ssh_key raw_pub = nullptr;
      if (ssh_pki_import_pubkey_file(pub.c_str(), &raw_pub) == SSH_OK) {
        KeyHandle pubkey(raw_pub);
        const int rc = ssh_userauth_try_publickey(session, nullptr, pubkey.get());
        spdlog::debug("offer {}: {}", pub, rc);
        if (rc != SSH_AUTH_SUCCESS) {
          tried.push_back(file);
          if (rc == SSH_AUTH_ERROR && ssh_is_connected(session) == 0) {
            break;
          }
          continue;
        }
      }
      PassphraseState state;
      state.prompter = &prompter;
      state.file = file;
      state.defer = agent_available && !asking_now;
      ssh_key raw_priv = nullptr;
      int rc = SSH_ERROR;
      for (int attempt = 0; attempt < 3; ++attempt) {
        rc = ssh_pki_import_privkey_file(file.c_str(), nullptr, passphrase_callback, &state,
                                         &raw_priv);
        if (rc == SSH_OK || !state.asked || state.no_terminal || state.attempts == 0) {
          break;
        }
        if (attempt < 2) {
          prompter.wrong_passphrase();
        }
      }
      if (rc != SSH_OK && state.deferred) {
        deferred.push_back(file);
        continue;
      }
      if (rc != SSH_OK) {
        std::string why;
        if (state.no_terminal) {
          why = fmt::format(
              "identity file {} is protected by a passphrase and there is no terminal to ask for "
              "it (load it into ssh-agent with: ssh-add {})",
              file, file);
        } else if (state.asked) {
          why = fmt::format("identity file {}: wrong passphrase", file);
        } else {
          why = fmt::format("identity file {}: not a private key libssh can read", file);
        }
        problems.push_back(why);
        tried.push_back(file);
        continue;
      }
      KeyHandle key(raw_priv);
      const int auth = ssh_userauth_publickey(session, nullptr, key.get());
      spdlog::debug("publickey {}: {}", file, auth);
      if (auth == SSH_AUTH_SUCCESS) {
        return core::ok();
      }
      tried.push_back(file);
      if (auth == SSH_AUTH_ERROR && ssh_is_connected(session) == 0) {
        break;
      }
    }

    if (round == 1 || ssh_is_connected(session) == 0) {
      break;
    }
    // Then the agent: every key it holds, unless IdentitiesOnly limits ec2dl to the files
    // (an agent is still asked for those files whose private half needs a passphrase).
    if (!target.identities_only || !deferred.empty()) {
      EC2DL_TRY_ASSIGN(const bool agent, try_agent());
      if (agent) {
        return core::ok();
      }
    }
    if (deferred.empty()) {
      break;
    }
    files = deferred;  // the agent did not have them: now ask for their passphrases
    deferred.clear();
    asking_now = true;
  }

  if (ssh_is_connected(session) == 0) {
    return fail(ErrorKind::connect, fmt::format("connection to {} closed during authentication: {}",
                                                target.display(), ssh_get_error(session)));
  }
  std::string message = fmt::format(
      "authentication failed for {}: permission denied (server "
      "accepts: {})",
      target.display(), auth_methods(session));
  if (!problems.empty()) {
    message += "; " + util::join(problems, "; ");
  } else if (tried.empty()) {
    message += "; no ssh-agent and no identity file to offer";
  } else {
    message += "; tried " + util::join(tried, ", ");
  }
  return fail(ErrorKind::auth, message,
              "give the right key with -i KEY (chmod 600), load it with ssh-add, or check the "
              "user name (-l USER)");
}

}  // namespace ec2dl::ssh
