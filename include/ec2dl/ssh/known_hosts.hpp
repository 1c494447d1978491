#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/target.hpp"
#include "ec2dl/ssh/handles.hpp"

namespace ec2dl::ssh {

// What the known_hosts files say about a server's key.
struct HostKeyLookup {
  enum class Status { known, unknown, changed } status = Status::unknown;
  std::string file;             // where the conflicting (changed) entry is
  int line = 0;                 // its line number, 1-based
  std::string old_type;         // its key type
  std::string old_fingerprint;  // its SHA256 fingerprint
};

// "SHA256:..." fingerprint and "ssh-ed25519"-style type of a public key.
std::string key_fingerprint(ssh_key key);
std::string key_type(ssh_key key);

// Calls `visit(file, line, entry)` for each entry that names `name` ("host" or
// "[host]:port") in the files, in order, until it returns false. Files that do not exist,
// comments and @-marked lines are skipped.
void for_each_host_entry(
    const std::vector<std::string>& files, const std::string& name,
    const std::function<bool(const std::string&, int, const ssh_knownhosts_entry&)>& visit);

// Looks `key` up for `name` ("host" or "[host]:port") in the files, in order. A file that
// does not exist is skipped. A recorded key of the same type that differs is `changed`.
HostKeyLookup lookup_host_key(const std::vector<std::string>& files, const std::string& name,
                              ssh_key key);

// Appends a known_hosts line for `name` and `key` to `file` atomically (temp file + rename,
// keeping the file's mode, 0600 for a new file, its folder made 0700 if missing).
core::Result<void> record_host_key(const std::string& file, const std::string& name, ssh_key key);

// Checks the connected session's host key under target.host_key_policy: known keys pass;
// unknown ones are refused (strict), recorded (accept-new) or asked about (ask); a changed key
// is refused under every policy. Errors are kind host_key.
core::Result<void> verify_host_key(ssh_session session, const core::Target& target);

}  // namespace ec2dl::ssh
