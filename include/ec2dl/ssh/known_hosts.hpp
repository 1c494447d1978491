#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/core/target.hpp"
#include "ec2dl/ssh/handles.hpp"
#include "ec2dl/ssh/prompt.hpp"

namespace ec2dl::ssh {

// What the known_hosts files say about a server's key. A host with any plain entry, of any
// key type, is known: the key it offers must be one of those entries, or it is `changed`.
// A key marked @revoked is `revoked` whatever else is recorded. A host matched only by a
// @cert-authority line is `cert_authority_only` (host certificates are not supported).
struct HostKeyLookup {
  enum class Status {
    known,
    unknown,
    changed,
    revoked,
    cert_authority_only
  } status = Status::unknown;
  std::string file;             // where the deciding entry is (known, changed, revoked, CA)
  int line = 0;                 // its line number, 1-based
  std::string old_type;         // the recorded key's type (changed)
  std::string old_fingerprint;  // its SHA256 fingerprint (changed), or empty when unreadable
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

// Looks `key` up for `name` ("host" or "[host]:port") in the files, in order (hashed |1|
// names and patterns match as in OpenSSH). A file that does not exist is skipped.
HostKeyLookup lookup_host_key(const std::vector<std::string>& files, const std::string& name,
                              ssh_key key);

// The host key algorithms to offer for `name`, comma-separated: those of the key types recorded
// for it first, in file order (an RSA key means rsa-sha2-512,rsa-sha2-256), then libssh's
// defaults, as OpenSSH orders HostKeyAlgorithms. Empty when nothing is recorded.
std::string host_key_algorithms(const std::vector<std::string>& files, const std::string& name);

// OpenSSH's hashed form of a known_hosts name: "|1|" base64(salt) "|" base64(HMAC-SHA1(salt,
// name)), with a random 20-byte salt unless `salt` is given (tests).
std::string hash_host_name(const std::string& name, const std::string& salt = {});

// Appends a known_hosts line for `name` (hashed when `hashed`) and `key` to `file` atomically
// (temp file + rename, keeping the file's mode, 0600 for a new file, its folder made 0700 if
// missing).
core::Result<void> record_host_key(const std::string& file, const std::string& name, ssh_key key,
                                   bool hashed = false);

// Checks the connected session's host key under target.host_key_policy: known keys pass;
// unknown ones are refused (strict), recorded (accept-new, hashed under HashKnownHosts) or
// asked about (ask, through `prompter`, which also hears of a key recorded); a changed key (any key
// but the recorded ones, of whatever type), a revoked key and a host known only through
// @cert-authority are refused under every policy. Errors are kind host_key.
core::Result<void> verify_host_key(ssh_session session, const core::Target& target,
                                   Prompter& prompter);

}  // namespace ec2dl::ssh
