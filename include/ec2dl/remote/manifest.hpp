#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace ec2dl::remote {

enum class FileType { file, dir, symlink, other };

// What a transfer needs to know about one file, on either side.
struct FileInfo {
  FileType type = FileType::file;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // whole seconds since the epoch (rounded down)
  std::uint32_t mode = 0;  // permission bits, 07777
  std::string link;        // a symlink's target, byte for byte
};

// One file under a listed root; `rel` is "" for the root itself, else "a/b" below it.
struct ManifestEntry {
  std::string rel;
  FileInfo info;
};

// One listed path (a request, or one match of a glob request).
struct ManifestRoot {
  std::size_t request = 0;  // the index given in the request
  std::string path;         // absolute path on the server
  bool complete = true;     // false when some folders below could not be read
  std::vector<ManifestEntry> entries;
  // .ec2dlignore files under the root: their path relative to the root, and their text.
  std::vector<std::pair<std::string, std::string>> ignore_files;
};

// The answer of xfer_manifest.sh.
struct Manifest {
  bool job_used = false;
  std::string home;     // the server's home folder
  std::string workdir;  // the job's working directory when job_used
  std::vector<ManifestRoot> roots;
  std::vector<std::pair<std::size_t, std::string>> unmatched;  // request index, request
};

enum class RequestKind : char {
  stat = 's',             // the path itself
  tree = 'r',             // the path and everything under it
  glob = 'g',             // expanded on the server, then as tree
  glob_unless_job = 'j',  // as glob, only when the job candidate is not used
  glob_if_job = 'o',      // as glob, only when the job candidate is used
};

// What a transfer asks xfer_manifest.sh: its named inputs, and its stdin.
struct ManifestQuery {
  bool follow_symlinks = false;
  bool ignore_files = false;  // read .ec2dlignore files
  std::string registry;       // the job registry base
  std::string job;            // "" for none
  bool job_auto = false;      // `job` is only a candidate: the server decides (see pull)
  bool file_wins = false;     // with job_auto: a home file of that name wins over the job
  std::string requests;       // lines made with manifest_request
};

// Writes a byte string on one line that `printf %b` turns back into the same bytes:
// backslashes, control characters (newline included) and non-ASCII bytes become \0ooo.
std::string escape_line(std::string_view bytes);
// The inverse of escape_line (also accepts text without escapes).
std::string unescape_line(std::string_view line);

// One request line for xfer_manifest.sh's stdin (with its trailing newline).
std::string manifest_request(RequestKind kind, std::size_t index, std::string_view path);

// Parses xfer_manifest.sh's stdout. Fails (kind remote) on anything malformed.
core::Result<Manifest> parse_manifest(std::string_view output);

// Parses `sha256sum` output into (name, hash) pairs, undoing its escapes of names that hold
// a backslash or a newline. Lines that are not hash lines are skipped.
std::vector<std::pair<std::string, std::string>> parse_sha256sum(std::string_view output);

// The file type for one of find's %y / %Y letters.
FileType file_type_from_find(char letter);

}  // namespace ec2dl::remote
