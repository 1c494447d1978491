#!/usr/bin/env bash
# How long a new user waits: a `git clone` of this repository into an empty folder (nothing
# beside it), then the README's first command, `scripts/demo.sh`, timed from start to its
# last recipe. Packages are expected to be installed already (the first run of
# scripts/setup.sh installs them; that is apt's time, not ours). Also times the build of the
# ec2dl target alone, and of everything (the tests too), without any compiler cache.
#
#   bench/first_run.sh [--keep]     as root; --keep leaves the clone for a look
# Target (docs/performance.md): clone to the end of the demo in under 3 minutes on 2 cores.
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
keep=0
[ "${1:-}" = --keep ] && keep=1
work=$(mktemp -d /tmp/ec2dl-first-run-XXXXXX)
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
chmod 755 "$work"  # the sandbox users live below it
mkdir -m 700 "$work/home"
export CCACHE_DISABLE=1
unset CMAKE_CXX_COMPILER_LAUNCHER EC2DL_FAKE_GPU

load=$(cut -d" " -f1-3 /proc/loadavg)
git clone -q "$repo" "$work/empty/ec2dl"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(now_ms)
HOME=$work/home "$work/empty/ec2dl/scripts/demo.sh" --dir "$work/sandbox" --stop \
  </dev/null >"$work/demo.log" 2>&1 || { tail -30 "$work/demo.log"; echo "first_run: the demo failed" >&2; exit 1; }
demo=$(($(now_ms) - start))

# The build alone, again from nothing: the ec2dl target (what the demo builds), then the rest.
rm -rf "$work/build"
cmake -S "$work/empty/ec2dl" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
t0=$(now_ms)
cmake --build "$work/build" -j "$(nproc)" --target ec2dl >/dev/null
t1=$(now_ms)
cmake --build "$work/build" -j "$(nproc)" >/dev/null
t2=$(now_ms)

echo "cores $(nproc), load average at the start: $load"
echo "clone to the end of the demo: $((demo / 1000)) s"
echo "build of the ec2dl target from nothing: $(((t1 - t0) / 1000)) s"
echo "build of the tests after it: $(((t2 - t1) / 1000)) s"
