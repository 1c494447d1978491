#include "support/fixtures.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ec2dl::test {

std::string source_dir() {
  return EC2DL_SOURCE_DIR;
}

std::string fake_gpu_dir() {
  if (const char* env = std::getenv("EC2DL_FAKE_GPU"); env != nullptr && env[0] != '\0') {
    return env;
  }
  return (std::filesystem::path(source_dir()) / "tests" / "fake-gpu").string();
}

std::string gpu_state_file(const std::string& state, const std::string& file) {
  const auto path = std::filesystem::path(fake_gpu_dir()) / "states" / state / file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path.string());
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TempDir::TempDir(const std::string& prefix, unsigned mode) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + tmpl);
  }
  ::chmod(tmpl.c_str(), static_cast<mode_t>(mode));
  m_path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

}  // namespace ec2dl::test
