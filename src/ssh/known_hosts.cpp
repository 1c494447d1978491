#include "ec2dl/ssh/known_hosts.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>

#include "ec2dl/ssh/prompt.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::ssh {

using core::ErrorKind;
using core::fail;

std::string key_fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != SSH_OK) {
    return "SHA256:?";
  }
  SshString fp(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len));
  ssh_clean_pubkey_hash(&hash);
  return fp ? std::string(fp.get()) : "SHA256:?";
}

std::string key_type(ssh_key key) {
  const char* name = ssh_key_type_to_char(ssh_key_type(key));
  return name != nullptr ? name : "unknown";
}

namespace {

// "ED25519" from "ssh-ed25519", as OpenSSH prints key types in messages.
std::string short_type(const std::string& type) {
  std::string t = type;
  if (t.starts_with("ssh-")) {
    t = t.substr(4);
  } else if (t.starts_with("ecdsa-sha2-")) {
    t = "ECDSA";
  }
  for (auto& c : t) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return t;
}

}  // namespace

void for_each_host_entry(
    const std::vector<std::string>& files, const std::string& name,
    const std::function<bool(const std::string&, int, const ssh_knownhosts_entry&)>& visit) {
  for (const auto& file : files) {
    const auto text = util::read_file(file, 64u << 20);
    if (!text) {
      continue;
    }
    int line_no = 0;
    for (const auto& raw : util::split(*text, '\n')) {
      ++line_no;
      const auto line = std::string(util::trim(raw));
      if (line.empty() || line[0] == '#' || line[0] == '@') {
        continue;  // comments; @cert-authority and @revoked are not supported
      }
      ssh_knownhosts_entry* raw_entry = nullptr;
      const int rc = ssh_known_hosts_parse_line(name.c_str(), line.c_str(), &raw_entry);
      KnownHostsEntryHandle entry(raw_entry);
      if (rc != SSH_OK || !entry || entry->publickey == nullptr) {
        continue;
      }
      if (!visit(file, line_no, *entry)) {
        return;
      }
    }
  }
}

HostKeyLookup lookup_host_key(const std::vector<std::string>& files, const std::string& name,
                              ssh_key key) {
  HostKeyLookup result;
  bool changed_found = false;
  for_each_host_entry(files, name,
                      [&](const std::string& file, int line_no, const ssh_knownhosts_entry& entry) {
                        if (ssh_key_cmp(key, entry.publickey, SSH_KEY_CMP_PUBLIC) == 0) {
                          result.status = HostKeyLookup::Status::known;
                          result.file = file;
                          result.line = line_no;
                          return false;
                        }
                        if (!changed_found && ssh_key_type(entry.publickey) == ssh_key_type(key)) {
                          changed_found = true;
                          result.file = file;
                          result.line = line_no;
                          result.old_type = key_type(entry.publickey);
                          result.old_fingerprint = key_fingerprint(entry.publickey);
                        }
                        return true;
                      });
  if (result.status != HostKeyLookup::Status::known) {
    result.status = changed_found ? HostKeyLookup::Status::changed : HostKeyLookup::Status::unknown;
  }
  return result;
}

