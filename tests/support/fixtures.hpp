#pragma once

#include <string>

namespace ec2dl::test {

// The repository root, and the folder of the stand-in nvidia-smi and its recorded states
// (tests/fake-gpu, or the folder EC2DL_FAKE_GPU names).
std::string source_dir();
std::string fake_gpu_dir();
// The text of a recorded state file, e.g. fixture("4x-h100", "gpus.csv").
std::string gpu_state_file(const std::string& state, const std::string& file);

// A fresh folder under /tmp (mode 0700, or `mode`), removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ec2dl-test", unsigned mode = 0700);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

}  // namespace ec2dl::test
