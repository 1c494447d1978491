#include "ec2dl/cli/commands/push.hpp"

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/transfer_flags.hpp"
#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/transfer/push.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::push_cmd {

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

core::Result<int> run(const Options& options, core::Context& ctx) {
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
    return core::fail(core::ErrorKind::usage, util::join(problems, "; "));
  }
  EC2DL_TRY_ASSIGN(const auto prepared, transfer::prepare_push(std::move(request)));
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  auto summary = transfer::run_push(session, prepared);
  if (!summary) {
    return core::fail(transfer_failure(summary.error(), {prepared.request.dest}));
  }
  return report_outcome(*summary, ctx);
}

}  // namespace ec2dl::cli::push_cmd
