#!/usr/bin/env bash
# shellcheck disable=SC2016  # the timed commands are single-quoted on purpose: bash -c expands them
# Push and pull over a slow, lossy link, ec2dl against scp in the same run: the sandbox
# server in its own network namespace (scripts/sandbox.sh start --netns), 1 % of its packets
# dropped at random (nftables), and a relay adding 50 ms in each direction (100 ms round
# trip; the kernel may lack sch_netem, so tc netem is not used). Prints the median of N
# runs per case and the ratios. Needs root and a build with the tests (for the relay).
#
#   bench/slow_link.sh [--runs N] [--size-mib N] [--loss PCT] [--rtt-ms N] [--ec2dl PATH]
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
runs=3
size_mib=64
loss=1
rtt_ms=100
ec2dl=${EC2DL_BIN:-$repo/build/ec2dl}
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --loss) loss=$2; shift 2 ;;
    --rtt-ms) rtt_ms=$2; shift 2 ;;
    --ec2dl) ec2dl=$2; shift 2 ;;
    *) echo "slow_link.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done
relay=$(dirname -- "$ec2dl")/tests/ec2dl_delay_relay
[ -x "$relay" ] || { echo "slow_link.sh: no delay relay at $relay (build the tests)" >&2; exit 1; }

sandbox_dir=$(mktemp -d /tmp/ec2dl-bench-slow-XXXXXX)
work=$(mktemp -d /dev/shm/ec2dl-bench-slow-XXXXXX)
relay_pid=
cleanup() {
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
  "$repo/scripts/sandbox.sh" stop --dir "$sandbox_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$repo/scripts/sandbox.sh" start --dir "$sandbox_dir" --netns >/dev/null
# shellcheck disable=SC1091
. "$sandbox_dir/env"
"$repo/scripts/sandbox.sh" loss "$loss" --dir "$sandbox_dir"

rport=$((20000 + RANDOM % 12000))
"$relay" "$rport" "$SANDBOX_HOST" "$SANDBOX_PORT" "$((rtt_ms / 2))" >"$work/relay.out" 2>&1 &
relay_pid=$!
for _ in $(seq 1 100); do grep -q ready "$work/relay.out" && break; sleep 0.05; done
key=$(cut -d' ' -f1,2 "$sandbox_dir/etc/ssh_host_ed25519_key.pub")
printf '[127.0.0.1]:%s %s\n' "$rport" "$key" >"$work/known_hosts"
cat >"$work/ssh_config" <<CONF
Host slow
  HostName 127.0.0.1
  Port $rport
  User $SANDBOX_USER
  IdentityFile $SANDBOX_KEY
  UserKnownHostsFile $work/known_hosts
CONF
cp "$work/ssh_config" "$SANDBOX_CLIENT_HOME/.ssh/config"
cp "$work/known_hosts" "$SANDBOX_CLIENT_HOME/.ssh/known_hosts"

head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/big"
mkdir -p "$work/back"
remote_dir=$SANDBOX_HOME/bench
runuser -u "$SANDBOX_USER" -- sh -c "mkdir -p '$remote_dir' && head -c $((size_mib * 1024 * 1024)) /dev/urandom > '$remote_dir/src'"

declare -A times
measure() {  # name command (bash -c, with the variables exported)
  local start end
  start=$(date +%s.%N)
  bash -c "$2" >/dev/null 2>&1 || { echo "slow_link.sh: '$1' failed" >&2; exit 1; }
  end=$(date +%s.%N)
  times[$1]="${times[$1]:-} $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
}
median() { tr ' ' '\n' <<<"${times[$1]}" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
export ec2dl work SANDBOX_CLIENT_HOME remote_dir

for _ in $(seq 1 "$runs"); do
  runuser -u "$SANDBOX_USER" -- rm -f "$remote_dir/big"
  measure "push ec2dl" 'env HOME="$SANDBOX_CLIENT_HOME" "$ec2dl" -q -H slow push "$work/big" "$remote_dir/"'
  runuser -u "$SANDBOX_USER" -- rm -f "$remote_dir/big"
  measure "push scp" 'scp -q -F "$work/ssh_config" "$work/big" "slow:$remote_dir/"'
  rm -f "$work/back/src"
  measure "pull ec2dl" 'env HOME="$SANDBOX_CLIENT_HOME" "$ec2dl" -q -H slow pull "$remote_dir/src" "$work/back/"'
  rm -f "$work/back/src"
  measure "pull scp" 'scp -q -F "$work/ssh_config" "slow:$remote_dir/src" "$work/back/"'
done

echo "slow link: ${rtt_ms} ms round trip, ${loss} % loss, ${size_mib} MiB, median of $runs runs, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
printf '%-10s %9s %9s %11s %11s %7s\n' case ec2dl scp ec2dl-MiB/s scp-MiB/s ratio
for dir in push pull; do
  a=$(median "$dir ec2dl")
  b=$(median "$dir scp")
  awk -v c="$dir" -v a="$a" -v b="$b" -v m="$size_mib" \
    'BEGIN { printf "%-10s %8.2fs %8.2fs %11.1f %11.1f %6.2fx\n", c, a, b, m / a, m / b, a / b }'
done
