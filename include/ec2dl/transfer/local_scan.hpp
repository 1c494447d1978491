#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "ec2dl/remote/ignore.hpp"
#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/transfer/plan.hpp"

namespace ec2dl::transfer {

struct ScanOptions {
  bool recursive = true;
  bool follow_symlinks = false;  // -L: describe what links point to (loops are skipped)
  // Exclusions: when set, .ec2dlignore files met on the way are read into them (if
  // read_ignore_files) and excluded entries are not descended into nor listed.
  remote::IgnoreRules* rules = nullptr;
  bool read_ignore_files = false;
};

// The local counterpart of xfer_manifest.sh: `path` and (recursive) everything under it,
// root first, each folder's entries sorted by name. A missing path gives found = false.
// Folders that cannot be read are reported in `errors` (and make `complete` false).
struct LocalScan {
  bool found = false;
  bool complete = true;
  std::vector<remote::ManifestEntry> entries;
  std::vector<std::string> errors;
  int error_number = 0;  // errno of the failure to stat the path itself (0 when found)
  // Files with the names transfers reserve for work in progress (.ec2dl-tmp.*,
  // .ec2dl-part.*, .ec2dl-stage.*): never listed as entries.
  std::vector<std::string> leftovers;
};

LocalScan scan_local(const std::string& path, const ScanOptions& options);

// The FileInfo of a local stat result.
remote::FileInfo file_info_from_stat(const struct stat& st);

}  // namespace ec2dl::transfer
