// Packaging: the .deb that cpack builds from this build tree, unpacked into a clean prefix,
// runs and carries the man page and completion scripts; `cmake --install` installs the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "support/fixtures.hpp"
#include "support/sandbox.hpp"

namespace ec2dl::test {
namespace {

namespace fs = std::filesystem;

std::string build_dir() {
  return fs::path(EC2DL_BINARY).parent_path().string();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

// The version the build tree's binary reports ("ec2dl 0.1.0" -> "0.1.0").
std::string built_version() {
  const auto r = run_process({EC2DL_BINARY, "--version"});
  EXPECT_EQ(r.status, 0);
  const auto text = trimmed(r.out);
  return text.substr(text.rfind(' ') + 1);
}

class Package : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new TempDir();
    const auto r = run_process({"cpack", "-G", "DEB", "-B", s_dir->path() + "/out", "--config",
                                build_dir() + "/CPackConfig.cmake"},
                               {.timeout_s = 600, .cwd = build_dir()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    for (const auto& e : fs::directory_iterator(s_dir->path() + "/out")) {
      if (e.path().extension() == ".deb") {
        s_deb = e.path().string();
      }
    }
    ASSERT_FALSE(s_deb.empty()) << r.out;
    const auto x = run_process({"dpkg", "-x", s_deb, s_dir->path() + "/root"});
    ASSERT_EQ(x.status, 0) << x.err;
  }
  static void TearDownTestSuite() {
    delete s_dir;
    s_dir = nullptr;
  }
  static std::string root() { return s_dir->path() + "/root"; }
  static std::string field(const std::string& name) {
    return trimmed(run_process({"dpkg-deb", "-f", s_deb, name}).out);
  }
  static TempDir* s_dir;
  static std::string s_deb;
};

TempDir* Package::s_dir = nullptr;
std::string Package::s_deb;

TEST_F(Package, InstalledBinaryRunsFromACleanPrefix) {
  const auto bin = root() + "/usr/bin/ec2dl";
  ASSERT_TRUE(fs::exists(bin));
  // Run with a bare environment, nothing from the build tree on PATH.
  const auto r = run_process({bin, "--version"}, {.env = {{"PATH", "/usr/bin:/bin"}}});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(trimmed(r.out), "ec2dl " + built_version());
  const auto help = run_process({bin, "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("hosts"), std::string::npos);
}

TEST_F(Package, ControlFieldsDescribeThePackage) {
  EXPECT_EQ(field("Package"), "ec2dl");
  EXPECT_EQ(field("Version"), built_version());
  EXPECT_EQ(field("Architecture"), trimmed(run_process({"dpkg", "--print-architecture"}).out));
  const auto depends = field("Depends");
  EXPECT_NE(depends.find("libssh"), std::string::npos) << depends;
  EXPECT_NE(depends.find("libc6"), std::string::npos) << depends;
  EXPECT_FALSE(field("Description").empty());
  EXPECT_FALSE(field("Maintainer").empty());
}

// Every package named in Depends exists and can be satisfied: apt resolves the .deb as it
// would install it (simulated, so this machine is left as it is).
TEST_F(Package, AptCanInstallItWithItsDependencies) {
  const auto r = run_process({"apt-get", "install", "--simulate", "-q", s_deb}, {.timeout_s = 300});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Inst ec2dl "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("unmet dependencies"), std::string::npos) << r.out;
}

TEST_F(Package, CarriesTheManPageCompletionsAndDocs) {
  const auto man = root() + "/usr/share/man/man1/ec2dl.1.gz";
  ASSERT_TRUE(fs::exists(man));
  const auto page = run_process({"man", "-P", "cat", "-l", man}, {.env = {{"MANWIDTH", "100"}}});
  EXPECT_EQ(page.status, 0) << page.err;
  EXPECT_NE(page.out.find("EC2DL(1)"), std::string::npos);
  EXPECT_NE(page.out.find("ec2dl hosts add"), std::string::npos);
  EXPECT_TRUE(fs::exists(root() + "/usr/share/bash-completion/completions/ec2dl"));
  EXPECT_TRUE(fs::exists(root() + "/usr/share/zsh/vendor-completions/_ec2dl"));
  EXPECT_TRUE(fs::exists(root() + "/usr/share/fish/vendor_completions.d/ec2dl.fish"));
  EXPECT_TRUE(fs::exists(root() + "/usr/share/doc/ec2dl/copyright"));
  // The installed bash completion works with the installed binary.
  const auto r = run_process({"bash", "-c",
                              "source \"$1/usr/share/bash-completion/completions/ec2dl\"; "
                              "COMP_WORDS=(\"$1/usr/bin/ec2dl\" "
                              "hos); COMP_CWORD=1; _ec2dl; printf '%s\\n' \"${COMPREPLY[@]}\"",
                              "bash", root()});
  EXPECT_EQ(r.out, "hosts\n") << r.err;
}

TEST_F(Package, EveryFileIsUnderUsr) {
  const auto r = run_process({"dpkg-deb", "-c", s_deb});
  ASSERT_EQ(r.status, 0);
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const auto path = line.substr(line.rfind(' ') + 1);
    EXPECT_TRUE(path == "./" || path.starts_with("./usr/")) << path;
  }
}

TEST(Install, CmakeInstallPutsTheBinaryAndManPageInThePrefix) {
  TempDir dir;
  const auto r =
      run_process({"cmake", "--install", build_dir(), "--prefix", dir.path()}, {.timeout_s = 300});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto bin = dir.path() + "/bin/ec2dl";
  ASSERT_TRUE(fs::exists(bin));
  EXPECT_EQ(trimmed(run_process({bin, "--version"}).out), "ec2dl " + built_version());
  EXPECT_TRUE(fs::exists(dir.path() + "/share/man/man1/ec2dl.1.gz"));
  const auto page =
      run_process({"man", "-P", "cat", "ec2dl"},
                  {.env = {{"MANPATH", dir.path() + "/share/man"}, {"MANWIDTH", "100"}}});
  EXPECT_EQ(page.status, 0) << page.err;
  EXPECT_NE(page.out.find("CHOOSING THE SERVER"), std::string::npos);
}

}  // namespace
}  // namespace ec2dl::test
