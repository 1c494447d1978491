#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"

// Choosing GPUs for a job: parsing --gpu, reading the facts job_launch.sh prints in its
// "?" mode (nvidia-smi and the GPUs of running jobs), and picking. Pure.
namespace ec2dl::remote {

// --gpu 2 | 0,1 | GPU-<uuid>[,...] | auto | auto:N
struct GpuRequest {
  bool automatic = false;
  int count = 1;                 // auto:N
  std::vector<std::string> ids;  // explicit indexes or UUIDs, as given
};
core::Result<GpuRequest> parse_gpu_spec(std::string_view spec);

struct GpuState {
  int index = 0;
  std::string uuid;
  std::optional<double> free_mib;
  std::optional<double> total_mib;
};
struct GpuComputeApp {
  std::string gpu_uuid;
  std::int64_t pid = 0;
};
struct GpuHolderJob {
  std::int64_t id = 0;
  std::string gpus;                 // as recorded: indexes or UUIDs, comma-separated
  std::optional<std::int64_t> pid;  // its main process (not listed again as a holder)
};
struct GpuFacts {
  std::vector<GpuState> gpus;
  int gpus_status = 0;   // nvidia-smi's exit status (127: not installed)
  std::string gpus_raw;  // its output, for messages when it failed
  std::vector<GpuComputeApp> apps;
  std::vector<GpuHolderJob> jobs;
};

// Parses the "@gpus ... @choose" block (without the "@choose" line). Rows nvidia-smi got
// wrong are skipped.
GpuFacts parse_gpu_facts(std::string_view text);

struct GpuChoice {
  std::string visible;               // the CUDA_VISIBLE_DEVICES value
  std::vector<int> indexes;          // nvidia-smi indexes, in that order
  std::vector<std::string> notices;  // e.g. an explicit GPU that is busy
};

// Explicit ids: each must exist (index or UUID), no repeats; a busy one gives a notice.
// auto:N: the N GPUs with no compute process and no running ec2dl job, most free memory
// first (then the lower index). Fails (kind not_found) when nvidia-smi is missing or failed,
// when an id does not exist, or when fewer than N GPUs are free, naming what holds each GPU.
core::Result<GpuChoice> choose_gpus(const GpuRequest& request, const GpuFacts& facts);

// The indexes a recorded GPU list ("1,3" or UUIDs) refers to, given the server's GPUs;
// unknown entries are left out.
std::vector<int> gpu_indexes(std::string_view recorded, const std::vector<GpuState>& gpus);

}  // namespace ec2dl::remote
