#include "ec2dl/cli/commands/run.hpp"

#include <CLI/CLI.hpp>

namespace ec2dl::cli::run_cmd {

void setup(CLI::App& app, Options& options) {
  add_launch_options(app, options, true);
  app.footer(
      "Forms: ec2dl run [OPTIONS] SCRIPT [ARG...]    ec2dl run [OPTIONS] -- CMD [ARG...]\n"
      "Options go before SCRIPT; every word after it is the script's own.\n\n"
      "Examples:\n"
      "  ec2dl run train.py --epochs 10        push train.py, run it detached with python3\n"
      "  ec2dl run --gpu auto -f train.py      pick a free GPU, then follow the log\n"
      "  ec2dl run --gpu 0,1 --name big train.py\n"
      "  ec2dl run --no-push --workdir '~/proj' scripts/eval.sh\n"
      "  ec2dl run -- nvidia-smi dmon -c 60\n"
      "  id=$(ec2dl run -q train.py) && ec2dl wait \"$id\" && ec2dl pull ...\n"
      "Prints the job id (only the id with -q). The job survives logout, SIGHUP and a lost\n"
      "connection; its exit status is kept on the server (ec2dl ps, ec2dl wait).\n"
      "Exit status: 0 once started; with -f or --wait, the job's own status (128+N when it\n"
      "was killed by signal N, 1 when lost).");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  return launch(options, ctx, "run");
}

}  // namespace ec2dl::cli::run_cmd
