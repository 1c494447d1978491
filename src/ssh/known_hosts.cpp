#include "ec2dl/ssh/known_hosts.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>

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

namespace {

enum class Marker { none, revoked, cert_authority };

// One known_hosts line whose host field matches the name looked up.
struct MatchedLine {
  const std::string& file;
  int line;
  Marker marker;
  const ssh_knownhosts_entry* entry;  // null: a key ec2dl cannot read (an unknown type)
  std::string type;                   // the key type as written
};

// Calls `visit` for each line of the files that names `name`, @revoked and @cert-authority
// lines included, until it returns false. Lines with another @marker, comments and lines
// with fewer than three fields are skipped, as OpenSSH skips them.
void for_each_matching_line(const std::vector<std::string>& files, const std::string& name,
                            const std::function<bool(const MatchedLine&)>& visit) {
  for (const auto& file : files) {
    const auto text = util::read_file(file, 64u << 20);
    if (!text) {
      continue;
    }
    int line_no = 0;
    for (const auto& raw : util::split(*text, '\n')) {
      ++line_no;
      std::string line(util::trim(raw));
      std::replace(line.begin(), line.end(), '\t', ' ');  // libssh splits on spaces only
      if (line.empty() || line[0] == '#') {
        continue;
      }
      Marker marker = Marker::none;
      if (line[0] == '@') {
        const auto space = line.find(' ');
        const auto word = line.substr(0, space);
        if (word == "@revoked") {
          marker = Marker::revoked;
        } else if (word == "@cert-authority") {
          marker = Marker::cert_authority;
        } else {
          continue;
        }
        line = space == std::string::npos ? "" : std::string(util::trim(line.substr(space)));
      }
      std::vector<std::string> fields;
      for (auto& f : util::split(line, ' ')) {
        if (!f.empty()) {
          fields.push_back(std::move(f));
        }
      }
      if (fields.size() < 3) {
        continue;
      }
      ssh_knownhosts_entry* raw_entry = nullptr;
      const int rc = ssh_known_hosts_parse_line(name.c_str(), line.c_str(), &raw_entry);
      KnownHostsEntryHandle entry(raw_entry);
      if (rc == SSH_AGAIN) {
        continue;  // another host
      }
      const bool readable = rc == SSH_OK && entry && entry->publickey != nullptr;
      if (!visit(MatchedLine{file, line_no, marker, readable ? entry.get() : nullptr, fields[1]})) {
        return;
      }
    }
  }
}

// The host key algorithms that can present a key of `type` (as named in known_hosts).
std::vector<std::string> algorithms_for_type(const std::string& type) {
  if (type == "ssh-rsa") {
    return {"rsa-sha2-512", "rsa-sha2-256"};  // SHA-1 "ssh-rsa" signatures are not offered
  }
  if (type.find("-cert-v01@") != std::string::npos) {
    return {};  // certificates are not supported
  }
  return {type};
}

// libssh 0.10's default host key algorithms, in its order.
constexpr const char* k_default_host_key_algorithms[] = {"ssh-ed25519",
                                                         "ecdsa-sha2-nistp521",
                                                         "ecdsa-sha2-nistp384",
                                                         "ecdsa-sha2-nistp256",
                                                         "sk-ssh-ed25519@openssh.com",
                                                         "sk-ecdsa-sha2-nistp256@openssh.com",
                                                         "rsa-sha2-512",
                                                         "rsa-sha2-256"};

std::string base64(const unsigned char* data, std::size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

}  // namespace

void for_each_host_entry(
    const std::vector<std::string>& files, const std::string& name,
    const std::function<bool(const std::string&, int, const ssh_knownhosts_entry&)>& visit) {
  for_each_matching_line(files, name, [&](const MatchedLine& m) {
    return m.marker != Marker::none || m.entry == nullptr || visit(m.file, m.line, *m.entry);
  });
}

HostKeyLookup lookup_host_key(const std::vector<std::string>& files, const std::string& name,
                              ssh_key key) {
  std::optional<HostKeyLookup> revoked;
  std::optional<HostKeyLookup> known;
  std::optional<HostKeyLookup> changed_same_type;
  std::optional<HostKeyLookup> changed;
  std::optional<HostKeyLookup> cert_authority;
  const auto at = [](HostKeyLookup::Status status, const MatchedLine& m) {
    HostKeyLookup r;
    r.status = status;
    r.file = m.file;
    r.line = m.line;
    r.old_type = m.entry != nullptr ? key_type(m.entry->publickey) : m.type;
    r.old_fingerprint = m.entry != nullptr ? key_fingerprint(m.entry->publickey) : "";
    return r;
  };
  for_each_matching_line(files, name, [&](const MatchedLine& m) {
    const bool same_key =
        m.entry != nullptr && ssh_key_cmp(key, m.entry->publickey, SSH_KEY_CMP_PUBLIC) == 0;
    switch (m.marker) {
      case Marker::revoked:
        if (same_key) {
          revoked = at(HostKeyLookup::Status::revoked, m);
          return false;  // nothing else matters
        }
        break;
      case Marker::cert_authority:
        if (!cert_authority) {
          cert_authority = at(HostKeyLookup::Status::cert_authority_only, m);
        }
        break;
      case Marker::none:
        if (same_key) {
          if (!known) {
            known = at(HostKeyLookup::Status::known, m);
          }
        } else if (m.entry != nullptr && ssh_key_type(m.entry->publickey) == ssh_key_type(key)) {
          if (!changed_same_type) {
            changed_same_type = at(HostKeyLookup::Status::changed, m);
          }
        } else if (!changed) {
          changed = at(HostKeyLookup::Status::changed, m);
        }
        break;
    }
    return true;  // a later @revoked line can still name this key
  });
  for (auto* r : {&revoked, &known, &changed_same_type, &changed, &cert_authority}) {
    if (*r) {
      return **r;
    }
  }
  return {};
}

std::string host_key_algorithms(const std::vector<std::string>& files, const std::string& name) {
  std::vector<std::string> recorded;
  for_each_matching_line(files, name, [&](const MatchedLine& m) {
    if (m.marker == Marker::none && m.entry != nullptr) {
      for (auto& algorithm : algorithms_for_type(key_type(m.entry->publickey))) {
        if (std::find(recorded.begin(), recorded.end(), algorithm) == recorded.end()) {
          recorded.push_back(std::move(algorithm));
        }
      }
    }
    return true;
  });
  if (recorded.empty()) {
    return {};
  }
  auto all = recorded;
  for (const char* algorithm : k_default_host_key_algorithms) {
    if (std::find(all.begin(), all.end(), algorithm) == all.end()) {
      all.emplace_back(algorithm);
    }
  }
  return util::join(all, ",");
}

std::string hash_host_name(const std::string& name, const std::string& salt_in) {
  std::string salt = salt_in;
  if (salt.empty()) {
    salt.resize(20);  // SHA-1's size, as OpenSSH uses
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
        1) {
      return {};
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()),
           reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest,
           &digest_len) == nullptr) {
    return {};
  }
  return "|1|" + base64(reinterpret_cast<const unsigned char*>(salt.data()), salt.size()) + "|" +
         base64(digest, digest_len);
}

