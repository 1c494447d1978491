// main() of every integration test binary: one sandbox for the whole binary, started by the
// first test that asks for it (a binary that never does, such as packaging or the fault tests
// with their own namespaced server, starts none), and its sshd.log printed when a test fails.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>

#include "support/sandbox.hpp"

namespace ec2dl::test {

namespace {

std::unique_ptr<Sandbox> g_sandbox;

class SandboxEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { g_sandbox.reset(); }
};

class DumpSshdLogOnFailure : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result() != nullptr && info.result()->Failed() && g_sandbox) {
      auto log = g_sandbox->sshd_log();
      if (log.size() > 6000) {
        log = "...\n" + log.substr(log.size() - 6000);
      }
      std::cerr << "---- sshd.log (tail) ----\n" << log << "---- end of sshd.log ----\n";
    }
  }
};

}  // namespace

Sandbox& sandbox() {
  if (!g_sandbox) {
    g_sandbox = std::make_unique<Sandbox>();
  }
  return *g_sandbox;
}

}  // namespace ec2dl::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new ec2dl::test::SandboxEnvironment);
  ::testing::UnitTest::GetInstance()->listeners().Append(new ec2dl::test::DumpSshdLogOnFailure);
  return RUN_ALL_TESTS();
}
