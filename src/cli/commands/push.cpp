#include "ec2dl/cli/commands/push.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/transfer/sync.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::push_cmd {

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

int report_outcome(const transfer::Summary& summary, const core::Context& ctx) {
  const bool quiet = ctx.options().quiet;
  if (ctx.options().json) {
    fmt::print("{}\n", summary_json(summary).dump());
  } else if (summary.dry_run) {
    for (const auto& line : plan_lines(summary.plan)) {
      fmt::print("{}\n", line);
    }
  }
  if (!quiet) {
    for (const auto& w : summary.warnings) {
      warn(w);
    }
    if (!summary.dry_run && !ctx.options().json) {
      for (const auto& d : summary.deleted) {
        fmt::print(stderr, "deleted {}\n", d);
      }
    }
  }
  for (const auto& f : summary.failures) {
    fmt::print(stderr, "ec2dl: error: {}\n", util::sanitize_for_terminal(f));
  }
  if (!quiet) {
    fmt::print(stderr, "{}\n", util::sanitize_for_terminal(summary_line(summary)));
  }
  return summary.failures.empty() ? core::k_exit_ok : core::k_exit_failed;
}

namespace {

int report_transfer_error(const core::Error& error) {
  if (error.kind() == core::ErrorKind::interrupted) {
    return report(core::Error(core::ErrorKind::interrupted, "interrupted",
                              "files already in place are complete and nothing is half-written; "
                              "run the same command again to finish (large files resume)"));
  }
  return report(error);
}

}  // namespace

void setup(CLI::App& app, Options& options) {
  app.add_option("paths", options.operands,
                 "LOCAL... [REMOTE]: files and folders, then where on the server (default: "
                 "the saved host's workdir, else the home folder)")
      ->type_name("LOCAL... [REMOTE]");
  add_transfer_flags(app, options.flags, true);
  app.footer(
      "Examples:\n"
      "  ec2dl push script.py                   # ~/script.py on the server\n"
      "  ec2dl push data '~/proj'               # ~/proj/data/...\n"
      "  ec2dl push src/ '~/proj/src' --delete  # mirror src's contents\n"
      "  ec2dl push -t '~/proj' *.py config.yaml\n"
      "  ec2dl push --dry-run --exclude '*.ckpt' . '~/proj'\n"
      "A folder with a trailing '/' sends its contents; without, the folder itself. With two or\n"
      "more paths and no -t, the last is the destination. Unchanged files (same size and mtime)\n"
      "are skipped; every file appears under its final name only when complete; an interrupted\n"
      "large file resumes on the next run. .ec2dlignore files (gitignore syntax) are honoured.\n"
      "Quote remote paths that start with ~ ('~/proj'): your shell would expand them here.");
}

int run(const Options& options, core::Context& ctx) {
  std::vector<std::string> problems;
  transfer::PushRequest request;
  request.options = sync_options(options.flags, ctx, problems);
  request.sources = options.operands;
  if (!options.flags.target.empty()) {
    request.dest = options.flags.target;
  } else if (request.sources.size() >= 2) {
    request.dest = request.sources.back();
    request.sources.pop_back();
  } else if (auto profile = ctx.profile();
             profile && *profile != nullptr && !(*profile)->workdir.empty()) {
    // A saved host's working folder; always a folder, even before it exists.
    request.dest = (*profile)->workdir;
    if (!request.dest.ends_with('/')) {
      request.dest += '/';
    }
  }
  if (options.operands.empty()) {
    problems.push_back("push: nothing to send: give LOCAL files or folders");
  }
  for (const auto& s : request.sources) {
    if (s.empty()) {
      problems.push_back("push: an empty path");
    }
  }
  if (request.dest.empty()) {
    problems.push_back("push: an empty destination");
  }
  if (!problems.empty()) {
    return report(core::Error(core::ErrorKind::usage, util::join(problems, "; ")));
  }
  auto prepared = transfer::prepare_push(std::move(request));
  if (!prepared) {
    return report(prepared.error());
  }
  auto session = connect(ctx);
  if (!session) {
    return report(session.error());
  }
  auto summary = transfer::run_push(*session, *prepared);
  if (!summary) {
    return report_transfer_error(with_quoting_hint(summary.error(), {prepared->request.dest}));
  }
  return report_outcome(*summary, ctx);
}

}  // namespace ec2dl::cli::push_cmd
