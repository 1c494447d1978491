#!/usr/bin/env bash
# Transfer benchmark: ec2dl push/pull against OpenSSH (scp, rsync -a, cat | ssh 'cat > f')
# in the same run, against the sandbox sshd on 127.0.0.1, with data in /dev/shm on both
# sides (to measure the tools, not the disk). Prints the median of N runs per case, the
# ratios, and ec2dl's peak memory. Needs root (the sandbox creates users).
#
#   bench/transfer.sh [--runs N] [--ec2dl PATH] [--size-mib N] [--files N] [--scp-tree]
#
#   --runs N       runs per case (default 5); the median is reported
#   --ec2dl PATH   the binary to measure (default: $EC2DL_BIN, else build/ec2dl)
#   --size-mib N   the large file (default 1024)
#   --files N      the small-file tree: N files of 4 KiB in folders of 100 (default 5000)
#   --scp-tree     also time scp -r on the small-file tree (slow)
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
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --ec2dl) ec2dl=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --scp-tree) scp_tree=1; shift ;;
    *) echo "transfer.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done
[ -x "$ec2dl" ] || { echo "transfer.sh: no ec2dl binary at $ec2dl (build it, or --ec2dl PATH)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "transfer.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
ec2dl=$(cd -- "$(dirname -- "$ec2dl")" && pwd)/$(basename -- "$ec2dl")

sandbox_dir=$(mktemp -d /tmp/ec2dl-bench-sandbox.XXXXXX)
work=$(mktemp -d /dev/shm/ec2dl-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
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

# time_runs NAME PREP CMD: runs PREP (untimed) then CMD, $runs times; prints the median
# seconds; records ec2dl's peak RSS (KiB) in peak_kib when CMD is ec2dl's.
declare -A median peak
time_runs() {
  local name=$1 prep=$2 cmd=$3 times=() k t0 t1 rss
  for ((k = 0; k < runs; k++)); do
    eval "$prep"
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/rss" bash -c "$cmd" >/dev/null
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    rss=$(tail -1 "$work/rss")
    if [ "${peak[$name]:-0}" -lt "$rss" ]; then peak[$name]=$rss; fi
  done
  median[$name]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '  %-28s %8.2f s\n' "$name" "${median[$name]}" >&2
}

export -f e2
export ec2dl SANDBOX_CLIENT_HOME cfg src dst back user

clear_dst='as_user "rm -rf '"'$dst/in'"' && mkdir '"'$dst/in'"'"'
clear_back='rm -rf "$back" && mkdir "$back"'

echo "1) one ${size_mib} MiB file, push" >&2
time_runs "push ec2dl" "$clear_dst" 'e2 push "$src/big" "$dst/in/"'
time_runs "push scp" "$clear_dst" 'scp -q -F "$cfg" "$src/big" "sandbox:$dst/in/"'
time_runs "push rsync -a" "$clear_dst" 'rsync -a -e "ssh -F $cfg" "$src/big" "sandbox:$dst/in/"'
time_runs "push cat | ssh cat" "$clear_dst" 'ssh -F "$cfg" sandbox "cat > $dst/in/big" < "$src/big"'

echo "2) one ${size_mib} MiB file, pull" >&2
time_runs "pull ec2dl" "$clear_back" 'e2 pull "$dst/pullsrc/big" "$back/"'
time_runs "pull scp" "$clear_back" 'scp -q -F "$cfg" "sandbox:$dst/pullsrc/big" "$back/"'
time_runs "pull rsync -a" "$clear_back" 'rsync -a -e "ssh -F $cfg" "sandbox:$dst/pullsrc/big" "$back/"'
time_runs "pull ssh cat > f" "$clear_back" 'ssh -F "$cfg" sandbox "cat $dst/pullsrc/big" > "$back/big"'

echo "3) $files files of 4 KiB, push" >&2
time_runs "tree push ec2dl" "$clear_dst" 'e2 push "$src/tree" "$dst/in"'
time_runs "tree push rsync -a" "$clear_dst" 'rsync -a -e "ssh -F $cfg" "$src/tree" "sandbox:$dst/in/"'
time_runs "tree push tar | ssh tar" "$clear_dst" 'tar -C "$src" -cf - tree | ssh -F "$cfg" sandbox "tar -C $dst/in -xf -"'
if [ "$scp_tree" = 1 ]; then
  time_runs "tree push scp -r" "$clear_dst" 'scp -q -r -F "$cfg" "$src/tree" "sandbox:$dst/in/"'
fi

echo "4) $files files of 4 KiB, pull" >&2
time_runs "tree pull ec2dl" "$clear_back" 'e2 pull "$dst/pullsrc/tree" "$back"'
time_runs "tree pull rsync -a" "$clear_back" 'rsync -a -e "ssh -F $cfg" "sandbox:$dst/pullsrc/tree" "$back/"'

echo "5) the same tree again, unchanged (no-op)" >&2
as_user "rm -rf '$dst/in' && mkdir '$dst/in'"
e2 push "$src/tree" "$dst/in"
rsync -a -e "ssh -F $cfg" "$src/tree" "sandbox:$dst/rs/"
time_runs "no-op push ec2dl" ":" 'e2 push "$src/tree" "$dst/in"'
time_runs "no-op push rsync -a" ":" 'rsync -a -e "ssh -F $cfg" "$src/tree" "sandbox:$dst/rs/"'

ratio() { awk -v a="${median[$1]}" -v b="${median[$2]}" 'BEGIN { print a / b }'; }
echo
echo "ec2dl transfer benchmark: median of $runs runs, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
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
max=0
for k in "push ec2dl" "pull ec2dl" "tree push ec2dl" "tree pull ec2dl" "no-op push ec2dl"; do
  printf '%-34s %8d KiB\n' "peak RSS: $k" "${peak[$k]}"
  if [ "${peak[$k]}" -gt "$max" ]; then max=${peak[$k]}; fi
done
printf '%-34s %8.1f MiB (bar: < 64 MiB)\n' "peak RSS of ec2dl, all cases" "$(awk -v k="$max" 'BEGIN { print k / 1024 }')"
