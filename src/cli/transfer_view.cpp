#include "ec2dl/cli/transfer_view.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ec2dl/cli/common.hpp"
#include "ec2dl/core/context.hpp"
#include "ec2dl/ui/table.hpp"
#include "ec2dl/ui/terminal.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/json.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

namespace {

std::string bytes_text(std::uint64_t bytes) {
  return ui::human_bytes(static_cast<double>(bytes));
}

std::string eta_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    return "--";
  }
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::size_t stderr_width() {
  const auto size = ui::terminal_size(STDERR_FILENO);
  return size ? size->cols : 80;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The progress line on stderr: "\r" and the line, erased with "\r\x1b[K".
class StderrProgress : public transfer::ProgressView {
 public:
  ~StderrProgress() override { clear(); }
  void draw(const transfer::ProgressState& state) override {
    fmt::print(stderr, "\r{}\x1b[K", render_progress(state, stderr_width()));
    std::fflush(stderr);
    m_drawn = true;
  }
  void clear() override {
    if (m_drawn) {
      fmt::print(stderr, "\r\x1b[K");
      std::fflush(stderr);
      m_drawn = false;
    }
  }

 private:
  bool m_drawn = false;
};

}  // namespace

std::string plan_line(const transfer::PlanEntry& e) {
  using transfer::Action;
  switch (e.action) {
    case Action::remove:
      return fmt::format("delete  {}", e.path);
    case Action::mkdir:
      return fmt::format("mkdir   {}/", e.path);
    case Action::send:
      return fmt::format("send    {}  ({}, {})", e.path, bytes_text(e.size), e.why);
    case Action::link:
      return fmt::format("link    {} -> {}", e.path, e.target);
    case Action::attrs:
      return fmt::format("attrs   {}  (mode {:04o}, {})", e.path, e.mode, e.why);
    case Action::dir_attrs:
      return fmt::format("attrs   {}/  (mode {:04o}, {})", e.path, e.mode, e.why);
  }
  return e.path;
}

std::vector<std::string> plan_lines(const std::vector<transfer::PlanEntry>& entries) {
  std::vector<std::string> lines;
  lines.reserve(entries.size());
  for (const auto& e : entries) {
    lines.push_back(plan_line(e));
  }
  return lines;
}

std::string human_rate(std::uint64_t bytes, double seconds) {
  if (seconds <= 0) {
    return bytes_text(bytes) + "/s";
  }
  return ui::human_bytes(static_cast<double>(bytes) / seconds) + "/s";
}

std::string render_progress(const transfer::ProgressState& st, std::size_t width) {
  const double fraction =
      st.bytes_total > 0 ? static_cast<double>(st.bytes_done) / static_cast<double>(st.bytes_total)
      : st.files_total > 0
          ? static_cast<double>(st.files_done) / static_cast<double>(st.files_total)
          : 1.0;
  const double rate = st.seconds > 0 ? static_cast<double>(st.bytes_done) / st.seconds : 0;
  const double eta =
      rate > 0
          ? static_cast<double>(st.bytes_total - std::min(st.bytes_total, st.bytes_done)) / rate
          : NAN;
  std::string line = fmt::format(
      "{:>4.0f}% {} {} / {}  {}/{} files  {}  ETA {}", std::min(fraction, 1.0) * 100.0,
      ui::bar(fraction, 20), bytes_text(st.bytes_done), bytes_text(st.bytes_total), st.files_done,
      st.files_total, human_rate(st.bytes_done, st.seconds), eta_text(eta));
  if (width > 0 && line.size() >= width) {
    line = util::truncate_display(line, width - 1);
  }
  return line;
}

transfer::ProgressView* stderr_progress() {
  static StderrProgress line;
  return &line;
}

