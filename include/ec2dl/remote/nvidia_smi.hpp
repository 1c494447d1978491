#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/core/error.hpp"

namespace ec2dl::remote {

// The GPU and compute-process fields `ec2dl gpu` asks nvidia-smi for. Only fields every driver
// of the last decade knows: an unknown one makes nvidia-smi refuse the whole query.
inline constexpr std::string_view k_gpu_query_fields =
    "index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,"
    "temperature.gpu,power.draw,power.limit,fan.speed,pstate,pci.bus_id,driver_version";
// process_name last: it is the one field whose value may hold ", ".
inline constexpr std::string_view k_app_query_fields = "gpu_uuid,pid,used_gpu_memory,process_name";

// One table of nvidia-smi's `--format=csv` output (with or without `nounits`): the column
// names from the header with their " [unit]" suffix removed, and the rows' cells.
struct NvidiaCsv {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  // The position of a column, or nullopt when the header does not have it.
  std::optional<std::size_t> column(std::string_view name) const;
  // The trimmed cell of `row` in column `name`; empty when there is no such column.
  std::string_view cell(std::size_t row, std::string_view name) const;
};

// The most rows ec2dl reads from nvidia-smi: GPUs (servers have at most a few dozen) and
// compute processes. More is an error, not a longer wait.
inline constexpr std::size_t k_max_gpu_rows = 1024;
inline constexpr std::size_t k_max_app_rows = 65536;

// Parses CSV output with a header line. Cells are separated by ", "; a value that itself holds
// ", " (a process name) makes a row longer than the header, and the surplus is joined back
// into the first column named in `free_text` that the header has (else the last column). A
// row with fewer cells than the header is not data (a message) and is skipped. Fails (kind
// remote) when there is no header, or more than `max_rows` data rows (time and memory stay
// linear in the output and bounded whatever the server prints).
core::Result<NvidiaCsv> parse_nvidia_csv(std::string_view text,
                                         std::initializer_list<std::string_view> free_text = {},
                                         std::size_t max_rows = k_max_app_rows);

// The number in a cell, with or without its unit: "69.85 W" -> 69.85, "81559" -> 81559,
// "100 %" -> 100. Anything else ("[N/A]", "N/A", "[Not Supported]", "[Insufficient
// Permissions]", "0x1E81", "") is nullopt: unknown, never 0.
std::optional<double> nvidia_number(std::string_view cell);

// A text cell, or "" for nvidia-smi's placeholders ("[N/A]", "N/A", "[Not Supported]", ...).
std::string nvidia_text(std::string_view cell);

// One GPU as nvidia-smi reports it; nullopt = not reported or not a number.
struct GpuInfo {
  std::optional<int> index;
  std::string uuid;
  std::string name;
  std::optional<double> utilization_gpu_pct;
  std::optional<double> utilization_memory_pct;
  std::optional<double> memory_used_mib;
  std::optional<double> memory_free_mib;
  std::optional<double> memory_total_mib;
  std::optional<double> temperature_c;
  std::optional<double> power_draw_w;
  std::optional<double> power_limit_w;
  std::optional<double> fan_speed_pct;
  std::string pstate;  // "P0" ... ; "" when not reported
  std::string pci_bus_id;
  std::string driver_version;
};

// One compute process on a GPU, as `--query-compute-apps` reports it.
struct GpuApp {
  std::string gpu_uuid;
  std::optional<std::int64_t> pid;
  std::string process_name;
  std::optional<double> used_memory_mib;
};

// The GPUs and processes of parsed tables, mapped by column name (any field order, any extra
// fields, units or not).
std::vector<GpuInfo> gpus_from_csv(const NvidiaCsv& csv);
std::vector<GpuApp> apps_from_csv(const NvidiaCsv& csv);

// Shorthands: parse_nvidia_csv + *_from_csv. parse_gpus fails (kind remote) when a GPU
// index or UUID is listed twice; parse_gpu_apps keeps one row per (GPU, pid).
core::Result<std::vector<GpuInfo>> parse_gpus(std::string_view text);
core::Result<std::vector<GpuApp>> parse_gpu_apps(std::string_view text);

// The GPU an app runs on, joined by UUID (indexes differ between tools and containers);
// nullptr when none matches.
const GpuInfo* gpu_of(const GpuApp& app, const std::vector<GpuInfo>& gpus);

// The same join for many apps: GPU index by UUID, built once (linear, not apps x GPUs).
std::map<std::string, const GpuInfo*, std::less<>> gpus_by_uuid(const std::vector<GpuInfo>& gpus);

}  // namespace ec2dl::remote
