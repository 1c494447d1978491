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
#include "ec2dl/ui/spark.hpp"

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

// Utilisation and memory use of each GPU (by UUID) over the last minutes of a watch.
class GpuHistory {
 public:
  // Keeps `window_s` seconds of samples taken every `interval_s`.
  GpuHistory(double window_s, double interval_s);
  void add(const GpuSnapshot& snapshot);
  std::string utilization(const std::string& uuid, std::size_t width) const;
  std::string memory(const std::string& uuid, std::size_t width) const;
  // "5m", "90s": the span the sparklines cover, for the column header.
  std::string span() const;

 private:
  struct Series {
    ui::SampleWindow utilization;
    ui::SampleWindow memory_pct;
  };
  std::size_t m_capacity;
  double m_window_s;
  std::map<std::string, Series> m_series;
};

struct GpuRenderOptions {
  bool color = false;
  std::size_t width = 0;  // 0: no limit; else the process table's command is cut to fit
  const GpuHistory* history = nullptr;  // sparklines when set (watch mode)
};

// The screen of `ec2dl gpu`: a summary line, a table of GPUs and one of compute processes.
std::string render_gpus(const GpuSnapshot& snapshot, const GpuRenderOptions& options);

}  // namespace ec2dl::monitor
