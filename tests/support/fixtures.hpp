#pragma once

#include <string>

namespace ec2dl::test {

// The repository root, and the folder of the stand-in nvidia-smi and its recorded states.
std::string source_dir();
std::string fake_gpu_dir();
// The text of a recorded state file, e.g. fixture("4x-h100", "gpus.csv").
std::string gpu_state_file(const std::string& state, const std::string& file);

}  // namespace ec2dl::test
