#include "ec2dl/cli/transfer_flags.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

void add_transfer_flags(CLI::App& app, TransferFlags& flags, bool is_push) {
  app.add_option("-t,--target", flags.target,
                 is_push ? "Put every LOCAL into this folder on the server (created if missing)"
                         : "Put everything into this local folder (created if missing)")
      ->type_name("DIR");
  app.add_flag("-L,--dereference", flags.dereference,
               "Copy what symlinks point to instead of the links");
  app.add_flag("-c,--checksum", flags.checksum,
               "Skip files by content (SHA-256), not by size and modification time");
  app.add_option("--exclude", flags.excludes,
                 "Leave out matching files (gitignore syntax; repeatable)")
      ->type_name("PATTERN")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--no-ignore-file", flags.no_ignore_file, "Do not read .ec2dlignore files");
  app.add_flag("--delete", flags.delete_extra,
               "Remove what the source folders no longer have from the destination (listed)");
  app.add_flag("-n,--dry-run", flags.dry_run, "Print what would change; change nothing");
  app.add_flag("--verify", flags.verify,
               "Afterwards compare a SHA-256 computed on both sides of every file sent");
  app.add_option("--bwlimit", flags.bwlimit, "Limit the rate, e.g. 20M (bytes per second)")
      ->type_name("RATE");
  app.add_flag("--no-progress", flags.no_progress, "No progress line, even on a terminal");
}

transfer::SyncOptions sync_options(const TransferFlags& flags, const core::Context& ctx,
                                   std::vector<std::string>& problems) {
  transfer::SyncOptions o;
  o.follow_symlinks = flags.dereference;
  o.checksum = flags.checksum;
  o.delete_extra = flags.delete_extra;
  o.dry_run = flags.dry_run;
  o.verify = flags.verify;
  o.use_ignore_files = !flags.no_ignore_file;
  o.excludes = flags.excludes;
  for (const auto& e : flags.excludes) {
    if (util::trim(e).empty()) {
      problems.push_back("--exclude needs a pattern");
    }
  }
  if (!flags.bwlimit.empty()) {
    const auto rate = transfer::parse_byte_size(flags.bwlimit);
    if (!rate) {
      problems.push_back(fmt::format("--bwlimit: '{}' is not a rate (e.g. 500K, 20M)",
                                     util::sanitize_for_terminal(flags.bwlimit)));
    } else {
      o.bwlimit = *rate;
    }
  }
  if (flags.verify && flags.dry_run) {
    problems.push_back("--verify and --dry-run do not go together");
  }
  if (ctx.stderr_tty() && !ctx.options().quiet && !ctx.options().json && !flags.no_progress &&
      !flags.dry_run) {
    o.progress = stderr_progress();
  }
  return o;
}

}  // namespace ec2dl::cli
