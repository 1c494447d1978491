#include "ec2dl/monitor/gpu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "ec2dl/monitor/report.hpp"
#include "ec2dl/remote/job_join.hpp"
#include "ec2dl/remote/procfs.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::monitor {

namespace {

using nlohmann::json;

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Whole numbers print as integers ("2566", not "2566.0"), as nvidia-smi printed them.
json or_null(const std::optional<double>& v) {
  if (!v) {
    return nullptr;
  }
  if (*v == std::trunc(*v) && std::abs(*v) < 9.0e15) {
    return static_cast<std::int64_t>(*v);
  }
  return *v;
}

json text_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

// nvidia-smi's message: its output on one line.
std::string one_line(std::string_view text) {
  std::vector<std::string> parts;
  for (const auto& line : util::split(text, '\n')) {
    const auto t = util::trim(line);
    if (!t.empty()) {
      parts.emplace_back(t);
    }
  }
  return util::join(parts, " ");
}

core::Error nvidia_smi_failed(std::string_view status, std::string_view output) {
  auto message = one_line(output);
  if (message.size() > 400) {
    message = message.substr(0, 400) + "...";
  }
  std::string hint;
  if (status == "9") {
    hint =
        "the NVIDIA driver is not loaded: a reboot after a driver or kernel update often fixes it";
  } else if (status == "6") {
    hint = "the driver sees no GPU: check that the instance type has one";
  }
  return core::Error(core::ErrorKind::remote,
                     fmt::format("nvidia-smi failed (status {}): {}", status,
                                 message.empty() ? "no message" : message),
                     hint);
}

}  // namespace

std::optional<double> memory_pct(const remote::GpuInfo& g) {
  if (!g.memory_used_mib || !g.memory_total_mib || *g.memory_total_mib <= 0) {
    return std::nullopt;
  }
  return 100.0 * *g.memory_used_mib / *g.memory_total_mib;
}

core::Error nvidia_smi_missing() {
  return core::Error(core::ErrorKind::remote,
                     "no NVIDIA driver tools on this server (nvidia-smi not found)",
                     "install the NVIDIA driver, or start the server from a GPU image");
}

std::vector<std::string> gpu_query_args(const std::string& remote_dir) {
  return {remote_dir, std::string(remote::k_gpu_query_fields),
          std::string(remote::k_app_query_fields)};
}

core::Result<GpuSnapshot> gpu_snapshot_from(const Report& report, std::int64_t time) {
  const auto& sections = report.sections;
  GpuSnapshot snap;
  snap.time = time;
  if (const auto* host = remote::find_section(sections, "host")) {
    snap.host = util::join(host->args, " ");
  }
  if (remote::find_section(sections, "missing") != nullptr) {
    return std::unexpected(nvidia_smi_missing());
  }
  for (const char* name : {"gpus", "apps"}) {
    const auto* s = remote::find_section(sections, name);
    if (s == nullptr) {
      return core::fail(core::ErrorKind::remote, "gpu: the server's answer has no GPU list");
    }
    const std::string status = s->args.empty() ? "?" : s->args.front();
    if (status != "0") {
      return std::unexpected(
          nvidia_smi_failed(status, util::trim(s->body).empty() ? report.err : s->body));
    }
  }
  EC2DL_TRY_ASSIGN(snap.gpus, remote::parse_gpus(remote::section_body(sections, "gpus")));
  EC2DL_TRY_ASSIGN(auto apps, remote::parse_gpu_apps(remote::section_body(sections, "apps")));

  const auto procs = remote::parse_proc_stats(remote::section_body(sections, "stat"));
  const auto owners = remote::parse_proc_owners(remote::section_body(sections, "owners"));
  const auto jobs = remote::parse_job_records(remote::section_body(sections, "jobs"));
  const auto sessions = remote::running_job_sessions(jobs, procs);

  const auto by_uuid = remote::gpus_by_uuid(snap.gpus);
  std::map<std::string, std::string> job_names;
  for (const auto& job : jobs) {
    job_names[job.id] = job.name;
  }
  for (auto& app : apps) {
    GpuProcess p;
    if (const auto g = by_uuid.find(app.gpu_uuid); g != by_uuid.end()) {
      p.gpu_index = g->second->index;
    }
    if (app.pid) {
      if (const auto o = owners.find(*app.pid); o != owners.end()) {
        p.user = o->second;
      }
      if (const auto st = procs.find(*app.pid); st != procs.end()) {
        if (const auto j = sessions.find(st->second.session); j != sessions.end()) {
          p.job_id = j->second;
          if (const auto n = job_names.find(p.job_id); n != job_names.end()) {
            p.job_name = n->second;
          }
        }
      }
    }
    p.app = std::move(app);
    snap.processes.push_back(std::move(p));
  }
  std::stable_sort(snap.processes.begin(), snap.processes.end(),
                   [](const GpuProcess& a, const GpuProcess& b) {
                     return a.gpu_index.value_or(1 << 30) < b.gpu_index.value_or(1 << 30);
                   });
  return snap;
}

core::Result<GpuSnapshot> sample_gpus(ssh::Session& session, const std::string& remote_dir) {
  // Real answers are a few KiB per GPU; 8 MiB bounds what a broken server can make ec2dl hold.
  EC2DL_TRY_ASSIGN(auto report, run_report(session, remote::scripts::gpu_query,
                                           gpu_query_args(remote_dir), "gpu", 8u << 20));
  return gpu_snapshot_from(report, util::now_epoch());
}

std::string gpu_raw_command(std::string_view marker) {
  return report_call(remote::scripts::gpu_query, marker, {"~", "--raw"}).command();
}

std::optional<core::Error> gpu_raw_error(std::string_view out, std::string_view marker) {
  if (out.starts_with(std::string(marker) + " missing")) {
    return nvidia_smi_missing();
  }
  return std::nullopt;
}

json to_json(const GpuSnapshot& snapshot) {
  json gpus = json::array();
  for (const auto& g : snapshot.gpus) {
    gpus.push_back({
        {"index", or_null(g.index)},
        {"uuid", text_or_null(g.uuid)},
        {"name", text_or_null(g.name)},
        {"utilization_gpu_pct", or_null(g.utilization_gpu_pct)},
        {"utilization_memory_pct", or_null(g.utilization_memory_pct)},
        {"memory_used_mib", or_null(g.memory_used_mib)},
        {"memory_total_mib", or_null(g.memory_total_mib)},
        {"temperature_c", or_null(g.temperature_c)},
        {"power_draw_w", or_null(g.power_draw_w)},
        {"power_limit_w", or_null(g.power_limit_w)},
        {"fan_speed_pct", or_null(g.fan_speed_pct)},
        {"pstate", text_or_null(g.pstate)},
        {"pci_bus_id", text_or_null(g.pci_bus_id)},
        {"driver_version", text_or_null(g.driver_version)},
    });
  }
  json processes = json::array();
  for (const auto& p : snapshot.processes) {
    processes.push_back({
        {"gpu_index", or_null(p.gpu_index)},
        {"gpu_uuid", text_or_null(p.app.gpu_uuid)},
        {"pid", or_null(p.app.pid)},
        {"user", text_or_null(p.user)},
        {"process_name", text_or_null(p.app.process_name)},
        {"used_memory_mib", or_null(p.app.used_memory_mib)},
        {"job_id", job_id_json(p.job_id)},
        {"job_name", text_or_null(p.job_name)},
    });
  }
  return {{"host", snapshot.host},
          {"time", util::iso8601_utc(snapshot.time)},
          {"gpus", gpus},
          {"processes", processes}};
}

}  // namespace ec2dl::monitor