core::Result<void> record_host_key(const std::string& file, const std::string& name, ssh_key key) {
  char* b64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || b64 == nullptr) {
    return fail(ErrorKind::internal, "cannot encode the host key");
  }
  SshString owned(b64);
  const std::string entry = fmt::format("{} {} {}\n", name, key_type(key), owned.get());

  const std::filesystem::path path(file);
  if (path.has_parent_path()) {
    std::error_code ec;
    const auto dir = path.parent_path();
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        return fail(ErrorKind::config, fmt::format("create {}: {}", dir.string(), ec.message()));
      }
      ::chmod(dir.c_str(), 0700);
    }
  }
  // A known_hosts "file" that is a device (/dev/null) or a FIFO is appended to in place;
  // only regular files are replaced atomically. A symlink is followed, so the link stays.
  std::string target_file = file;
  struct stat lst {};
  if (::lstat(file.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    std::error_code ec;
    const auto resolved = std::filesystem::canonical(file, ec);
    if (ec) {
      return fail(ErrorKind::config, fmt::format("update {}: {}", file, ec.message()));
    }
    target_file = resolved.string();
  }
  std::string contents;
  mode_t mode = 0600;
  struct stat st {};
  if (::stat(target_file.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      util::UniqueFd fd(::open(target_file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
      if (!fd.valid() || util::write_all(fd.get(), entry) != 0) {
        return fail(ErrorKind::config, fmt::format("update {}: {}", file, std::strerror(errno)));
      }
      return core::ok();
    }
    mode = st.st_mode & 07777;
    errno = 0;
    auto existing = util::read_file(target_file, 64u << 20);
    if (!existing) {
      return fail(ErrorKind::config, fmt::format("read {}: {}", file, std::strerror(errno)));
    }
    contents = std::move(*existing);
    if (!contents.empty() && contents.back() != '\n') {
      contents += '\n';
    }
  }
  contents += entry;
  if (const int err = util::write_file_atomic(target_file, contents, mode); err != 0) {
    return fail(ErrorKind::config, fmt::format("update {}: {}", file, std::strerror(err)));
  }
  return core::ok();
}

core::Result<void> verify_host_key(ssh_session session, const core::Target& target) {
  ssh_key raw_key = nullptr;
  if (ssh_get_server_publickey(session, &raw_key) != SSH_OK) {
    return fail(ErrorKind::host_key,
                fmt::format("{}: the server sent no host key", target.display()));
  }
  KeyHandle key(raw_key);
  const auto name = target.known_hosts_name();
  const auto type = key_type(key.get());
  const auto fingerprint = key_fingerprint(key.get());

  std::vector<std::string> files = target.known_hosts_files;
  files.insert(files.end(), target.global_known_hosts_files.begin(),
               target.global_known_hosts_files.end());
  const auto found = lookup_host_key(files, name, key.get());
  spdlog::debug("host key for {}: {} {} ({})", name, type, fingerprint,
                found.status == HostKeyLookup::Status::known     ? "known"
                : found.status == HostKeyLookup::Status::changed ? "CHANGED"
                                                                 : "unknown");

  switch (found.status) {
    case HostKeyLookup::Status::known:
      return core::ok();
    case HostKeyLookup::Status::changed:
      return fail(
          ErrorKind::host_key,
          fmt::format("HOST KEY CHANGED for {}: the server offers {} key {}, but {}:{} records "
                      "{} key {}; someone may be intercepting the connection; refused",
                      name, short_type(type), fingerprint, found.file, found.line,
                      short_type(found.old_type), found.old_fingerprint),
          fmt::format("if the server was really rebuilt, remove the old key with: ssh-keygen "
                      "-f '{}' -R '{}' (line {}), then connect again",
                      found.file, name, found.line));
    case HostKeyLookup::Status::unknown:
      break;
  }

  const std::string record_file = target.known_hosts_files.empty()
                                      ? target.ssh_dir + "/known_hosts"
                                      : target.known_hosts_files.front();
  switch (target.host_key_policy) {
    case core::HostKeyPolicy::strict:
      return fail(ErrorKind::host_key,
                  fmt::format("host key verification failed: {} is not a known host ({} key "
                              "{}); refused under --host-key-check strict",
                              name, short_type(type), fingerprint),
                  fmt::format("check the fingerprint with the server's owner, then accept it "
                              "once with --host-key-check accept-new (it is saved to {})",
                              record_file));
    case core::HostKeyPolicy::ask: {
      const auto answer = prompt_terminal(
          fmt::format("The authenticity of host '{}' can't be established.\n{} key fingerprint "
                      "is {}.\nAre you sure you want to continue connecting (yes/no)? ",
                      name, short_type(type), fingerprint),
          false);
      if (!answer || util::to_lower(util::trim(*answer)) != "yes") {
        return fail(ErrorKind::host_key,
                    fmt::format("host key verification failed: {} ({} key {}) not accepted", name,
                                short_type(type), fingerprint));
      }
      break;
    }
    case core::HostKeyPolicy::accept_new:
      break;
  }
  EC2DL_TRY(record_host_key(record_file, name, key.get()));
  // OpenSSH prints the same notice when it learns a key.
  fmt::print(stderr, "ec2dl: permanently added '{}' ({}) to the list of known hosts ({})\n", name,
             short_type(type), record_file);
  return core::ok();
}

}  // namespace ec2dl::ssh
