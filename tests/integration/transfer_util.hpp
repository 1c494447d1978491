// Helpers shared by the transfer integration tests (push, pull, edit).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "ec2dl/remote/quote.hpp"
#include "support/process.hpp"
#include "support/sandbox.hpp"
#include "support/text.hpp"

namespace ec2dl::test {

// A private local folder, removed with everything in it at the end of the test.
class LocalDir {
 public:
  LocalDir() {
    char tmpl[] = "/tmp/ec2dl-xfer-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = tmpl;
  }
  LocalDir(const LocalDir&) = delete;
  LocalDir& operator=(const LocalDir&) = delete;
  ~LocalDir() {
    run_process({"umount", "-l", m_path + "/full"});
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& rel) const { return m_path + "/" + rel; }

 private:
  std::string m_path;
};

// Runs an sh script locally (as the test user) in `cwd`.
inline ProcessResult local_sh(const std::string& script, const std::string& cwd = "/") {
  RunOptions options;
  options.cwd = cwd;
  options.timeout_s = 300;
  return run_process({"/bin/sh", "-c", script}, options);
}

// What a user compares after a copy: every entry below the current folder with its type,
// mode, size and mtime (not for links), link targets, and the SHA-256 of every file.
inline const char* k_listing =
    "export LC_ALL=C; find . -mindepth 1 "
    "\\( -type l -printf 'l %P -> %l\\n' \\) -o "
    "\\( -type d -printf 'd %m %Ts %P\\n' \\) -o "
    "\\( -type f -printf 'f %m %s %Ts %P\\n' \\) | sort; "
    "find . -type f -print0 | sort -z | xargs -0 -r sha256sum";

inline std::string local_listing(const std::string& dir) {
  auto r = local_sh(std::string("cd ") + remote::shell_quote(dir) + " && { " + k_listing + "; }");
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

inline std::string remote_listing(const std::string& dir) {
  auto r = sandbox().as_user("cd " + dir + " && { " + k_listing + "; }");
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

// A tree of the kind that breaks naive copies: hostile names (spaces, quotes, $(...),
// newlines, backslashes, non-UTF-8 bytes, a leading dash, glob characters), empty files and
// folders, several modes and mtimes, and relative, absolute and dangling symlinks.
inline const char* k_hostile_tree =
    "set -e; mkdir -p src/'with space' src/'empty dir' \"src/$(printf 'nl\\ndir')\" src/deep/a/b; "
    "printf hello > \"src/with space/it's \\\"quoted\\\".txt\"; "
    ": > src/empty.txt; "
    "printf dollar > 'src/$(touch pwned)'; "
    "printf back > 'src/back\\slash'; "
    "printf bin > \"src/$(printf 'bad\\377\\376name')\"; "
    "printf nl > \"src/$(printf 'nl\\ndir')/$(printf 'new\\nline')\"; "
    "printf dash > src/-n; printf glob > 'src/*'; printf deep > src/deep/a/b/c; "
    "head -c 300000 /dev/urandom > src/random.bin; "
    "printf '#!/bin/sh\\necho hi\\n' > src/run.sh; chmod 755 src/run.sh; "
    "chmod 600 src/empty.txt; chmod 640 'src/$(touch pwned)'; chmod 751 'src/with space'; "
    "chmod 700 src/'empty dir'; "
    "ln -s \"with space/it's \\\"quoted\\\".txt\" src/link-rel; ln -s /etc/hostname src/link-abs; "
    "ln -s nowhere src/dangling; "
    "touch -d @1500000000 src/random.bin src/empty.txt; touch -d @1400000000 src/deep/a/b/c; "
    "touch -d @1300000000 src/deep/a/b src/deep/a src/deep 'src/with space' src/'empty dir' src";

inline std::uint64_t parse_size(const std::string& text) {
  try {
    return std::stoull(text);
  } catch (...) {
    return 0;
  }
}

}  // namespace ec2dl::test
