// Hostile input for every parser of what a server sends (nvidia-smi CSV, the job registry
// listing, /proc and ps output, transfer manifests, script sections, logs) and of the local
// config files: random bytes, and real captured output mutated at random. Each parser must
// return (an error is fine) without crashing, hanging, or reading out of bounds; the
// sanitizer build of the suite runs these too. Recognisably garbage input never yields a
// value the user would mistake for data.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ec2dl/core/profiles.hpp"
#include "ec2dl/core/ssh_config.hpp"
#include "ec2dl/remote/ignore.hpp"
#include "ec2dl/remote/job.hpp"
#include "ec2dl/remote/job_gpu.hpp"
#include "ec2dl/remote/job_join.hpp"
#include "ec2dl/remote/job_log.hpp"
#include "ec2dl/remote/manifest.hpp"
#include "ec2dl/remote/nvidia_smi.hpp"
#include "ec2dl/remote/procfs.hpp"
#include "ec2dl/remote/sections.hpp"
#include "ec2dl/util/strings.hpp"
#include "support/fixtures.hpp"
#include "support/process.hpp"

namespace ec2dl {
namespace {

using namespace std::string_literals;

// Real inputs the parsers are made for, to mutate from.
std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const char* state :
       {"4x-h100", "h100-load", "h200-mig-load", "l40s-load", "rtx2080s-610-idle"}) {
    out.push_back(test::gpu_state_file(state, "gpus.csv"));
    out.push_back(test::gpu_state_file(state, "apps.csv"));
  }
  for (const char* file : {"/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/uptime",
                           "/proc/self/stat", "/proc/1/stat"}) {
    out.push_back(test::read_text(file));
  }
  // A job listing and a manifest in the shapes the scripts print them: NUL-separated fields.
  out.push_back("job\0001\0name\0train\0status\0running\0pid\0123\0"s);
  out.push_back("f\000100\0001700000000\000644\0a/b c\0d\0000\0001700000000\000755\0a\0"s);
  out.push_back("Host gpu1\n  HostName 1.2.3.4\n  Port 22\nMatch host x\n  User y\n");
  out.push_back(
      "[hosts.gpu1]\nhost = \"ec2-user@1.2.3.4\"\nport = 22\n[defaults]\nhost=\"gpu1\"\n");
  out.push_back("line 1\r50%\r100%\nline \x1b[31mred\x1b[0m\n\ttab\n");
  return out;
}

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 5);
  std::uniform_int_distribution<int> byte(0, 255);
  const int edits = 1 + static_cast<int>(rng() % 16);
  for (int i = 0; i < edits; ++i) {
    const std::size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0:  // flip a byte
        if (!s.empty()) {
          s[pos] = static_cast<char>(byte(rng));
        }
        break;
      case 1:  // insert a special byte
        s.insert(pos, 1, "\0\n\r,\x1b[\"' \\%\xff"[rng() % 13]);
        break;
      case 2:  // cut
        s.erase(pos, rng() % 64);
        break;
      case 3:  // duplicate a slice
        if (!s.empty()) {
          s.insert(pos, s.substr(rng() % s.size(), rng() % 256));
        }
        break;
      case 4:  // a huge number
        s.insert(pos, "99999999999999999999999999999");
        break;
      default:  // a separator run
        s.insert(pos, std::string(rng() % 100, ", "[rng() % 2]));
        break;
    }
  }
  return s;
}

std::string random_bytes(std::mt19937& rng, std::size_t max_len) {
  std::string s(rng() % max_len, '\0');
  for (auto& c : s) {
    c = static_cast<char>(rng() & 0xFF);
  }
  return s;
}