core::Result<void> record_host_key(const std::string& file, const std::string& name, ssh_key key,
                                   bool hashed) {
  char* b64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || b64 == nullptr) {
    return fail(ErrorKind::internal, "cannot encode the host key");
  }
  SshString owned(b64);
  const std::string recorded_name = hashed ? hash_host_name(name) : name;
  if (recorded_name.empty()) {
    return fail(ErrorKind::internal, "cannot hash the host name for known_hosts");
  }
  const std::string entry = fmt::format("{} {} {}\n", recorded_name, key_type(key), owned.get());

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

core::Result<void> verify_host_key(ssh_session session, const core::Target& target,
                                   Prompter& prompter) {
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
                : found.status == HostKeyLookup::Status::revoked ? "REVOKED"
                : found.status == HostKeyLookup::Status::cert_authority_only
                    ? "only a @cert-authority line"
                    : "unknown");

  const std::string record_file = target.known_hosts_files.empty()
                                      ? target.ssh_dir + "/known_hosts"
                                      : target.known_hosts_files.front();
  switch (found.status) {
    case HostKeyLookup::Status::known:
      return core::ok();
    case HostKeyLookup::Status::revoked:
      return fail(ErrorKind::host_key,
                  fmt::format("host key for {} is REVOKED ({}:{}): the server offers {} key {}, "
                              "which is marked @revoked; someone may be impersonating the "
                              "server; refused",
                              name, found.file, found.line, short_type(type), fingerprint),
                  "ask the server's owner for its new host key; a revoked key is never accepted "
                  "nor recorded");
    case HostKeyLookup::Status::changed: {
      const auto recorded =
          found.old_fingerprint.empty()
              ? fmt::format("a {} key (which ec2dl cannot read)", found.old_type)
              : fmt::format("{} key {}", short_type(found.old_type), found.old_fingerprint);
      return fail(
          ErrorKind::host_key,
          fmt::format("HOST KEY CHANGED for {}: the server offers {} key {}, but {}:{} records "
                      "{}; a known host must present a recorded key, of any type; someone may "
                      "be intercepting the connection; refused",
                      name, short_type(type), fingerprint, found.file, found.line, recorded),
          fmt::format("if the server was really rebuilt, remove the old key with: ssh-keygen "
                      "-f '{}' -R '{}' (line {}), then connect again",
                      found.file, name, found.line));
    }
    case HostKeyLookup::Status::cert_authority_only: {
      char* b64 = nullptr;
      std::string line;
      if (ssh_pki_export_pubkey_base64(key.get(), &b64) == SSH_OK && b64 != nullptr) {
        SshString owned(b64);
        line = fmt::format("{} {} {}", name, type, owned.get());
      }
      return fail(ErrorKind::host_key,
                  fmt::format("host key verification failed: {} is covered only by a "
                              "@cert-authority line ({}:{}), and host certificates are not "
                              "supported by ec2dl; its plain {} key {} is not trusted; refused",
                              name, found.file, found.line, short_type(type), fingerprint),
                  fmt::format("check {} with the server's owner, then add the plain key to {} "
                              "with: echo '{}' >> '{}'",
                              fingerprint, record_file, line, record_file));
    }
    case HostKeyLookup::Status::unknown:
      break;
  }

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
      if (!prompter.accept_host_key(name, short_type(type), fingerprint)) {
        return fail(ErrorKind::host_key,
                    fmt::format("host key verification failed: {} ({} key {}) not accepted", name,
                                short_type(type), fingerprint));
      }
      break;
    }
    case core::HostKeyPolicy::accept_new:
      break;
  }
  EC2DL_TRY(record_host_key(record_file, name, key.get(), target.hash_known_hosts));
  prompter.host_key_recorded(name, short_type(type), record_file);
  return core::ok();
}

}  // namespace ec2dl::ssh
