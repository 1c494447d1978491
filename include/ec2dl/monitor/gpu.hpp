#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ec2dl/core/error.hpp"
#include "ec2dl/monitor/report.hpp"
#include "ec2dl/remote/nvidia_smi.hpp"
#include "ec2dl/remote/sections.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::monitor {

// A compute process with what nvidia-smi does not know: its GPU's index (joined by UUID),
// its owner, and the ec2dl job whose session it runs in.
struct GpuProcess {
  remote::GpuApp app;
  std::optional<int> gpu_index;  // nullopt: no GPU with that UUID was listed
  std::string user;              // "" when the process is not visible (another pid namespace)
  std::string job_id;            // "" when it is no running job's
  std::string job_name;
};

// One sample of the server's GPUs.
struct GpuSnapshot {
  std::string host;  // the server's own name (uname -n)
  std::int64_t time = 0;
  std::vector<remote::GpuInfo> gpus;
  std::vector<GpuProcess> processes;
};

// The arguments of gpu_query.sh for a sample.
std::vector<std::string> gpu_query_args(const std::string& remote_dir);

// Builds a snapshot from what gpu_query.sh reported (pure). Fails (kind remote, exit 1) with
// "no NVIDIA driver tools on this server (nvidia-smi not found)", or with nvidia-smi's own
// message when it failed (driver not loaded, no devices: printed on its stdout, else stderr).
core::Result<GpuSnapshot> gpu_snapshot_from(const Report& report, std::int64_t time);

// One round trip: runs the query on the server and builds the snapshot.
core::Result<GpuSnapshot> sample_gpus(ssh::Session& session, const std::string& remote_dir);

// The remote command of `gpu --raw` and the error its output means, if any.
std::string gpu_raw_command(std::string_view marker);
std::optional<core::Error> gpu_raw_error(std::string_view out, std::string_view marker);

// The error for a server without nvidia-smi.
core::Error nvidia_smi_missing();

// {"host", "time", "gpus": [...], "processes": [...]}; unknown numbers are null.
nlohmann::json to_json(const GpuSnapshot& snapshot);

// Memory used, in percent of the total; nullopt when either is unknown.
std::optional<double> memory_pct(const remote::GpuInfo& gpu);

}  // namespace ec2dl::monitor
