#!/usr/bin/env bash
# The README's first command, as a test: scripts/demo.sh walks through the ten recipes against
# a sandbox of its own (in a private HOME), then stops it. Fails when the demo fails or when
# a recipe's visible result is missing from what it printed.
#
#   tests/demo/demo_test.sh EC2DL_BINARY
set -euo pipefail

bin=$1
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/ec2dl-demo-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # the sandbox users live below it
mkdir -m 700 "$tmp/home"

status=0
HOME=$tmp/home "$repo/scripts/demo.sh" --no-setup --bin "$bin" --dir "$tmp/sandbox" --stop \
  </dev/null >"$tmp/out" 2>&1 || status=$?
cat "$tmp/out"
fail() { echo "demo_test: $1" >&2; exit 1; }
[ "$status" = 0 ] || fail "the demo exited with status $status"

expect() { grep -qF -- "$1" "$tmp/out" || fail "missing from the demo's output: $1"; }
expect "logged in as e2d-"               # 1. login (one command)
expect "epoch 3: loss 0.333"             # 5. tail -f of the first job
expect ", GPU 1, log"                    # 4. gpu-run 1
expect "(auto-pick) started on"          # 4. --gpu auto
expect "saved loss.png"                  # 3. the job ran to its end
expect "loss.png"                        # 10. pulled down
expect "(exit status 3)"                 # a job's real exit status
expect "NVIDIA H100"                     # 7. gpu
expect "job 4 failed with exit code 3"   # ... reported by wait
expect "now killed by SIGTERM"           # kill
expect "uploaded "                       # 9. edit
expect "\$ ec2dl pull '~/*.png' results" # commands are shown as they can be typed
[ -f "$tmp/sandbox/sshd.pid" ] && kill -0 "$(cat "$tmp/sandbox/sshd.pid")" 2>/dev/null &&
  fail "the sandbox still runs after --stop"
[ ! -s "$tmp/home/.ssh/config" ] || ! grep -q "Host sandbox" "$tmp/home/.ssh/config" ||
  fail "the sandbox alias was left in ~/.ssh/config"
echo "demo_test: ok"
