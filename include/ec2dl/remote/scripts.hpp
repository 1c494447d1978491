#pragma once

#include <string_view>

namespace ec2dl::remote {

// The text of a remote sh script kept as src/remote/scripts/NAME.sh and embedded into the
// binary at build time. An unknown name is a programming error: it aborts.
std::string_view script(std::string_view name);

}  // namespace ec2dl::remote
