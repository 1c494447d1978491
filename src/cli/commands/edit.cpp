#include "ec2dl/cli/commands/edit.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/transfer_view.hpp"
#include "ec2dl/transfer/edit.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::edit_cmd {

void setup(CLI::App& app, Options& options) {
  app.add_option("path", options.path, "The file on the server (created if missing)")
      ->type_name("REMOTE_FILE")
      ->required();
  app.add_flag("--force", options.force,
               "Upload even if the file changed on the server while you were editing");
  app.add_flag("--remote", options.remote,
               "Edit on the server instead, in a remote terminal ($EDITOR there, or vi)");
  app.footer(
      "Examples:\n"
      "  ec2dl edit '~/train.py'               # your $VISUAL / $EDITOR / vi, here\n"
      "  EDITOR='code --wait' ec2dl edit config.yaml\n"
      "  ec2dl edit --remote '~/.bashrc'       # vi on the server\n"
      "The file is copied to a private temporary folder, opened in your editor, and uploaded\n"
      "atomically (mode kept) only if you changed it. If it changed on the server meanwhile,\n"
      "nothing is overwritten and your copy is kept (the message says where) unless --force.\n"
      "Quote a path that starts with ~ ('~/train.py'): your shell would expand it here.");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  using core::ErrorKind;
  if (options.path.empty()) {
    return core::fail(ErrorKind::usage, "edit: give the REMOTE_FILE to edit");
  }
  if (options.remote && options.force) {
    return core::fail(ErrorKind::usage, "edit: --force is for local editing, not --remote");
  }
  if (options.remote && !(ctx.stdin_tty() && ctx.stdout_tty())) {
    return core::fail(ErrorKind::usage, "edit --remote needs a terminal",
                      "run it from an interactive shell, or edit locally: ec2dl edit");
  }
  if (options.remote) {
    EC2DL_TRY_ASSIGN(auto session, connect(ctx));
    auto status = transfer::edit_on_server(session, options.path);
    if (!status) {
      return core::fail(with_quoting_hint(status.error(), {options.path}));
    }
    return *status;
  }
  transfer::EditRequest request;
  request.remote_path = options.path;
  request.force = options.force;
  request.editor = ctx.env().get("VISUAL").value_or("");
  if (util::trim(request.editor).empty()) {
    request.editor = ctx.env().get("EDITOR").value_or("");
  }
  if (util::trim(request.editor).empty()) {
    // vi without a terminal would fill the output with escape codes and never return.
    if (!ctx.stdin_tty() || !ctx.stdout_tty()) {
      return core::fail(ErrorKind::usage,
                        "edit needs a terminal for vi: stdin and stdout must be a tty",
                        "run it from an interactive shell, or set EDITOR to an editor that "
                        "opens its own window (EDITOR='code --wait')");
    }
    request.editor = "vi";
  }
  request.temp_dir = ctx.env().get("TMPDIR").value_or("");
  request.command = ec2dl_command(ctx, {});
  auto outcome = transfer::edit_file([&ctx]() { return connect(ctx); }, request);
  if (!outcome) {
    return core::fail(with_quoting_hint(outcome.error(), {options.path}));
  }
  const auto where = util::sanitize_for_terminal(transfer::display_path(outcome->path));
  if (ctx.options().json) {
    nlohmann::json j;
    j["path"] = transfer::display_path(outcome->path);
    j["changed"] = outcome->changed;
    j["uploaded"] = outcome->uploaded;
    j["created"] = outcome->created && outcome->uploaded;
    j["bytes"] = outcome->bytes;
    fmt::print("{}\n", util::json_text(j));
  } else if (!ctx.options().quiet) {
    if (outcome->uploaded) {
      fmt::print(stderr, "{} {} ({})\n", outcome->created ? "created" : "uploaded", where,
                 ui::human_bytes(static_cast<double>(outcome->bytes)));
    } else {
      fmt::print(stderr, "no changes; {} left as it was\n", where);
    }
  }
  return core::k_exit_ok;
}

}  // namespace ec2dl::cli::edit_cmd
