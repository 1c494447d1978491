#pragma once

#include <string>
#include <vector>

#include "ec2dl/transfer/sync.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

// The flags push and pull share, and how they become the transfer layer's options.
namespace ec2dl::cli {

struct TransferFlags {
  std::string target;  // -t DIR
  bool dereference = false;
  bool checksum = false;
  bool delete_extra = false;
  bool dry_run = false;
  bool verify = false;
  bool no_ignore_file = false;
  bool no_progress = false;
  std::vector<std::string> excludes;
  std::string bwlimit;
};

// Declares the shared flags on a push or pull subcommand.
void add_transfer_flags(CLI::App& app, TransferFlags& flags, bool is_push);

// Turns the shared flags into sync options; problems are appended to `problems`.
transfer::SyncOptions sync_options(const TransferFlags& flags, const core::Context& ctx,
                                   std::vector<std::string>& problems);

}  // namespace ec2dl::cli
