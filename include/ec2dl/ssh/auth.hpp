#pragma once

#include <string>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/target.hpp"
#include "ec2dl/ssh/handles.hpp"
#include "ec2dl/ssh/prompt.hpp"

namespace ec2dl::ssh {

// Why an identity file cannot be used before even offering it, or empty when it can:
// a private key readable or writable by group or others is refused as OpenSSH refuses it.
std::string identity_file_problem(const std::string& path, bool* missing);

// Authenticates the connected session: the ssh-agent first, then each identity file (its .pub
// offered before the private key is loaded; a passphrase asked through `prompter`). Errors
// are kind auth, with what was tried and why each key was not used.
core::Result<void> authenticate(ssh_session session, const core::Target& target,
                                Prompter& prompter);

}  // namespace ec2dl::ssh
