#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

// The job registry on the server (base folder `base`, e.g. "~/.ec2dl"): listing jobs and
// resolving JOB arguments, through job_list.sh. What a listing holds (a ps column) is parsed
// by remote::parse_listing (remote/job.hpp). See docs/jobs.md.
namespace ec2dl::jobs {

// The folder of job `id` under `base`.
std::string job_dir(const std::string& base, std::int64_t id);

// Lists the jobs `ids` (when empty: all, or the `newest` N when that is not 0) and, with
// `processes`, the server's other python processes.
core::Result<remote::JobListing> list(ssh::Session& session, const std::string& base,
                                      const std::vector<std::int64_t>& ids, bool processes,
                                      std::size_t newest = 0);

// list() across dropped links (reconnecting through `link`).
core::Result<remote::JobListing> list(ssh::Reconnector& link, const std::string& base,
                                      const std::vector<std::int64_t>& ids, bool processes,
                                      std::size_t newest = 0);

// Resolves JOB arguments (ids or names; none: the newest job) with one listing.
core::Result<std::vector<remote::JobEntry>> find(ssh::Session& session, const std::string& base,
                                                 const std::vector<remote::JobRef>& refs);

// find() across dropped links (reconnecting through `link`).
core::Result<std::vector<remote::JobEntry>> find(ssh::Reconnector& link, const std::string& base,
                                                 const std::vector<remote::JobRef>& refs);

// The ids of the jobs named by JOB arguments as typed (ids or names; none: the newest job).
core::Result<std::vector<std::int64_t>> find_ids(ssh::Session& session, const std::string& base,
                                                 const std::vector<std::string>& texts);

// The ids as words, for a job script's arguments.
std::vector<std::string> id_words(const std::vector<std::int64_t>& ids);

}  // namespace ec2dl::jobs
