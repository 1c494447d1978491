#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/sync.hpp"

// push: local files and folders to the server (the entry point; `ec2dl push` calls it).
namespace ec2dl::transfer {

struct PushRequest {
  std::vector<std::string> sources;  // local files and folders
  std::string dest = "~";            // on the server
  SyncOptions options;
};

// The local side of a push, scanned before connecting.
struct PreparedPush {
  PushRequest request;
  std::vector<SourceRoot> roots;
  std::vector<std::string> warnings;
};

// Checks and scans the local sources. Fails (kind not_found, exit 1) naming every source
// that is missing or unreadable.
core::Result<PreparedPush> prepare_push(PushRequest request);

// Sends what changed. Errors: connection (255), disk full or other server failures (1),
// interrupted (130). Files that could not be read locally are listed in Summary::failures.
core::Result<Summary> run_push(ssh::Session& session, const PreparedPush& prepared);

}  // namespace ec2dl::transfer
