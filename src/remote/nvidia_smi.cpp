#include "ec2dl/remote/nvidia_smi.hpp"

#include <cctype>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "ec2dl/remote/sections.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

namespace {

// "memory.used [MiB]" -> "memory.used".
std::string column_name(std::string_view header_cell) {
  auto name = util::trim(header_cell);
  if (!name.empty() && name.back() == ']') {
    const auto open = name.rfind(" [");
    if (open != std::string_view::npos) {
      name = name.substr(0, open);
    }
  }
  return std::string(util::trim(name));
}

bool is_unit(std::string_view s) {
  if (s.empty() || s.size() > 8) {
    return false;
  }
  for (const char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c)) == 0 && c != '%' && c != '/') {
      return false;
    }
  }
  return true;
}

std::optional<int> as_int(std::optional<double> v) {
  if (!v || *v != std::floor(*v) || std::abs(*v) > 1e9) {
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

}  // namespace

std::optional<std::size_t> NvidiaCsv::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

std::string_view NvidiaCsv::cell(std::size_t row, std::string_view name) const {
  const auto i = column(name);
  if (!i || row >= rows.size() || *i >= rows[row].size()) {
    return {};
  }
  return util::trim(rows[row][*i]);
}

core::Result<NvidiaCsv> parse_nvidia_csv(std::string_view text,
                                         std::initializer_list<std::string_view> free_text,
                                         std::size_t max_rows) {
  std::vector<std::string_view> lines;
  for (const auto line : remote::lines(text)) {
    if (!util::trim(line).empty()) {
      lines.push_back(line);
    }
  }
  if (lines.empty()) {
    return core::fail(core::ErrorKind::remote, "nvidia-smi printed no CSV header");
  }
  NvidiaCsv csv;
  for (const auto& h : util::split(lines.front(), ", ")) {
    csv.columns.push_back(column_name(h));
  }
  const std::size_t n = csv.columns.size();
  std::size_t merge_at = n - 1;
  for (const auto name : free_text) {
    if (const auto i = csv.column(name)) {
      merge_at = *i;
      break;
    }
  }
  for (std::size_t l = 1; l < lines.size(); ++l) {
    auto cells = util::split(lines[l], ", ");
    if (cells.size() > n) {
      const std::size_t extra = cells.size() - n;
      std::vector<std::string> joined(
          cells.begin() + static_cast<std::ptrdiff_t>(merge_at),
          cells.begin() + static_cast<std::ptrdiff_t>(merge_at + extra + 1));
      cells[merge_at] = util::join(joined, ", ");
      cells.erase(cells.begin() + static_cast<std::ptrdiff_t>(merge_at + 1),
                  cells.begin() + static_cast<std::ptrdiff_t>(merge_at + extra + 1));
    }
    if (cells.size() < n) {
      continue;  // not a data row: a message mixed into the output
    }
    if (csv.rows.size() >= max_rows) {
      return core::fail(core::ErrorKind::remote,
                        fmt::format("nvidia-smi listed more than {} rows", max_rows));
    }
    csv.rows.push_back(std::move(cells));
  }
  return csv;
}

std::optional<double> nvidia_number(std::string_view cell) {
  auto v = util::trim(cell);
  if (auto d = util::parse_double(v)) {
    return d;
  }
  const auto space = v.rfind(' ');
  if (space == std::string_view::npos || !is_unit(v.substr(space + 1))) {
    return std::nullopt;
  }
  return util::parse_double(util::trim(v.substr(0, space)));
}

std::string nvidia_text(std::string_view cell) {
  const auto v = util::trim(cell);
  if (v == "N/A" || (v.size() >= 2 && v.front() == '[' && v.back() == ']')) {
    return {};
  }
  return std::string(v);
}

std::vector<GpuInfo> gpus_from_csv(const NvidiaCsv& csv) {
  std::vector<GpuInfo> gpus;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    auto num = [&](std::string_view name) { return nvidia_number(csv.cell(r, name)); };
    auto text = [&](std::string_view name) { return nvidia_text(csv.cell(r, name)); };
    GpuInfo g;
    g.index = as_int(num("index"));
    g.uuid = text("uuid");
    g.name = text("name");
    g.utilization_gpu_pct = num("utilization.gpu");
    g.utilization_memory_pct = num("utilization.memory");
    g.memory_used_mib = num("memory.used");
    g.memory_free_mib = num("memory.free");
    g.memory_total_mib = num("memory.total");
    g.temperature_c = num("temperature.gpu");
    g.power_draw_w = num("power.draw");
    g.power_limit_w = num("power.limit");
    g.fan_speed_pct = num("fan.speed");
    g.pstate = text("pstate");
    g.pci_bus_id = text("pci.bus_id");
    g.driver_version = text("driver_version");
    gpus.push_back(std::move(g));
  }
  return gpus;
}

std::vector<GpuApp> apps_from_csv(const NvidiaCsv& csv) {
  std::vector<GpuApp> apps;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    GpuApp a;
    a.gpu_uuid = nvidia_text(csv.cell(r, "gpu_uuid"));
    if (const auto pid = nvidia_number(csv.cell(r, "pid")); pid && *pid == std::floor(*pid)) {
      a.pid = static_cast<std::int64_t>(*pid);
    }
    a.process_name = std::string(csv.cell(r, "process_name"));
    a.used_memory_mib = nvidia_number(csv.cell(r, "used_gpu_memory"));
    apps.push_back(std::move(a));
  }
  return apps;
}

core::Result<std::vector<GpuInfo>> parse_gpus(std::string_view text) {
  EC2DL_TRY_ASSIGN(const auto csv, parse_nvidia_csv(text, {"name"}, k_max_gpu_rows));
  auto gpus = gpus_from_csv(csv);
  std::set<int> indexes;
  std::set<std::string, std::less<>> uuids;
  for (const auto& g : gpus) {
    if ((g.index && !indexes.insert(*g.index).second) ||
        (!g.uuid.empty() && !uuids.insert(g.uuid).second)) {
      return core::fail(core::ErrorKind::remote,
                        fmt::format("nvidia-smi listed GPU {} twice",
                                    g.index ? std::to_string(*g.index)
                                            : util::sanitize_for_terminal(g.uuid.substr(0, 64))));
    }
  }
  return gpus;
}

core::Result<std::vector<GpuApp>> parse_gpu_apps(std::string_view text) {
  EC2DL_TRY_ASSIGN(const auto csv, parse_nvidia_csv(text, {"process_name"}, k_max_app_rows));
  auto apps = apps_from_csv(csv);
  std::set<std::pair<std::string, std::int64_t>> seen;
  std::erase_if(apps, [&](const GpuApp& a) {
    return a.pid && !seen.insert({a.gpu_uuid, *a.pid}).second;
  });
  return apps;
}

std::map<std::string, const GpuInfo*, std::less<>> gpus_by_uuid(const std::vector<GpuInfo>& gpus) {
  std::map<std::string, const GpuInfo*, std::less<>> out;
  for (const auto& g : gpus) {
    if (!g.uuid.empty()) {
      out.emplace(g.uuid, &g);
    }
  }
  return out;
}

const GpuInfo* gpu_of(const GpuApp& app, const std::vector<GpuInfo>& gpus) {
  if (app.gpu_uuid.empty()) {
    return nullptr;
  }
  for (const auto& g : gpus) {
    if (g.uuid == app.gpu_uuid) {
      return &g;
    }
  }
  return nullptr;
}

}  // namespace ec2dl::remote
