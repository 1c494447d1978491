// nvidia-smi CSV parsing, fed with the recorded states of tests/fake-gpu/states.
#include "ec2dl/remote/nvidia_smi.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "ec2dl/util/strings.hpp"
#include "support/fixtures.hpp"

namespace ec2dl::remote {
namespace {

using test::gpu_state_file;

std::vector<std::string> state_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(test::fake_gpu_dir()) / "states")) {
    if (entry.is_directory()) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool has_file(const std::string& state, const std::string& file) {
  return std::filesystem::exists(std::filesystem::path(test::fake_gpu_dir()) / "states" / state /
                                 file);
}

// Data rows of a CSV file: its non-empty lines after the header.
std::size_t data_rows(const std::string& text) {
  std::size_t n = 0;
  for (const auto& line : util::split(text, '\n')) {
    n += util::trim(line).empty() ? 0 : 1;
  }
  return n == 0 ? 0 : n - 1;
}

TEST(NvidiaNumber, StripsUnitsAndRejectsPlaceholders) {
  EXPECT_EQ(nvidia_number("69.85 W"), 69.85);
  EXPECT_EQ(nvidia_number("81559 MiB"), 81559);
  EXPECT_EQ(nvidia_number(" 100 %"), 100);
  EXPECT_EQ(nvidia_number("41"), 41);
  EXPECT_EQ(nvidia_number("0"), 0);
  for (const char* unknown :
       {"[N/A]", "N/A", "[Not Supported]", "[Insufficient Permissions]", "[Unknown Error]", "",
        "  ", "0x1E81", "Enabled", "Not Active", "P0", "12 34", "nan", "inf"}) {
    EXPECT_EQ(nvidia_number(unknown), std::nullopt) << unknown;
  }
}

TEST(NvidiaText, PlaceholdersAreEmpty) {
  EXPECT_EQ(nvidia_text(" P0 "), "P0");
  EXPECT_EQ(nvidia_text("[N/A]"), "");
  EXPECT_EQ(nvidia_text("N/A"), "");
  EXPECT_EQ(nvidia_text("[Requested functionality has been deprecated]"), "");
}

TEST(NvidiaCsv, HeaderNamesLoseTheirUnits) {
  auto csv = parse_nvidia_csv(gpu_state_file("h100-load", "gpus.csv"));
  ASSERT_TRUE(csv) << csv.error().message();
  EXPECT_TRUE(csv->column("memory.used"));
  EXPECT_TRUE(csv->column("power.draw"));
  EXPECT_TRUE(csv->column("utilization.gpu"));
  EXPECT_FALSE(csv->column("memory.used [MiB]"));
}

TEST(NvidiaCsv, NoHeaderIsAnError) {
  EXPECT_FALSE(parse_nvidia_csv(""));
  EXPECT_FALSE(parse_nvidia_csv("\n\n"));
}

// Every recorded state parses: as many GPUs as rows, each with an index and a UUID, the
// counts nvidia-smi itself reports, and every process joined to one of the GPUs.
TEST(RecordedStates, EveryStateParses) {
  const auto names = state_names();
  ASSERT_GE(names.size(), 7u);
  int with_gpus = 0;
  for (const auto& state : names) {
    SCOPED_TRACE(state);
    if (!has_file(state, "gpus.csv")) {
      // A failing nvidia-smi (no driver): its message and status; see the integration tests.
      EXPECT_TRUE(has_file(state, "fail"));
      continue;
    }
    ++with_gpus;
    const auto text = gpu_state_file(state, "gpus.csv");
    auto csv = parse_nvidia_csv(text, {"name"});
    ASSERT_TRUE(csv) << csv.error().message();
    const auto gpus = gpus_from_csv(*csv);
    ASSERT_EQ(gpus.size(), data_rows(text));
    ASSERT_FALSE(gpus.empty());
    std::set<int> indexes;
    for (std::size_t r = 0; r < gpus.size(); ++r) {
      const auto& g = gpus[r];
      ASSERT_TRUE(g.index.has_value());
      indexes.insert(*g.index);
      EXPECT_TRUE(g.uuid.starts_with("GPU-")) << g.uuid;
      EXPECT_TRUE(g.name.starts_with("NVIDIA")) << g.name;
      EXPECT_EQ(nvidia_number(csv->cell(r, "count")), static_cast<double>(gpus.size()));
      ASSERT_TRUE(g.memory_total_mib && g.memory_used_mib);
      EXPECT_LE(*g.memory_used_mib, *g.memory_total_mib);
      EXPECT_TRUE(g.temperature_c.has_value());
      EXPECT_TRUE(g.power_limit_w.has_value());
      EXPECT_FALSE(g.driver_version.empty());
    }
    EXPECT_EQ(indexes.size(), gpus.size());

    const auto apps_text = gpu_state_file(state, "apps.csv");
    auto apps = parse_gpu_apps(apps_text);
    ASSERT_TRUE(apps) << apps.error().message();
    EXPECT_EQ(apps->size(), data_rows(apps_text));
    for (const auto& a : *apps) {
      EXPECT_NE(gpu_of(a, gpus), nullptr) << a.gpu_uuid;
      EXPECT_TRUE(a.pid.has_value());
      EXPECT_FALSE(a.process_name.empty());
      EXPECT_TRUE(a.used_memory_mib.has_value());
    }
  }
  EXPECT_GE(with_gpus, 6);
}

TEST(RecordedStates, FourH100sUnderLoad) {
  auto gpus = parse_gpus(gpu_state_file("4x-h100", "gpus.csv"));
  ASSERT_TRUE(gpus);
  ASSERT_EQ(gpus->size(), 4u);
  const auto& busy = (*gpus)[2];
  EXPECT_EQ(busy.index, 2);
  EXPECT_EQ(busy.uuid, "GPU-4f1c2a7e-0000-4000-8000-000000000002");
  EXPECT_EQ(busy.name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(busy.utilization_gpu_pct, 100);
  EXPECT_EQ(busy.utilization_memory_pct, 11);
  EXPECT_EQ(busy.memory_used_mib, 19818);
  EXPECT_EQ(busy.memory_total_mib, 81559);
  EXPECT_EQ(busy.temperature_c, 59);
  EXPECT_EQ(busy.power_draw_w, 631.95);
  EXPECT_EQ(busy.power_limit_w, 700);
  EXPECT_EQ(busy.pstate, "P0");
  EXPECT_EQ(busy.fan_speed_pct, std::nullopt);   // "[N/A]" on a passively cooled card
  EXPECT_EQ((*gpus)[0].utilization_gpu_pct, 0);  // a real 0 stays 0

  auto apps = parse_gpu_apps(gpu_state_file("4x-h100", "apps.csv"));
  ASSERT_TRUE(apps);
  ASSERT_EQ(apps->size(), 3u);
  for (const auto& a : *apps) {
    const auto* g = gpu_of(a, *gpus);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->index, 2);  // joined by UUID
  }
  EXPECT_EQ((*apps)[2].pid, 11345);
  EXPECT_EQ((*apps)[2].process_name, "./gpu_burn");
  EXPECT_EQ((*apps)[2].used_memory_mib, 15690);
}

TEST(RecordedStates, MigUtilisationIsUnknownNotZero) {
  auto gpus = parse_gpus(gpu_state_file("h200-mig-load", "gpus.csv"));
  ASSERT_TRUE(gpus);
  ASSERT_EQ(gpus->size(), 1u);
  EXPECT_EQ((*gpus)[0].name, "NVIDIA H200");
  EXPECT_EQ((*gpus)[0].utilization_gpu_pct, std::nullopt);
  EXPECT_EQ((*gpus)[0].utilization_memory_pct, std::nullopt);
  EXPECT_EQ((*gpus)[0].memory_used_mib, 16959);
}

TEST(RecordedStates, ConsumerCardWithFanAndMissingSerial) {
  auto gpus = parse_gpus(gpu_state_file("rtx2080s-610-idle", "gpus.csv"));
  ASSERT_TRUE(gpus);
  ASSERT_EQ(gpus->size(), 1u);
  const auto& g = (*gpus)[0];
  EXPECT_EQ(g.name, "NVIDIA GeForce RTX 2080 SUPER");
  EXPECT_EQ(g.fan_speed_pct, 38);
  EXPECT_EQ(g.temperature_c, 33);
  EXPECT_EQ(g.power_draw_w, 39.17);
  EXPECT_EQ(g.memory_used_mib, 211);
  EXPECT_EQ(g.driver_version, "610.57.04");
}

TEST(NvidiaCsv, ProcessNamesWithCommaSpaceStayWhole) {
  // A recorded row whose command line holds ", " (python -c "a, b" style).
  auto text = gpu_state_file("h100-load", "apps.csv");
  const auto pos = text.find("./gpu_burn");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 10, "python3 train.py --layers 1, 2, 3");
  auto apps = parse_gpu_apps(text);
  ASSERT_TRUE(apps);
  ASSERT_EQ(apps->size(), 3u);
  EXPECT_EQ((*apps)[2].process_name, "python3 train.py --layers 1, 2, 3");
  EXPECT_EQ((*apps)[2].used_memory_mib, 15690);
  EXPECT_EQ((*apps)[2].pid, 11345);

  // The same with process_name last, as ec2dl queries it, and without units.
  auto last = parse_gpu_apps(
      "gpu_uuid, pid, used_gpu_memory [MiB], process_name\n"
      "GPU-00000000-0000-0000-0000-000000000000, 42, 512, python3 a, b, c\n");
  ASSERT_TRUE(last);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].process_name, "python3 a, b, c");
  EXPECT_EQ((*last)[0].used_memory_mib, 512);
}

