#include "ec2dl/cli/commands/tail.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/cli/job_view.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/jobs/follow.hpp"
#include "ec2dl/jobs/registry.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli::tail_cmd {

using core::ErrorKind;

namespace {

// How much of a log's end to fetch for -n: grows until it holds N lines (or the whole log).
constexpr std::int64_t k_first_read = 64 * 1024;
constexpr std::int64_t k_max_read = 16 * 1024 * 1024;

// Prints the last `lines` lines of `log` and returns where a follow goes on: the offset
// after them, with the bytes before it as read.
core::Result<jobs::LogCursor> print_last_lines(ssh::Session& session, const std::string& log,
                                               int lines, LogPrinter& printer) {
  std::int64_t len = lines == 0 ? 0 : k_first_read;
  for (;;) {
    EC2DL_TRY_ASSIGN(const auto tail, jobs::read_tail(session, log, len));
    const bool whole = tail.from == 0;
    auto start = remote::last_lines_start(tail.bytes, static_cast<std::size_t>(lines), whole);
    if (!start && len < k_max_read) {
      len *= 16;
      continue;
    }
    const auto from = start.value_or(0);
    printer.feed(std::string_view(tail.bytes).substr(from));
    jobs::LogCursor cursor{.offset = tail.from, .before = std::string()};
    if (tail.from > 0) {
      cursor.before.reset();  // what came before the bytes read is unknown ...
    }
    cursor.advance(tail.bytes);  // ... unless these cover it
    return cursor;
  }
}

}  // namespace

void setup(CLI::App& app, Options& options) {
  app.add_option("target", options.target,
                 "A job (id or name; default: the newest) or a log file on the server")
      ->type_name("JOB|PATH");
  app.add_option("-n,--lines", options.lines, "Show the last N lines first (default 10)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000000));
  app.add_flag("-f,--follow", options.follow,
               "Keep printing lines as they are written; for a job, until it ends (then exit "
               "with its status); for a file, until Ctrl-C");
  app.add_flag("--raw", options.raw,
               "Pass the bytes untouched (no control-sequence stripping, no \\r handling)");
  app.footer(
      "Examples:\n"
      "  ec2dl tail                  the last 10 lines of the newest job's log\n"
      "  ec2dl tail -f 3             follow job 3 until it ends; exit with its status\n"
      "  ec2dl tail -n 100 train     the last 100 lines of the newest job named train\n"
      "  ec2dl tail -f script.py.log follow a file on the server until Ctrl-C\n"
      "Lines rewritten with \\r (progress bars) show their latest state, and terminal control\n"
      "sequences are removed; --raw keeps the bytes as they are. Only the end of the log is\n"
      "transferred. A bare number is a job id (write ./3 for a file named 3).");
}

core::Result<int> run(const Options& options, core::Context& ctx) {
  EC2DL_TRY_ASSIGN(auto link, connect_resumable(ctx));
  EC2DL_TRY_ASSIGN(auto* session, link.session());
  const std::string base = ctx.remote_dir();

  // Which log: a job (id, name, or the newest), else a file.
  std::optional<remote::JobEntry> job;
  std::string log;
  if (options.target.empty()) {
    EC2DL_TRY_ASSIGN(const auto found, jobs::find(*session, base, {}));
    job = found.front();
  } else {
    const auto ref = remote::parse_job_ref(options.target);
    auto found = jobs::find(*session, base, {ref});
    if (found) {
      job = found->front();
    } else if (ref.id || found.error().kind() != ErrorKind::not_found) {
      return core::fail(found.error());
    }
  }
  if (job) {
    log = job->log;
    if (log.empty()) {
      return core::fail(ErrorKind::not_found, fmt::format("job {} has no log recorded", job->id));
    }
  } else {
    log = options.target;
  }

  auto filter = make_log_filter(ctx, options.raw, options.follow);
  LogPrinter printer(filter);
  auto end = print_last_lines(*session, log, options.lines, printer);
  if (!end) {
    if (!job && end.error().kind() == ErrorKind::remote) {
      return core::fail(ErrorKind::not_found,
                        fmt::format("no job named {} and no readable file {} on the server",
                                    util::sanitize_for_terminal(options.target),
                                    util::sanitize_for_terminal(options.target)),
                        "ec2dl ps lists the jobs; a relative PATH is under the remote home");
    }
    return core::fail(end.error());
  }
  if (!options.follow) {
    printer.finish();
    return printer.closed() ? k_exit_reader_gone : core::k_exit_ok;
  }
  if (printer.closed()) {
    return k_exit_reader_gone;
  }
  if (job) {
    return follow_job(link, ctx, base, job->id, log, *end, filter);
  }
  auto cursor = *end;
  auto followed = jobs::follow(
      link, log, cursor, "", [&](std::string_view bytes) { return printer.feed(bytes); },
      [&] {
        if (!ctx.options().quiet) {
          fmt::print(stderr, "ec2dl: {} shrank; following it from its start\n",
                     util::sanitize_for_terminal(log));
        }
      });
  printer.finish();
  if (!followed) {
    if (followed.error().kind() == ErrorKind::interrupted) {
      return core::k_exit_interrupted;  // Ctrl-C is how a file's follow ends
    }
    return core::fail(followed.error());
  }
  return printer.closed() ? k_exit_reader_gone : core::k_exit_ok;
}

}  // namespace ec2dl::cli::tail_cmd
