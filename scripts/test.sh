#!/usr/bin/env bash
# Runs the whole test suite from a bare Debian 12 machine (as root): installs what is
# missing, builds, and runs every test with ctest: unit tests, shell-script tests under dash
# and bash, shellcheck, and the integration tests against real sshd sandboxes.
#
#   scripts/test.sh [CTEST_ARGS...]      e.g. scripts/test.sh -R integration_exec
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
build_dir=${EC2DL_BUILD_DIR:-$repo/build}

"$here/setup.sh" --build-dir "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
