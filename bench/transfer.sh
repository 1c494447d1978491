#!/usr/bin/env bash
# Transfer benchmark: ec2dl push/pull against OpenSSH (scp, rsync -a, cat | ssh 'cat > f')
# in the same run, against the sandbox sshd on 127.0.0.1, with data in /dev/shm on both
# sides (to measure the tools, not the disk). Prints the median of N runs per case, the
# ratios, and ec2dl's peak memory. Needs root (the sandbox creates users).
#
#   bench/transfer.sh [--runs N] [--ec2dl PATH] [--size-mib N] [--files N] [--scp-tree]
#                     [--rtt-ms N [--slow-mib N] [--relay PATH]]
#
#   --runs N       runs per case (default 5); the median is reported
#   --ec2dl PATH   the binary to measure (default: $EC2DL_BIN, else build/ec2dl)
#   --size-mib N   the large file (default 1024)
#   --files N      the small-file tree: N files of 4 KiB in folders of 100 (default 5000)
#   --scp-tree     also time scp -r on the small-file tree (slow)
#   --rtt-ms N     also run over a link with N ms of round-trip time (the delay relay of
#                  the tests, tests/ec2dl_delay_relay in the build folder): a --slow-mib
#                  file (default 64) and 1,000 of the small files, push and pull
#   --relay PATH   the delay relay for --rtt-ms (default: tests/ec2dl_delay_relay beside
#                  the ec2dl binary)
# The commands timed are given in single quotes on purpose: bash -c expands them (SC2016).
# shellcheck disable=SC2016
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
runs=5
ec2dl=${EC2DL_BIN:-$repo/build/ec2dl}
size_mib=1024
files=5000
scp_tree=0
rtt_ms=0
slow_mib=64
relay=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --ec2dl) ec2dl=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --scp-tree) scp_tree=1; shift ;;
    --rtt-ms) rtt_ms=$2; shift 2 ;;
    --slow-mib) slow_mib=$2; shift 2 ;;
    --relay) relay=$2; shift 2 ;;
    *) echo "transfer.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done
