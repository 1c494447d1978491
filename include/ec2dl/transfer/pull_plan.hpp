#pragma once

#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/transfer/plan.hpp"
#include "ec2dl/transfer/pull.hpp"

// The pure half of a pull: what to ask the server, and what its answer means. The grammar
// `pull [JOB] SOURCE... [LOCAL]` is ambiguous (`pull 7 'checkpoints/*.pt'`), so the client
// only says which operands may be a job or the destination, and the server decides.
namespace ec2dl::transfer {

// Validates the operands (before connecting). Fails with a usage error naming every problem.
core::Result<void> check_pull(const PullRequest& request);

// The question for xfer_manifest.sh: one glob request per operand that may be a source. The
// first of two or more operands is a job candidate when it could be a job's id or name (not
// a path, not a glob); the last is then listed only in case the job is used, since otherwise
// it is the local destination.
remote::ManifestQuery pull_query(const PullRequest& request);

// What a pull fetches, and where to, according to the server's answer.
struct PullSources {
  std::string dest;                   // the local destination as typed: -t, the last operand, "."
  std::vector<SourceRoot> roots;      // the sources, with their exclusion rules
  std::vector<std::string> warnings;  // sources some of whose folders could not be read
  std::vector<std::string> problems;  // operands with no match, roots that cannot be read
  std::string usage_problem;          // operands that can be read two ways ("" if not)
};

// Reads the manifest answering pull_query(request): which operands were sources (the job
// operand and the destination are not), their roots with the request's excludes and the
// .ec2dlignore files found, and the operands that matched nothing.
PullSources pull_sources(const PullRequest& request, const remote::Manifest& manifest);

}  // namespace ec2dl::transfer
