#!/usr/bin/env bash
# Runs the whole test suite from a bare Debian 12 machine (as root): installs what is
# missing, builds, and runs every test with ctest (every tier: unit, shell, lint, fuzz,
# integration against real sshd sandboxes, fault, package); then builds again with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs the suite once more, failing on
# any sanitizer report. The sanitizer pass leaves out the package tier and the slow-link
# half of the fault tier (docs/testing.md says why).
#
#   scripts/test.sh [--quick] [CTEST_ARGS...]   --quick: skip the sanitizer pass
#   e.g. scripts/test.sh --quick -R integration_exec
#        scripts/test.sh --quick -L 'unit|shell|lint'     the fast tiers, in seconds
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
build_dir=${EC2DL_BUILD_DIR:-$repo/build}
asan_dir=${EC2DL_ASAN_BUILD_DIR:-$repo/build-asan}
quick=0
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
jobs=$(nproc)

echo "== build and test ($build_dir)" >&2
"$here/setup.sh" --build-dir "$build_dir"
started=$(date +%s)
(cd "$build_dir" && ctest --output-on-failure -j "$jobs" "$@")
echo "== plain pass: $(($(date +%s) - started)) s" >&2

[ "$quick" = 1 ] && exit 0

echo "== the same suite under ASan and UBSan ($asan_dir)" >&2
"$here/setup.sh" --sanitize --build-dir "$asan_dir"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export ASAN_OPTIONS="log_path=$reports/asan:exitcode=86:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
status=0
# Under the sanitizers the code paths matter, not the link: the package tier checks the
# .deb's contents, and the slow-link fault half runs the same reconnect code as the plain one.
asan_filter=(-E '^fault_slow$' -LE '^package$')
[ $# -gt 0 ] && asan_filter=()
(cd "$asan_dir" && ctest --output-on-failure -j "$jobs" "${asan_filter[@]}" "$@") || status=$?
if [ -n "$(ls -A "$reports")" ]; then
  echo "sanitizer reports:" >&2
  for f in "$reports"/*; do echo "---- $f" >&2; cat "$f" >&2; done
  echo "FAILED: the sanitizers reported problems" >&2
  exit 1
fi
exit "$status"
