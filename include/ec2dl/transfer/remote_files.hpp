#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/ssh/session.hpp"

// Questions a transfer asks the server about its files, each in one round trip; and the
// name of a resumable transfer's partial file (on the server for push, locally for pull).
namespace ec2dl::transfer {

// Runs xfer_manifest.sh. Errors: no such job (not_found), a name that is both a job and a
// file (usage), GNU find missing (remote).
core::Result<remote::Manifest> fetch_manifest(ssh::Session& session,
                                              const remote::ManifestQuery& query);

// SHA-256 of files on the server, by the paths given (absolute, relative to the home folder,
// or "~/..."). Files that could not be read are missing from the result.
core::Result<std::map<std::string, std::string>> remote_hashes(
    ssh::Session& session, const std::vector<std::string>& paths);

// Sets the mtime of server files to the epoch, so that the next run sends them again.
core::Result<void> remote_reset_mtimes(ssh::Session& session,
                                       const std::vector<std::string>& paths);

// ".ec2dl-part.KEY.SIZE-MTIME": the partial-file name of a resumable transfer of a file to
// `destination`, with the size and mtime of the source version being sent.
std::string part_name(std::string_view destination, std::uint64_t size, std::int64_t mtime);

}  // namespace ec2dl::transfer
