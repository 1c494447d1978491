// The dispatcher table: every subcommand with its one-line help, in --help order.
#include <CLI/CLI.hpp>

#include "ec2dl/cli/app.hpp"
#include "ec2dl/cli/commands/complete.hpp"
#include "ec2dl/cli/commands/completion.hpp"
#include "ec2dl/cli/commands/config.hpp"
#include "ec2dl/cli/commands/doctor.hpp"
#include "ec2dl/cli/commands/edit.hpp"
#include "ec2dl/cli/commands/exec.hpp"
#include "ec2dl/cli/commands/gpu.hpp"
#include "ec2dl/cli/commands/gpu_run.hpp"
#include "ec2dl/cli/commands/hosts.hpp"
#include "ec2dl/cli/commands/kill.hpp"
#include "ec2dl/cli/commands/login.hpp"
#include "ec2dl/cli/commands/manpage.hpp"
#include "ec2dl/cli/commands/ps.hpp"
#include "ec2dl/cli/commands/pull.hpp"
#include "ec2dl/cli/commands/push.hpp"
#include "ec2dl/cli/commands/run.hpp"
#include "ec2dl/cli/commands/tail.hpp"
#include "ec2dl/cli/commands/top.hpp"
#include "ec2dl/cli/commands/wait.hpp"

namespace ec2dl::cli {

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = {
      make_command("login", "Open an interactive shell on the server (ssh -i KEY USER@HOST)",
                   login_cmd::setup, login_cmd::run),
      make_command("exec", "Run a command on the server; exits with its status", exec_cmd::setup,
                   exec_cmd::run),
      make_command("run", "Start a script or command as a detached job (nohup ... &, made safe)",
                   run_cmd::setup, run_cmd::run),
      make_command("gpu-run",
                   "Start a job on chosen GPUs: gpu-run 2 train.py (CUDA_VISIBLE_DEVICES)",
                   gpu_run_cmd::setup, gpu_run_cmd::run),
      make_command("ps", "List jobs and their status; --all adds other python processes",
                   ps_cmd::setup, ps_cmd::run),
      make_command("tail", "Show or follow a job's log (tail -f), exiting with its status",
                   tail_cmd::setup, tail_cmd::run),
      make_command("kill", "Stop jobs: TERM to their whole process group, KILL after a grace",
                   kill_cmd::setup, kill_cmd::run),
      make_command("wait", "Block until jobs end; exit with their status", wait_cmd::setup,
                   wait_cmd::run),
      make_command("push", "Copy files and folders to the server; only what changed (scp, rsync)",
                   push_cmd::setup, push_cmd::run),
      make_command("pull", "Copy files, folders, remote globs or a job's files from the server",
                   pull_cmd::setup, pull_cmd::run),
      make_command("edit", "Edit a server file in your local editor; upload only if changed",
                   edit_cmd::setup, edit_cmd::run),
      make_command("hosts", "Save servers under short names: add, list, rm, default",
                   hosts_cmd::setup, hosts_cmd::run),
      make_command("config", "Print the ssh settings resolved for a host, as 'ssh -G HOST' does",
                   config_cmd::setup, config_cmd::run),
      make_command("doctor", "Check the local setup and the server; print how to fix problems",
                   doctor_cmd::setup, doctor_cmd::run),
      make_command("completion", "Print the shell completion script for bash, zsh or fish",
                   completion_cmd::setup, completion_cmd::run),
      make_command("__complete", "", complete_cmd::setup, complete_cmd::run),
      make_command("__manpage", "", manpage_cmd::setup, manpage_cmd::run),
      make_command("gpu", "Show GPUs and their processes, with job ids (nvidia-smi)",
                   gpu_cmd::setup, gpu_cmd::run),
      make_command("top", "Show load, CPU, memory, disks and the busiest processes (top -M)",
                   top_cmd::setup, top_cmd::run),
  };
  return table;
}

}  // namespace ec2dl::cli
