#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/session.hpp"
#include "ec2dl/transfer/sync.hpp"

// pull: files, folders, remote globs or a job's files from the server (the entry point;
// `ec2dl pull` calls it). What is pure about it (operands, manifest) is in pull_plan.hpp.
namespace ec2dl::transfer {

struct PullRequest {
  std::vector<std::string> operands;  // as typed: [JOB] SOURCE... [LOCAL]
  std::optional<std::string> target;  // -t DIR: every operand is a source
  std::string job;                    // --job JOB
  std::string registry = "~/.ec2dl";  // the job registry base on the server
  // The last operand names a folder that exists on the workstation: with a job, when it
  // matches nothing in the job's folder, it is the destination (scp's `pull 7 '*.pt' out`).
  bool last_is_local_folder = false;
  SyncOptions options;
};

// Fetches what changed. The first of two or more operands is taken as a job when it names
// one on the server (and no file of that name is in the home folder); then the others are
// patterns relative to its working directory and the destination is -t, a last operand
// that ends in '/' (or is '.' or '..'), a last operand that matches nothing there and is a
// local folder, or ".". A single operand naming a job (and no file) is an error that names
// the right form.
core::Result<Summary> run_pull(ssh::Session& session, const PullRequest& request);

}  // namespace ec2dl::transfer
