#pragma once
// Small text helpers every kind of test uses: one home, so no test file keeps its own copy.

#include <gtest/gtest.h>

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace ec2dl::test {

// The lines of `text`, without their '\n' (a last line without one is kept).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

inline bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// How many times `what` occurs in `text` (overlapping occurrences counted).
inline std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

// The job id that `ec2dl run -q ...` printed; a failed run or other output fails the test
// and gives -1.
inline long run_q_id(const ProcessResult& r) {
  EXPECT_EQ(r.status, 0) << r.err;
  try {
    std::size_t used = 0;
    const long id = std::stol(r.out, &used);
    if (r.out.substr(used) == "\n" || used == r.out.size()) {
      return id;
    }
  } catch (...) {
  }
  ADD_FAILURE() << "run -q printed: [" << r.out << "] " << r.err;
  return -1;
}

}  // namespace ec2dl::test
