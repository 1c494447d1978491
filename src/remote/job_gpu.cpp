#include "ec2dl/remote/job_gpu.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "ec2dl/remote/nvidia_smi.hpp"
#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

using core::ErrorKind;
using core::fail;

namespace {

bool is_index(std::string_view s) {
  return !s.empty() && s.size() <= 4 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_uuid(std::string_view s) {
  if (!s.starts_with("GPU-") || s.size() < 8 || s.size() > 80) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

// The index of GPU `id` (an index or a UUID) among `gpus`.
std::optional<int> find_gpu(std::string_view id, const std::vector<GpuState>& gpus) {
  for (const auto& g : gpus) {
    if ((is_index(id) && std::to_string(g.index) == id) || g.uuid == id) {
      return g.index;
    }
  }
  return std::nullopt;
}

}  // namespace

core::Result<GpuRequest> parse_gpu_spec(std::string_view spec) {
  GpuRequest out;
  const auto bad = [&](std::string_view why) {
    return fail(ErrorKind::usage,
                fmt::format("--gpu {}: {}", util::sanitize_for_terminal(spec), why),
                "use an index (2), a list (0,1), a UUID (GPU-...), auto or auto:N");
  };
  if (spec == "auto") {
    out.automatic = true;
    return out;
  }
  if (spec.starts_with("auto:")) {
    const auto n = util::parse_int(spec.substr(5));
    if (!n || *n < 1 || *n > 64 || !is_index(spec.substr(5))) {
      return bad("N must be a whole number from 1 to 64");
    }
    out.automatic = true;
    out.count = static_cast<int>(*n);
    return out;
  }
  if (spec.empty()) {
    return bad("empty GPU list");
  }
  for (const auto& part : util::split(spec, ',')) {
    if (part.starts_with("MIG-")) {
      // A MIG device is not a GPU of nvidia-smi's list: it would never match one.
      return bad(
          fmt::format("{}: MIG device UUIDs are not supported; give the whole GPU's "
                      "index or GPU-... UUID",
                      util::sanitize_for_terminal(part)));
    }
    if (!is_index(part) && !is_uuid(part)) {
      return bad(part.empty() ? "empty entry in the list"
                              : fmt::format("'{}' is neither a GPU index nor a GPU UUID",
                                            util::sanitize_for_terminal(part)));
    }
    // "01" and "1" name the same GPU; keep the plain form.
    const std::string id = is_index(part) ? std::to_string(*util::parse_int(part)) : part;
    if (std::find(out.ids.begin(), out.ids.end(), id) != out.ids.end()) {
      return bad(fmt::format("GPU {} is listed twice", id));
    }
    out.ids.push_back(id);
  }
  out.count = static_cast<int>(out.ids.size());
  return out;
}

GpuFacts parse_gpu_facts(std::string_view text) {
  GpuFacts out;
  std::string section;
  std::string gpus_csv;
  std::string apps_csv;
  for (const auto& raw : util::split(text, '\n')) {
    const auto line = util::trim(raw);
    if (line.starts_with("@")) {
      const auto words = util::split(line, ' ');
      if (words.size() == 2 && words[0] == "@gpus_status") {
        out.gpus_status = static_cast<int>(util::parse_int(words[1]).value_or(1));
      }
      section = words[0];
      continue;
    }
    if (line.empty()) {
      continue;
    }
    if (section == "@gpus") {
      gpus_csv += std::string(line) + "\n";
    } else if (section == "@apps") {
      apps_csv += std::string(line) + "\n";
    } else if (section == "@jobs") {
      const auto words = util::split(line, ' ');
      const auto id = words.size() >= 2 ? util::parse_int(words[0]) : std::nullopt;
      if (id) {
        out.jobs.push_back(
            {*id, words[1], words.size() >= 3 ? util::parse_int(words[2]) : std::nullopt});
      }
    }
  }
  out.gpus_raw = gpus_csv.substr(0, 4096);
  // nvidia-smi's CSV is read by the same parser as `ec2dl gpu`'s (columns by header name);
  // one it rejects (a GPU listed twice, too many rows) is no GPU to choose from.
  auto gpus = parse_gpus(gpus_csv);
  if (!gpus) {
    out.gpus_raw = gpus.error().message();
  } else {
    for (const auto& g : *gpus) {
      if (!g.index || *g.index < 0 || *g.index > 1024) {
        continue;  // a row nvidia-smi got wrong
      }
      out.gpus.push_back({*g.index, g.uuid, g.memory_free_mib, g.memory_total_mib});
    }
  }
  if (auto apps = parse_gpu_apps(apps_csv)) {
    for (const auto& a : *apps) {
      if (a.pid) {
        out.apps.push_back({a.gpu_uuid, *a.pid});
      }
    }
  }
  return out;
}

std::vector<int> gpu_indexes(std::string_view recorded, const std::vector<GpuState>& gpus) {
  std::vector<int> out;
  for (const auto& part : util::split(recorded, ',')) {
    if (auto i = find_gpu(util::trim(part), gpus)) {
      out.push_back(*i);
    }
  }
  return out;
}

core::Result<GpuChoice> choose_gpus(const GpuRequest& request, const GpuFacts& facts) {
  if (facts.gpus_status == 127) {
    return fail(ErrorKind::not_found, "--gpu: nvidia-smi is not installed on the server",
                "run without --gpu, or install the NVIDIA driver");
  }
  if (facts.gpus_status != 0 || facts.gpus.empty()) {
    const auto said = util::trim(facts.gpus_raw);
    return fail(ErrorKind::not_found,
                fmt::format("--gpu: nvidia-smi reports no usable GPU{}{}", said.empty() ? "" : ": ",
                            util::sanitize_for_terminal(util::split(said, '\n').front())),
                "run without --gpu");
  }
  // What holds each GPU: compute processes and running ec2dl jobs.
  std::map<int, std::vector<std::int64_t>> procs;
  std::map<int, std::vector<std::int64_t>> jobs;
  std::set<std::int64_t> job_pids;
  for (const auto& j : facts.jobs) {
    if (j.pid) {
      job_pids.insert(*j.pid);
    }
  }
  std::map<std::string, int, std::less<>> index_of;
  for (const auto& g : facts.gpus) {
    index_of.emplace(g.uuid, g.index);
  }
  for (const auto& app : facts.apps) {
    if (job_pids.contains(app.pid)) {
      continue;  // named as the job below
    }
    if (const auto i = index_of.find(app.gpu_uuid); i != index_of.end()) {
      procs[i->second].push_back(app.pid);
    }
  }
  for (const auto& job : facts.jobs) {
    for (const int i : gpu_indexes(job.gpus, facts.gpus)) {
      jobs[i].push_back(job.id);
    }
  }
  const auto holders = [&](int i) {
    std::vector<std::string> parts;
    if (jobs.contains(i)) {
      std::vector<std::string> ids;
      for (const auto id : jobs[i]) {
        ids.push_back(std::to_string(id));
      }
      parts.push_back(fmt::format("ec2dl job {}", util::join(ids, ", ")));
    }
    if (procs.contains(i)) {
      // A few pids name the holders; a server listing thousands gets a count, not a wall.
      const auto& all = procs[i];
      std::vector<std::string> pids;
      for (std::size_t k = 0; k < all.size() && k < 8; ++k) {
        pids.push_back(std::to_string(all[k]));
      }
      if (all.size() > pids.size()) {
        pids.push_back(fmt::format("{} more", all.size() - pids.size()));
      }
      parts.push_back(fmt::format("{} compute process{} (pid {})", all.size(),
                                  all.size() == 1 ? "" : "es", util::join(pids, ", ")));
    }
    return util::join(parts, " and ");
  };

  GpuChoice out;
  if (!request.automatic) {
    std::set<int> seen;
    for (const auto& id : request.ids) {
      const auto index = find_gpu(id, facts.gpus);
      if (!index) {
        return fail(ErrorKind::not_found,
                    fmt::format("--gpu: the server has no GPU {} (it has {} GPU{}: 0 to {})", id,
                                facts.gpus.size(), facts.gpus.size() == 1 ? "" : "s",
                                facts.gpus.size() - 1),
                    "ec2dl gpu shows them");
      }
      if (!seen.insert(*index).second) {
        return fail(ErrorKind::usage, fmt::format("--gpu: GPU {} is listed twice", *index));
      }
      out.indexes.push_back(*index);
      if (auto who = holders(*index); !who.empty()) {
        out.notices.push_back(fmt::format("GPU {} is in use by {}", *index, who));
      }
    }
    out.visible = util::join(request.ids, ",");
    return out;
  }

  std::vector<const GpuState*> free;
  for (const auto& g : facts.gpus) {
    if (!procs.contains(g.index) && !jobs.contains(g.index)) {
      free.push_back(&g);
    }
  }
  std::stable_sort(free.begin(), free.end(), [](const GpuState* a, const GpuState* b) {
    const double fa = a->free_mib.value_or(-1);
    const double fb = b->free_mib.value_or(-1);
    if (fa != fb) {
      return fa > fb;
    }
    return a->index < b->index;
  });
  if (static_cast<int>(facts.gpus.size()) < request.count) {
    // Waiting cannot help: the server has fewer GPUs than asked for.
    return fail(ErrorKind::not_found,
                fmt::format("--gpu auto:{}: the server has only {} GPU{}", request.count,
                            facts.gpus.size(), facts.gpus.size() == 1 ? "" : "s"),
                "ask for at most that many, or use a bigger server (ec2dl gpu shows them)");
  }
  if (static_cast<int>(free.size()) < request.count) {
    std::vector<std::string> lines;
    for (const auto& g : facts.gpus) {
      const auto who = holders(g.index);
      lines.push_back(fmt::format("GPU {}: {}", g.index, who.empty() ? "free" : who));
    }
    const auto what = request.count == 1
                          ? std::string("no free GPU")
                          : fmt::format("only {} free GPU{} of the {} asked for", free.size(),
                                        free.size() == 1 ? "" : "s", request.count);
    return fail(ErrorKind::not_found,
                fmt::format("--gpu auto: {} on the server; {}", what, util::join(lines, "; ")),
                "wait for a job to end (ec2dl wait JOB), or name a GPU with --gpu N");
  }
  for (int k = 0; k < request.count; ++k) {
    out.indexes.push_back(free[static_cast<std::size_t>(k)]->index);
  }
  std::vector<std::string> parts;
  for (const int i : out.indexes) {
    parts.push_back(std::to_string(i));
  }
  out.visible = util::join(parts, ",");
  return out;
}

}  // namespace ec2dl::remote