[ -x "$ec2dl" ] || { echo "transfer.sh: no ec2dl binary at $ec2dl (build it, or --ec2dl PATH)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "transfer.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
ec2dl=$(cd -- "$(dirname -- "$ec2dl")" && pwd)/$(basename -- "$ec2dl")
[ -n "$relay" ] || relay=$(dirname -- "$ec2dl")/tests/ec2dl_delay_relay
if [ "$rtt_ms" -gt 0 ] && [ ! -x "$relay" ]; then
  echo "transfer.sh: no delay relay at $relay (build the tests, or --relay PATH)" >&2
  exit 1
fi

sandbox_dir=$(mktemp -d /tmp/ec2dl-bench-sandbox.XXXXXX)
work=$(mktemp -d /dev/shm/ec2dl-bench.XXXXXX)
chmod 755 "$work"
relay_pid=
cleanup() {
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; fi
  "$repo/scripts/sandbox.sh" stop --dir "$sandbox_dir" >/dev/null 2>&1 || true
  rm -rf "$work" "$sandbox_dir"
}
trap cleanup EXIT
"$repo/scripts/sandbox.sh" start --dir "$sandbox_dir" >/dev/null
# shellcheck disable=SC1091
. "$sandbox_dir/env"
cfg=$SANDBOX_SSH_CONFIG
user=$SANDBOX_USER

# Local data, and a destination on the server side, both in memory.
src=$work/src
dst=$work/dst      # the server's side (owned by the test user)
back=$work/back    # where pulls land
mkdir -p "$src/tree" "$dst" "$back"
chown "$user:" "$dst"
echo "making data: ${size_mib} MiB file, $files files of 4 KiB..." >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$src/big"
i=0
while [ $i -lt "$files" ]; do
  d=$src/tree/d$((i / 100))
  [ -d "$d" ] || mkdir -p "$d"
  head -c 4096 /dev/urandom >"$d/f$i"
  i=$((i + 1))
done
# The server-side copies pulls read from.
as_user() { runuser -u "$user" -- sh -c "$1"; }
as_user "mkdir -p '$dst/pullsrc' && cp '$src/big' '$dst/pullsrc/big' && cp -r '$src/tree' '$dst/pullsrc/tree'"

e2() { env HOME="$SANDBOX_CLIENT_HOME" "$ec2dl" -q -H sandbox "$@"; }

# compare PREP NAME CMD [NAME CMD]...: runs every CMD once per round, $runs rounds, the tools
# taking turns so that the machine's load weighs on all of them alike; PREP (untimed) runs
# before each command. Records the median seconds of each NAME, and the peak RSS (KiB).
declare -A median peak
compare() {
  local prep=$1 k i t0 t1 rss
  shift
  local -a names=() cmds=()
  while [ $# -gt 0 ]; do
    names+=("$1")
    cmds+=("$2")
    shift 2
  done
  declare -A times=()
  for ((k = 0; k < runs; k++)); do
    for i in "${!names[@]}"; do
      eval "$prep"
      t0=$(date +%s.%N)
      /usr/bin/time -f '%M' -o "$work/rss" bash -c "${cmds[$i]}" >/dev/null
      t1=$(date +%s.%N)
      times[${names[$i]}]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') "
      rss=$(tail -1 "$work/rss")
      if [ "${peak[${names[$i]}]:-0}" -lt "$rss" ]; then peak[${names[$i]}]=$rss; fi
    done
  done
  for i in "${!names[@]}"; do
    # shellcheck disable=SC2086
    median[${names[$i]}]=$(printf '%s\n' ${times[${names[$i]}]} | sort -g |
      awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '  %-28s %8.2f s   (runs: %s)\n' "${names[$i]}" "${median[${names[$i]}]}" \
      "${times[${names[$i]}]% }" >&2
  done
}

export -f e2
export ec2dl SANDBOX_CLIENT_HOME cfg src dst back user

clear_dst='as_user "rm -rf '"'$dst/in'"' && mkdir '"'$dst/in'"'"'
clear_back='rm -rf "$back" && mkdir "$back"'

echo "1) one ${size_mib} MiB file, push" >&2
compare "$clear_dst" \
  "push ec2dl" 'e2 push "$src/big" "$dst/in/"' \
  "push scp" 'scp -q -F "$cfg" "$src/big" "sandbox:$dst/in/"' \
  "push rsync -a" 'rsync -a -e "ssh -F $cfg" "$src/big" "sandbox:$dst/in/"' \
  "push cat | ssh cat" 'ssh -F "$cfg" sandbox "cat > $dst/in/big" < "$src/big"'

echo "2) one ${size_mib} MiB file, pull" >&2
compare "$clear_back" \
  "pull ec2dl" 'e2 pull "$dst/pullsrc/big" "$back/"' \
  "pull scp" 'scp -q -F "$cfg" "sandbox:$dst/pullsrc/big" "$back/"' \
  "pull rsync -a" 'rsync -a -e "ssh -F $cfg" "sandbox:$dst/pullsrc/big" "$back/"' \
  "pull ssh cat > f" 'ssh -F "$cfg" sandbox "cat $dst/pullsrc/big" > "$back/big"'

echo "3) $files files of 4 KiB, push" >&2
tree_push=(
  "tree push ec2dl" 'e2 push "$src/tree" "$dst/in"'
  "tree push rsync -a" 'rsync -a -e "ssh -F $cfg" "$src/tree" "sandbox:$dst/in/"'
  "tree push tar | ssh tar" 'tar -C "$src" -cf - tree | ssh -F "$cfg" sandbox "tar -C $dst/in -xf -"'
)
if [ "$scp_tree" = 1 ]; then
  tree_push+=("tree push scp -r" 'scp -q -r -F "$cfg" "$src/tree" "sandbox:$dst/in/"')
fi
compare "$clear_dst" "${tree_push[@]}"

echo "4) $files files of 4 KiB, pull" >&2
compare "$clear_back" \
  "tree pull ec2dl" 'e2 pull "$dst/pullsrc/tree" "$back"' \
  "tree pull rsync -a" 'rsync -a -e "ssh -F $cfg" "sandbox:$dst/pullsrc/tree" "$back/"'

echo "5) the same tree again, unchanged (no-op)" >&2
as_user "rm -rf '$dst/in' && mkdir '$dst/in'"
e2 push "$src/tree" "$dst/in"
rsync -a -e "ssh -F $cfg" "$src/tree" "sandbox:$dst/rs/"
compare ":" \
  "no-op push ec2dl" 'e2 push "$src/tree" "$dst/in"' \
  "no-op push rsync -a" 'rsync -a -e "ssh -F $cfg" "$src/tree" "sandbox:$dst/rs/"'

if [ "$rtt_ms" -gt 0 ]; then
  # A second door to the same sshd, through the relay: "slow" for ssh and for ec2dl.
  rport=$((20000 + RANDOM % 20000))
  "$relay" "$rport" 127.0.0.1 "$SANDBOX_PORT" "$((rtt_ms / 2))" >"$work/relay.out" 2>&1 &
  relay_pid=$!
  for _ in $(seq 1 100); do grep -q ready "$work/relay.out" && break; sleep 0.05; done
  for f in "$cfg" "$SANDBOX_CLIENT_HOME/.ssh/config"; do
    entry=$(sed -e 's/^Host sandbox$/Host slow/' -e "s/^  Port $SANDBOX_PORT$/  Port $rport/" \
      "$f" | awk '/^Host slow$/{p=1} /^Host sandbox-bash$/{p=0} p')
    printf '%s\n' "$entry" >>"$f"
  done
  for f in "$SANDBOX_KNOWN_HOSTS" "$SANDBOX_CLIENT_HOME/.ssh/known_hosts"; do
    entry=$(sed -n "s/^\[127.0.0.1\]:$SANDBOX_PORT /[127.0.0.1]:$rport /p" "$f")
    printf '%s\n' "$entry" >>"$f"
  done
  head -c "$((slow_mib * 1024 * 1024))" "$src/big" >"$src/slowbig"
  mkdir -p "$src/slowtree"
  for d in $(seq 0 9); do cp -r "$src/tree/d$d" "$src/slowtree/"; done
  as_user "cp '$src/slowbig' '$dst/pullsrc/slowbig' && cp -r '$src/slowtree' '$dst/pullsrc/slowtree'"
  es() { env HOME="$SANDBOX_CLIENT_HOME" "$ec2dl" -q -H slow "$@"; }
  export -f es
  echo "6) over a link with ${rtt_ms} ms round trips" >&2
  compare "$clear_dst" \
    "slow push ec2dl" 'es push "$src/slowbig" "$dst/in/"' \
    "slow push scp" 'scp -q -F "$cfg" "$src/slowbig" "slow:$dst/in/"' \
    "slow push rsync -a" 'rsync -a -e "ssh -F $cfg" "$src/slowbig" "slow:$dst/in/"'
  compare "$clear_back" \
    "slow pull ec2dl" 'es pull "$dst/pullsrc/slowbig" "$back/"' \
    "slow pull scp" 'scp -q -F "$cfg" "slow:$dst/pullsrc/slowbig" "$back/"' \
    "slow pull rsync -a" 'rsync -a -e "ssh -F $cfg" "slow:$dst/pullsrc/slowbig" "$back/"'
  compare "$clear_dst" \
    "slow tree push ec2dl" 'es push "$src/slowtree" "$dst/in"' \
    "slow tree push rsync -a" 'rsync -a -e "ssh -F $cfg" "$src/slowtree" "slow:$dst/in/"'
  compare "$clear_back" \
    "slow tree pull ec2dl" 'es pull "$dst/pullsrc/slowtree" "$back"' \
    "slow tree pull rsync -a" 'rsync -a -e "ssh -F $cfg" "slow:$dst/pullsrc/slowtree" "$back/"'
fi

ratio() { awk -v a="${median[$1]}" -v b="${median[$2]}" 'BEGIN { print a / b }'; }
echo
echo "ec2dl transfer benchmark: median of $runs interleaved runs, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
printf '%-34s %9s %9s %7s\n' case ec2dl other ratio
row() {  # label ec2dl-case other-case
  printf '%-34s %8.2fs %8.2fs %6.2fx\n' "$1" "${median[$2]}" "${median[$3]}" "$(ratio "$2" "$3")"
}
row "${size_mib} MiB push vs scp" "push ec2dl" "push scp"
row "${size_mib} MiB push vs cat | ssh cat" "push ec2dl" "push cat | ssh cat"
row "${size_mib} MiB push vs rsync -a" "push ec2dl" "push rsync -a"
row "${size_mib} MiB pull vs scp" "pull ec2dl" "pull scp"
row "${size_mib} MiB pull vs ssh cat > f" "pull ec2dl" "pull ssh cat > f"
row "${size_mib} MiB pull vs rsync -a" "pull ec2dl" "pull rsync -a"
row "$files x 4 KiB push vs rsync -a" "tree push ec2dl" "tree push rsync -a"
row "$files x 4 KiB push vs tar | ssh tar" "tree push ec2dl" "tree push tar | ssh tar"
if [ "$scp_tree" = 1 ]; then
  row "$files x 4 KiB push vs scp -r" "tree push ec2dl" "tree push scp -r"
fi
row "$files x 4 KiB pull vs rsync -a" "tree pull ec2dl" "tree pull rsync -a"
row "unchanged re-push vs rsync no-op" "no-op push ec2dl" "no-op push rsync -a"
if [ "$rtt_ms" -gt 0 ]; then
  row "${rtt_ms}ms: ${slow_mib} MiB push vs scp" "slow push ec2dl" "slow push scp"
  row "${rtt_ms}ms: ${slow_mib} MiB push vs rsync" "slow push ec2dl" "slow push rsync -a"
  row "${rtt_ms}ms: ${slow_mib} MiB pull vs scp" "slow pull ec2dl" "slow pull scp"
  row "${rtt_ms}ms: ${slow_mib} MiB pull vs rsync" "slow pull ec2dl" "slow pull rsync -a"
  row "${rtt_ms}ms: 1000 x 4 KiB push vs rsync" "slow tree push ec2dl" "slow tree push rsync -a"
  row "${rtt_ms}ms: 1000 x 4 KiB pull vs rsync" "slow tree pull ec2dl" "slow tree pull rsync -a"
fi
max=0
for k in "push ec2dl" "pull ec2dl" "tree push ec2dl" "tree pull ec2dl" "no-op push ec2dl"; do
  printf '%-34s %8d KiB\n' "peak RSS: $k" "${peak[$k]}"
  if [ "${peak[$k]}" -gt "$max" ]; then max=${peak[$k]}; fi
done
printf '%-34s %8.1f MiB (bar: < 64 MiB)\n' "peak RSS of ec2dl, all cases" "$(awk -v k="$max" 'BEGIN { print k / 1024 }')"
