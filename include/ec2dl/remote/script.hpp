#pragma once

#include <string_view>

namespace ec2dl::remote {

// A remote sh script kept as src/remote/scripts/NAME.sh and embedded into the binary at build
// time; every one is a constant in ec2dl::remote::scripts (ec2dl/remote/scripts.hpp).
struct Script {
  std::string_view name;  // "job_launch"
  std::string_view text;  // the file's bytes
};

}  // namespace ec2dl::remote