TEST(NvidiaCsv, MessagesMixedIntoTheOutputAreNotGpus) {
  auto gpus = parse_gpus(
      "index, uuid, name, memory.used [MiB]\n"
      "sh: 1: cannot open /proc/1/environ: Permission denied\n"
      "0, GPU-1, NVIDIA A100, 5\n");
  ASSERT_TRUE(gpus);
  ASSERT_EQ(gpus->size(), 1u);
  EXPECT_EQ((*gpus)[0].memory_used_mib, 5);
}

TEST(NvidiaCsv, ColumnsAreFoundByNameInAnyOrder) {
  auto gpus = parse_gpus(
      "memory.total [MiB], uuid, index, utilization.gpu [%]\n"
      "81559, GPU-a, 3, [Insufficient Permissions]\n");
  ASSERT_TRUE(gpus);
  ASSERT_EQ(gpus->size(), 1u);
  EXPECT_EQ((*gpus)[0].index, 3);
  EXPECT_EQ((*gpus)[0].memory_total_mib, 81559);
  EXPECT_EQ((*gpus)[0].utilization_gpu_pct, std::nullopt);
  EXPECT_EQ((*gpus)[0].power_draw_w, std::nullopt);  // not asked for
}

TEST(GpuOf, JoinsByUuidNotIndex) {
  std::vector<GpuInfo> gpus(2);
  gpus[0].index = 0;
  gpus[0].uuid = "GPU-b";
  gpus[1].index = 1;
  gpus[1].uuid = "GPU-a";
  GpuApp app;
  app.gpu_uuid = "GPU-a";
  ASSERT_NE(gpu_of(app, gpus), nullptr);
  EXPECT_EQ(gpu_of(app, gpus)->index, 1);
  app.gpu_uuid = "GPU-c";
  EXPECT_EQ(gpu_of(app, gpus), nullptr);
  app.gpu_uuid = "";
  EXPECT_EQ(gpu_of(app, gpus), nullptr);
}

}  // namespace
}  // namespace ec2dl::remote
