#include "ec2dl/cli/commands/gpu_run.hpp"

#include <CLI/CLI.hpp>

namespace ec2dl::cli::gpu_run_cmd {

void setup(CLI::App& app, Options& options) {
  app.add_option("gpu", options.gpu, "GPUs: 2, 0,1, GPU-<uuid>, auto or auto:N")
      ->type_name("GPU")
      ->required();
  add_launch_options(app, options.run, false);
  app.footer(
      "Form: ec2dl gpu-run [OPTIONS] GPU SCRIPT [ARG...]  (or GPU -- CMD [ARG...])\n\n"
      "Examples:\n"
      "  ec2dl gpu-run 2 train.py --lr 0.1     like CUDA_VISIBLE_DEVICES=2 nohup python ...\n"
      "  ec2dl gpu-run auto -f train.py        the free GPU with the most free memory\n"
      "  ec2dl gpu-run --name a 0,1 train.py\n"
      "The same as: ec2dl run --gpu GPU SCRIPT [ARG...]. Options go before GPU.\n"
      "Exit status: 0 once started; with -f or --wait, the job's own status.");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  auto run_options = options.run;
  run_options.request.gpu = options.gpu;
  return launch(run_options, ctx, "gpu-run");
}

}  // namespace ec2dl::cli::gpu_run_cmd
