#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "ec2dl/cli/watch_flag.hpp"
#include "ec2dl/monitor/gpu.hpp"
#include "ec2dl/ui/spark.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::gpu_cmd {

struct Options {
  bool raw = false;  // plain nvidia-smi, passed through
  WatchFlag watch;
};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

// Utilisation and memory use of each GPU (by UUID) over the last minutes of a watch.
class History {
 public:
  // Keeps `window_s` seconds of samples taken every `interval_s`.
  History(double window_s, double interval_s);
  void add(const monitor::GpuSnapshot& snapshot);
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

struct RenderOptions {
  bool color = false;
  std::size_t width = 0;             // 0: no limit; else the process table's command is cut to fit
  const History* history = nullptr;  // sparklines when set (watch mode)
};

// The screen of `ec2dl gpu`: a summary line, a table of GPUs and one of compute processes.
std::string render(const monitor::GpuSnapshot& snapshot, const RenderOptions& options);

}  // namespace ec2dl::cli::gpu_cmd
