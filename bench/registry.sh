#!/usr/bin/env bash
# shellcheck disable=SC2016  # the timed commands are single-quoted on purpose: bash -c expands them
# A registry of thousands of ended jobs: `ps`, `ps -n 5` and `tail -n 10` of the newest job,
# ec2dl against plain ssh in the same run (`ssh 'ps -ef | grep python'`, `ssh tail -n 10
# LOG`), against the sandbox sshd on 127.0.0.1. The job folders are written as `ec2dl run`
# leaves them (an exit record, name, command, workdir, log, pid, started). The first `ps`
# after they are written is timed on its own ("cold": it keeps each ended job's record);
# every other case is the median of N runs, the tools taking turns. Needs root (the
# sandbox creates its users).
#
#   bench/registry.sh [--jobs N] [--runs N] [--ec2dl PATH]
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
jobs=5000
runs=5
ec2dl=${EC2DL_BIN:-$repo/build/ec2dl}
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --ec2dl) ec2dl=$2; shift 2 ;;
    *) echo "registry.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done

sandbox_dir=$(mktemp -d /tmp/ec2dl-bench-registry-XXXXXX)
cleanup() {
  "$repo/scripts/sandbox.sh" stop --dir "$sandbox_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$repo/scripts/sandbox.sh" start --dir "$sandbox_dir" >/dev/null
# shellcheck disable=SC1091
. "$sandbox_dir/env"

# N ended jobs, as the wrapper leaves them.
runuser -u "$SANDBOX_USER" -- bash -c '
  set -e
  umask 077
  base=$HOME/.ec2dl/jobs
  mkdir -p "$base"
  now=$(date +%s)
  for i in $(seq 1 "$1"); do
    d=$base/$i
    mkdir "$d"
    echo "run-$i" >"$d/name"
    echo "python3 train.py --lr 0.$i" >"$d/command"
    echo "$HOME" >"$d/workdir"
    echo "$d/output.log" >"$d/log"
    echo "epoch 1 loss 0.$i" >"$d/output.log"
    echo $((10000 + i)) >"$d/pid"
    echo $((now - 3600 + i)) >"$d/started"
    printf "status 0\nended %s\n" $((now - 1800 + i)) >"$d/exit"
  done' sh "$jobs"
newest_log=$SANDBOX_HOME/.ec2dl/jobs/$jobs/output.log

declare -A times
measure() {  # name command (bash -c, with the variables exported)
  local start end
  start=$(date +%s.%N)
  bash -c "$2" >/dev/null 2>&1 || { echo "registry.sh: '$1' failed" >&2; exit 1; }
  end=$(date +%s.%N)
  times[$1]="${times[$1]:-} $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
}
median() { tr ' ' '\n' <<<"${times[$1]}" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
export ec2dl SANDBOX_CLIENT_HOME SANDBOX_SSH_CONFIG newest_log

e2='env HOME="$SANDBOX_CLIENT_HOME" "$ec2dl" -q -H sandbox'
measure "ps ec2dl (cold)" "$e2 ps"
for _ in $(seq 1 "$runs"); do
  measure "ps ec2dl" "$e2 ps"
  measure "ps -n 5 ec2dl" "$e2 ps -n 5"
  measure "ps ssh" 'ssh -F "$SANDBOX_SSH_CONFIG" sandbox "ps -ef | grep python"'
  measure "tail ec2dl" "$e2 tail -n 10"
  measure "tail ssh" 'ssh -F "$SANDBOX_SSH_CONFIG" sandbox "tail -n 10 $newest_log"'
done

echo "registry of $jobs ended jobs, loopback sshd, median of $runs runs, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
printf '%-20s %8s\n' case seconds
for c in "ps ec2dl (cold)" "ps ec2dl" "ps -n 5 ec2dl" "ps ssh" "tail ec2dl" "tail ssh"; do
  printf '%-20s %8.3f\n' "$c" "$(median "$c")"
done
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo "ps / ssh ps: $(ratio "ps ec2dl" "ps ssh");  ps -n 5 / ssh ps: $(ratio "ps -n 5 ec2dl" "ps ssh");  tail / ssh tail: $(ratio "tail ec2dl" "tail ssh")"
