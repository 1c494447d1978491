#include "ec2dl/cli/commands/wait.hpp"

#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/job_view.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/registry.hpp"

namespace ec2dl::cli::wait_cmd {

void setup(CLI::App& app, Options& options) {
  app.add_option("jobs", options.jobs, "Jobs (ids or names; default: the newest job)")
      ->type_name("JOB...");
  app.add_option("--timeout", options.timeout_s, "Give up after SECS (exit status 124)")
      ->type_name("SECS")
      ->check(CLI::Range(0.0, 1e9));
  app.footer(
      "Examples:\n"
      "  ec2dl wait 3                 block until job 3 ends; exit with its status\n"
      "  ec2dl wait 3 4 5 --timeout 3600\n"
      "  id=$(ec2dl run -q train.py) && ec2dl wait \"$id\" && ec2dl pull ...\n"
      "Exit status: the jobs' own (the first non-zero in the order given; 128+N when killed\n"
      "by signal N), 1 for a lost job or an unknown JOB, 124 on --timeout, 130 on Ctrl-C (the\n"
      "jobs go on).");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  EC2DL_TRY_ASSIGN(auto link, connect_resumable(ctx));
  EC2DL_TRY_ASSIGN(auto* session, link.session());
  const std::string base = ctx.remote_dir();
  EC2DL_TRY_ASSIGN(const auto ids, jobs::find_ids(*session, base, options.jobs));
  return wait_jobs(link, ctx, base, ids, options.timeout_s);
}

}  // namespace ec2dl::cli::wait_cmd
