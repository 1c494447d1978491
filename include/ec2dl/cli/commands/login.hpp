#pragma once

#include "ec2dl/core/error.hpp"

namespace CLI {
class App;
}
namespace ec2dl::core {
class Context;
}

namespace ec2dl::cli::login_cmd {

struct Options {};

void setup(CLI::App& app, Options& options);
core::Result<int> run(const Options& options, core::Context& ctx);

}  // namespace ec2dl::cli::login_cmd
