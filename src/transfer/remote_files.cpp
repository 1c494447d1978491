#include "ec2dl/transfer/remote_files.hpp"

#include <fmt/format.h>

#include "ec2dl/remote/quote.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/ssh/channel.hpp"
#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/remote_command.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

core::Result<remote::Manifest> fetch_manifest(ssh::Session& session,
                                              const remote::ManifestQuery& query) {
  const remote::ScriptCall call{remote::scripts::xfer_manifest,
                                {},
                                {{"follow", query.follow_symlinks ? "1" : "0"},
                                 {"ignores", query.ignore_files ? "1" : "0"},
                                 {"base", query.registry},
                                 {"job", query.job},
                                 {"auto", !query.job_auto ? "0" : query.file_wins ? "2" : "1"}}};
  EC2DL_TRY_ASSIGN(const auto captured,
                   ssh::capture(session, call.command(), query.requests, 512u << 20));
  const int status = captured.status.shell_status();
  const auto message = std::string(util::trim(captured.err));
  if (status == 3) {
    return fail(ErrorKind::not_found, message.empty() ? "no such job" : message,
                "ec2dl ps lists the jobs on the server");
  }
  if (status == 4) {
    return fail(
        ErrorKind::usage, message,
        fmt::format("use --job {} for the job, or ./{} for the file", query.job, query.job));
  }
  if (status != 0) {
    return fail(remote_failure("list files on the server", captured.status, captured.err));
  }
  return remote::parse_manifest(captured.out);
}

namespace {

std::string as_hash_key(const std::string& path) {
  if (path.starts_with("~/")) {
    return "./" + path.substr(2);
  }
  return path;
}

std::string nul_joined(const std::vector<std::string>& paths) {
  std::string input;
  for (const auto& p : paths) {
    input += p;
    input += '\0';
  }
  return input;
}

}  // namespace

core::Result<std::map<std::string, std::string>> remote_hashes(
    ssh::Session& session, const std::vector<std::string>& paths) {
  std::map<std::string, std::string> result;
  if (paths.empty()) {
    return result;
  }
  const remote::ScriptCall call{remote::scripts::xfer_hash, {}, {}};
  EC2DL_TRY_ASSIGN(const auto captured,
                   ssh::capture(session, call.command(), nul_joined(paths), 512u << 20));
  std::map<std::string, std::string> by_name;
  for (auto& [name, hash] : remote::parse_sha256sum(captured.out)) {
    by_name[name] = hash;
  }
  for (const auto& p : paths) {
    const auto it = by_name.find(as_hash_key(p));
    if (it != by_name.end()) {
      result[p] = it->second;
    }
  }
  return result;
}

core::Result<void> remote_reset_mtimes(ssh::Session& session,
                                       const std::vector<std::string>& paths) {
  if (paths.empty()) {
    return core::ok();
  }
  EC2DL_TRY(
      ssh::capture(session,
                   remote::sh_command("cd && sed -z 's|^~/|./|' | xargs -0 -r touch -m -d @0 --",
                                      {}, "ec2dl-touch"),
                   nul_joined(paths)));
  return core::ok();
}

std::string part_name(std::string_view destination, std::uint64_t size, std::int64_t mtime) {
  return fmt::format(".ec2dl-part.{}.{}-{}", sha256_hex(destination).substr(0, 16), size, mtime);
}

}  // namespace ec2dl::transfer
