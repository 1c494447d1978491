#include "ec2dl/jobs/registry.hpp"

#include <fmt/format.h>

#include "ec2dl/jobs/script.hpp"
#include "ec2dl/remote/scripts.hpp"

namespace ec2dl::jobs {

std::string job_dir(const std::string& base, std::int64_t id) {
  return fmt::format("{}/jobs/{}", base, id);
}

std::vector<std::string> id_words(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto id : ids) {
    out.push_back(std::to_string(id));
  }
  return out;
}

core::Result<remote::JobListing> list(ssh::Session& session, const std::string& base,
                                      const std::vector<std::int64_t>& ids, bool processes,
                                      std::size_t newest) {
  remote::ScriptCall call{remote::scripts::job_list,
                          {base, processes ? "1" : "0", ids.empty() ? std::to_string(newest) : "0"},
                          {}};
  for (auto& w : id_words(ids)) {
    call.args.push_back(std::move(w));
  }
  EC2DL_TRY_ASSIGN(const auto out, run_script(session, call, "list jobs"));
  return remote::parse_listing(out);
}

core::Result<remote::JobListing> list(ssh::Reconnector& link, const std::string& base,
                                      const std::vector<std::int64_t>& ids, bool processes,
                                      std::size_t newest) {
  return link.retry(
      [&](ssh::Session& session) { return list(session, base, ids, processes, newest); });
}

core::Result<std::vector<remote::JobEntry>> find(ssh::Session& session, const std::string& base,
                                                 const std::vector<remote::JobRef>& refs) {
  // Only ids: list just those; none: only the newest; names: all.
  std::vector<std::int64_t> ids;
  bool all = false;
  for (const auto& ref : refs) {
    if (ref.id && *ref.id >= 0) {
      ids.push_back(*ref.id);
    } else if (!ref.id) {
      all = true;
    }
  }
  if (refs.empty()) {
    EC2DL_TRY_ASSIGN(const auto newest, list(session, base, {}, false, 1));
    return remote::resolve_jobs(newest, refs);
  }
  if (!all && ids.empty()) {
    ids.push_back(0);  // only impossible ids: ask for one that cannot exist
  }
  EC2DL_TRY_ASSIGN(const auto listing,
                   list(session, base, all ? std::vector<std::int64_t>{} : ids, false));
  return remote::resolve_jobs(listing, refs);
}

core::Result<std::vector<remote::JobEntry>> find(ssh::Reconnector& link, const std::string& base,
                                                 const std::vector<remote::JobRef>& refs) {
  return link.retry([&](ssh::Session& session) { return find(session, base, refs); });
}

core::Result<std::vector<std::int64_t>> find_ids(ssh::Session& session, const std::string& base,
                                                 const std::vector<std::string>& texts) {
  std::vector<remote::JobRef> refs;
  for (const auto& text : texts) {
    refs.push_back(remote::parse_job_ref(text));
  }
  EC2DL_TRY_ASSIGN(const auto found, find(session, base, refs));
  std::vector<std::int64_t> ids;
  for (const auto& job : found) {
    ids.push_back(job.id);
  }
  return ids;
}

}  // namespace ec2dl::jobs
