#include <gtest/gtest.h>

#include <string>

#include "ec2dl/remote/script.hpp"
#include "support/process.hpp"

namespace ec2dl::remote {
namespace {

// Runs a ScriptCall's command line under the local /bin/sh, as sshd would on the server.
test::ProcessResult run_locally(const ScriptCall& call) {
  return test::run_process({"/bin/sh", "-c", call.command()});
}

TEST(ScriptCall, NamedInputsAndArgumentsReachTheScriptByteForByte) {
  const std::string hostile = "a'b \"$(id)\" `id` ;\n*";
  const Script script{"probe", "printf '%s|%s|%s' \"$in_dir\" \"$in_mode\" \"$1\"\n"};
  ScriptCall call{script, {hostile}, {}};
  call.inputs = {{"dir", hostile}, {"mode", "0644"}};
  const auto r = run_locally(call);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, hostile + "|0644|" + hostile);
}

TEST(ScriptCall, AnInputLeftOutIsUnsetNotShifted) {
  const Script script{"probe", "printf '%s|%s' \"${in_a-unset}\" \"$in_b\""};
  ScriptCall call{script, {}, {}};
  call.inputs = {{"b", "2"}};
  const auto r = run_locally(call);
  EXPECT_EQ(r.out, "unset|2");
}

TEST(ScriptCall, TheProcessIsNamedAfterTheScript) {
  const Script script{"probe", "printf '%s' \"$0\""};
  EXPECT_EQ(run_locally(ScriptCall{script, {}, {}}).out, "ec2dl-probe");
}

}  // namespace
}  // namespace ec2dl::remote