std::string summary_line(const transfer::Summary& s) {
  const auto bytes = bytes_text(s.bytes_sent);
  const auto where = transfer::display_path(s.destination);
  std::string line;
  if (s.dry_run) {
    line = fmt::format("dry run: would {} {} ({}) {} {}", s.direction == "push" ? "send" : "fetch",
                       plural(s.files_sent, "file", "files"), bytes,
                       s.direction == "push" ? "to" : "into", where);
  } else if (s.files_sent == 0 && s.links == 0 && s.deleted.empty() && s.dirs_created == 0 &&
             s.attrs_updated == 0 && s.failures.empty()) {
    line = fmt::format("{}: nothing to do, {} is up to date", s.direction, where);
  } else {
    line = fmt::format(
        "{} {} ({}) {} {} in {:.1f} s ({})", s.direction == "push" ? "pushed" : "pulled",
        plural(s.files_sent, "file", "files"), bytes, s.direction == "push" ? "to" : "into", where,
        s.seconds, human_rate(s.bytes_sent, s.seconds));
  }
  if (s.files_unchanged > 0) {
    line += fmt::format("; {} unchanged", s.files_unchanged);
  }
  if (s.links > 0) {
    line += fmt::format("; {}", plural(s.links, "link", "links"));
  }
  if (s.dirs_created > 0) {
    line += fmt::format("; {} created", plural(s.dirs_created, "folder", "folders"));
  }
  if (!s.deleted.empty()) {
    line += fmt::format("; {} {}", s.deleted.size(), s.dry_run ? "to delete" : "deleted");
  }
  if (s.bytes_resumed > 0) {
    line += fmt::format("; resumed after {}", bytes_text(s.bytes_resumed));
  }
  if (s.verified) {
    line += "; checksums verified";
  }
  if (!s.failures.empty()) {
    line += fmt::format("; {} failed", s.failures.size());
  }
  return line;
}

nlohmann::json summary_json(const transfer::Summary& s) {
  nlohmann::json j;
  j["direction"] = s.direction;
  j["destination"] = transfer::display_path(s.destination);
  j["dry_run"] = s.dry_run;
  j["files_sent"] = s.files_sent;
  j["bytes_sent"] = s.bytes_sent;
  j["bytes_resumed"] = s.bytes_resumed;
  j["files_unchanged"] = s.files_unchanged;
  j["bytes_unchanged"] = s.bytes_unchanged;
  j["links"] = s.links;
  j["dirs_created"] = s.dirs_created;
  j["attrs_updated"] = s.attrs_updated;
  j["deleted"] = s.deleted;
  j["plan"] = plan_lines(s.plan);
  j["warnings"] = nlohmann::json::array();
  for (const auto& w : s.warnings) {
    j["warnings"].push_back(transfer::display_path(w));
  }
  j["failures"] = nlohmann::json::array();
  for (const auto& f : s.failures) {
    j["failures"].push_back(transfer::display_path(f));
  }
  j["verified"] = s.verified;
  j["seconds"] = s.seconds;
  j["bytes_per_second"] = s.seconds > 0 ? static_cast<double>(s.bytes_sent) / s.seconds : 0.0;
  return j;
}

int report_outcome(const transfer::Summary& summary, const core::Context& ctx) {
  const bool quiet = ctx.options().quiet;
  if (ctx.options().json) {
    fmt::print("{}\n", util::json_text(summary_json(summary)));
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

bool looks_like_local_home(const std::string& path) {
  const auto home = util::home_dir();
  return !home.empty() && home != "/" && path.starts_with(home + "/");
}

core::Error with_quoting_hint(core::Error error, const std::vector<std::string>& remote_paths) {
  for (const auto& path : remote_paths) {
    if (looks_like_local_home(path)) {
      std::string hint =
          "your shell turned ~ into your local home folder; quote remote paths ('~/...')";
      if (!error.hint().empty()) {
        hint += "; " + error.hint();
      }
      return error.with_hint(std::move(hint));
    }
  }
  return error;
}

core::Error transfer_failure(core::Error error, const std::vector<std::string>& remote_paths) {
  if (error.kind() == core::ErrorKind::interrupted) {
    error = error.with_hint(
        "files already in place are complete and nothing is half-written; run the same "
        "command again to finish (large files resume)");
  }
  return with_quoting_hint(std::move(error), remote_paths);
}

}  // namespace ec2dl::cli
