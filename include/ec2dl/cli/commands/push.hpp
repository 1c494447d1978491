#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}
namespace ec2dl::transfer {
struct Summary;
struct SyncOptions;
}  // namespace ec2dl::transfer

namespace ec2dl::cli::push_cmd {

// Flags shared by push and pull.
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

struct Options {
  TransferFlags flags;
  std::vector<std::string> operands;  // LOCAL... [REMOTE]
};

void setup(CLI::App& app, Options& options);
int run(const Options& options, core::Context& ctx);

// Declares the shared flags on a push or pull subcommand.
void add_transfer_flags(CLI::App& app, TransferFlags& flags, bool is_push);
// Turns the shared flags into sync options; problems are appended to `problems`.
transfer::SyncOptions sync_options(const TransferFlags& flags, const core::Context& ctx,
                                   std::vector<std::string>& problems);
// Prints a transfer's outcome (plan or JSON on stdout, deletions, warnings, failures and the
// summary line on stderr) and returns the exit status: 1 when some files failed.
int report_outcome(const transfer::Summary& summary, const core::Context& ctx);

}  // namespace ec2dl::cli::push_cmd
