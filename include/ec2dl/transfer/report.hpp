#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "ec2dl/transfer/sync.hpp"

namespace ec2dl::transfer {

// The one line printed at the end: "pushed 3 files (1.2 MiB) to ~/proj in 0.4 s (3.0 MiB/s);
// 4,997 unchanged; 2 deleted" (or "dry run: would send ..."; "nothing to do ...").
std::string summary_line(const Summary& summary);

// The summary as JSON (paths in display form, so always valid UTF-8):
// {"direction", "destination", "dry_run", "files_sent", "bytes_sent", "bytes_resumed",
//  "files_unchanged", "bytes_unchanged", "links", "dirs_created", "attrs_updated",
//  "deleted": [...], "plan": [...], "warnings": [...], "failures": [...], "verified",
//  "seconds", "bytes_per_second"}
nlohmann::json summary_json(const Summary& summary);

}  // namespace ec2dl::transfer