// Every parser, fed one input. Results are consumed so nothing is optimised away.
std::size_t feed_all(const std::string& input) {
  std::size_t sink = 0;
  if (auto r = remote::parse_nvidia_csv(input, {"process_name"})) {
    sink += r->rows.size();
  }
  if (auto r = remote::parse_gpus(input)) {
    sink += r->size();
  }
  if (auto r = remote::parse_gpu_apps(input)) {
    sink += r->size();
  }
  sink += remote::nvidia_number(input).has_value() ? 1 : 0;
  sink += remote::parse_gpu_facts(input).gpus.size();
  if (auto r = remote::parse_gpu_spec(input)) {
    ++sink;
  }
  if (auto r = remote::parse_listing(input)) {
    sink += r->jobs.size();
  }
  if (auto r = remote::parse_launch_output(input)) {
    ++sink;
  }
  if (auto r = remote::parse_kill_output(input)) {
    sink += r->size();
  }
  sink += remote::parse_exit_record(input).has_value() ? 1 : 0;
  sink += remote::parse_job_ref(input).text.size();
  sink += remote::parse_job_records(input).size();
  if (auto r = remote::parse_manifest(input)) {
    ++sink;
  }
  sink += remote::parse_sha256sum(input).size();
  sink += remote::parse_proc_stats(input).size();
  sink += remote::parse_task_stats(input).size();
  sink += remote::parse_proc_owners(input).size();
  sink += remote::parse_ps_args(input).size();
  sink += remote::parse_cpu_times(input).size();
  sink += remote::parse_meminfo(input).total.value_or(0) > 0 ? 1 : 0;
  sink += remote::parse_loadavg(input).has_value() ? 1 : 0;
  sink += remote::parse_uptime(input).has_value() ? 1 : 0;
  sink += remote::parse_df_line(input).has_value() ? 1 : 0;
  sink += remote::split_sections(input, "MARK").size();
  for (auto mode : {remote::LogFilter::Mode::raw, remote::LogFilter::Mode::lines,
                    remote::LogFilter::Mode::terminal}) {
    remote::LogFilter filter(mode, 80);
    // Fed in odd-sized pieces, as a stream arrives.
    for (std::size_t pos = 0; pos < input.size(); pos += 7) {
      sink += filter.feed(std::string_view(input).substr(pos, 7)).size();
    }
    sink += filter.finish().size();
  }
  remote::IgnoreRules rules;
  rules.add_file("", input);
  sink += rules.excluded("a/b.txt", false) ? 1 : 0;
  if (auto r = core::SshConfig::parse(input, "fuzz", "/nonexistent")) {
    sink += r->aliases().size();
  }
  if (auto r = core::ProfileConfig::parse(input, "fuzz.toml")) {
    ++sink;
  }
  sink += util::sanitize_for_terminal(input).size();
  return sink;
}

TEST(ParsersFuzz, RandomBytes) {
  std::mt19937 rng(1127);
  for (int i = 0; i < 1500; ++i) {
    feed_all(random_bytes(rng, i % 10 == 0 ? 65536 : 512));
  }
}

TEST(ParsersFuzz, MutatedRealOutput) {
  std::mt19937 rng(2026);
  const auto originals = seeds();
  for (int i = 0; i < 3000; ++i) {
    feed_all(mutate(originals[rng() % originals.size()], rng));
  }
}

TEST(ParsersFuzz, HugeInputsAreHandledInOnePass) {
  // 8 MiB of one line, of many short lines, and of separators: parsers must not go
  // quadratic or recurse on them (the suite's timeout would catch a hang).
  feed_all(std::string(8u << 20, 'x'));
  std::string lines;
  for (int i = 0; i < 400000; ++i) {
    lines += "1, 2, 3\n";
  }
  feed_all(lines);
  feed_all(std::string(4u << 20, ','));
  feed_all(std::string(4u << 20, '\r'));
  feed_all(std::string(4u << 20, '\0'));
}

TEST(ParsersFuzz, GarbageIsNeverTakenForGpuNumbers) {
  for (const char* cell : {"[N/A]", "N/A", "[Not Supported]", "[Insufficient Permissions]", "", " ",
                           "nan", "inf", "-", "1e999", "0x1E81", "12abc", "\xff"}) {
    EXPECT_FALSE(remote::nvidia_number(cell).has_value()) << cell;
  }
}

}  // namespace
}  // namespace ec2dl
