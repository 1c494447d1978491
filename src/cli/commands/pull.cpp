#include "ec2dl/cli/commands/pull.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/transfer_flags.hpp"
#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/transfer/pull.hpp"
#include "ec2dl/transfer/pull_plan.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::pull_cmd {

void setup(CLI::App& app, Options& options) {
  app.add_option("paths", options.operands,
                 "REMOTE... [LOCAL], or JOB PATTERN...: what to fetch (globs are expanded on "
                 "the server), then where (default: the current folder)")
      ->type_name("REMOTE... [LOCAL]");
  app.add_option("--job", options.job,
                 "Take every path relative to this job's working directory (id or name)")
      ->type_name("JOB");
  add_transfer_flags(app, options.flags, false);
  app.footer(
      "Examples:\n"
      "  ec2dl pull '~/*.png' .                # quote globs: the server expands them\n"
      "  ec2dl pull '~/results' ./out          # ./out/results/...\n"
      "  ec2dl pull '~/model.pt' ./best.pt     # one file, new name\n"
      "  ec2dl pull 7 'checkpoints/*.pt'       # from job 7's working directory into .\n"
      "  ec2dl pull 7 'checkpoints/*.pt' out/  # ... into ./out\n"
      "  ec2dl pull --job train -t runs/ logs metrics.csv\n"
      "Relative REMOTE paths start in the server's home folder. When the first of two or more\n"
      "paths names a job (id or --name) and no such file exists in the home folder, the rest\n"
      "are patterns in that job's working directory and the files land in -t DIR, in a last\n"
      "path written as a folder (out/, ., ..) or that matches nothing there and is a local\n"
      "folder, or in '.'. Otherwise, with two or more paths and no -t, the last is the local\n"
      "destination.\n"
      "Unchanged files are skipped; every file appears under its final name only when\n"
      "complete; an interrupted large file resumes on the next run.");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  std::vector<std::string> problems;
  transfer::PullRequest request;
  request.options = sync_options(options.flags, ctx, problems);
  request.operands = options.operands;
  request.job = options.job;
  request.registry = ctx.remote_dir();
  if (!options.operands.empty()) {
    std::error_code ec;
    request.last_is_local_folder =
        std::filesystem::is_directory(util::expand_tilde(options.operands.back()), ec);
  }
  if (!options.flags.target.empty()) {
    request.target = options.flags.target;
  }
  if (auto checked = transfer::check_pull(request); !checked) {
    problems.push_back(checked.error().message());
  }
  if (!problems.empty()) {
    return core::fail(core::ErrorKind::usage, util::join(problems, "; "));
  }
  EC2DL_TRY_ASSIGN(auto session, connect(ctx));
  auto summary = transfer::run_pull(session, request);
  if (!summary) {
    return core::fail(transfer_failure(summary.error(), request.operands));
  }
  return report_outcome(*summary, ctx);
}

}  // namespace ec2dl::cli::pull_cmd
