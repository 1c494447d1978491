#include "ec2dl/transfer/report.hpp"

#include <fmt/format.h>

#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/ui/table.hpp"

namespace ec2dl::transfer {

namespace {

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

std::string summary_line(const Summary& s) {
  const auto bytes = ui::human_bytes(static_cast<double>(s.bytes_sent));
  const auto where = display_path(s.destination);
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
    line +=
        fmt::format("; resumed after {}", ui::human_bytes(static_cast<double>(s.bytes_resumed)));
  }
  if (s.verified) {
    line += "; checksums verified";
  }
  if (!s.failures.empty()) {
    line += fmt::format("; {} failed", s.failures.size());
  }
  return line;
}

nlohmann::json summary_json(const Summary& s) {
  nlohmann::json j;
  j["direction"] = s.direction;
  j["destination"] = display_path(s.destination);
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
  j["plan"] = s.plan;
  j["warnings"] = nlohmann::json::array();
  for (const auto& w : s.warnings) {
    j["warnings"].push_back(display_path(w));
  }
  j["failures"] = nlohmann::json::array();
  for (const auto& f : s.failures) {
    j["failures"].push_back(display_path(f));
  }
  j["verified"] = s.verified;
  j["seconds"] = s.seconds;
  j["bytes_per_second"] = s.seconds > 0 ? static_cast<double>(s.bytes_sent) / s.seconds : 0.0;
  return j;
}

}  // namespace ec2dl::transfer
