# The stand-in nvidia-smi of tests/fake-gpu, run under $TEST_SHELL: every recorded state
# answered back byte for byte, the csv variants, aliases, -i, -L, -l, the plain table,
# [N/A] and other placeholders, the failure statuses (2, 6, 9) and the live mode.
# Env: EC2DL_SCRIPTS (src/remote/scripts), TEST_SHELL.
set -u
scripts=${EC2DL_SCRIPTS:?}
sh_=${TEST_SHELL:-sh}
fake=$(cd -- "$scripts/../../../tests/fake-gpu" && pwd) || exit 1
[ -f "$fake/nvidia-smi" ] || { echo "FAIL: no stand-in nvidia-smi in $fake" >&2; exit 1; }
work=$(mktemp -d)
pids=
cleanup() {
  for p in $pids; do
    kill "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

# smi STATE ARGS...: runs the stand-in on that state folder; stdout in $work/out, stderr in
# $work/err, the status in $st.
smi() {
  FAKE_GPU_STATE=$1
  export FAKE_GPU_STATE
  shift
  "$sh_" "$fake/nvidia-smi" "$@" >"$work/out" 2>"$work/err"
  st=$?
}
out() { cat "$work/out"; }

# expect NAME STATUS TEXT: the last call exited STATUS and printed exactly TEXT (and a
# newline) on stdout, nothing on stderr.
expect() {
  [ "$st" = "$2" ] || fail "$1: status $st, not $2"
  if [ -z "$3" ]; then
    [ ! -s "$work/out" ] || fail "$1: printed [$(out)], not nothing"
  else
    printf '%s\n' "$3" | cmp -s - "$work/out" || fail "$1: printed [$(out)], not [$3]"
  fi
  [ ! -s "$work/err" ] || fail "$1: stderr [$(cat "$work/err")]"
}

# fields_of CSV_FILE: the field names of a recorded header, units dropped, comma-joined.
fields_of() {
  head -n 1 "$1" | sed 's/ \[[^]]*\]//g; s/, /,/g'
}

# without_units CSV_FILE: the rows of a recording as nounits prints them, worked out here
# from the header's units.
without_units() {
  awk 'function cells(s, a,   n, p) {
         n = 0
         while ((p = index(s, ", ")) > 0) { a[++n] = substr(s, 1, p - 1); s = substr(s, p + 2) }
         a[++n] = s
         return n
       }
       NR == 1 {
         n = cells($0, h)
         for (i = 1; i <= n; i++) {
           u[i] = ""
           if (match(h[i], / \[.*\]$/)) u[i] = " " substr(h[i], RSTART + 2, RLENGTH - 3)
         }
         next
       }
       {
         m = cells($0, c)
         line = ""
         for (i = 1; i <= m; i++) {
           v = c[i]
           k = length(u[i])
           if (k > 0 && length(v) > k && substr(v, length(v) - k + 1) == u[i]) {
             v = substr(v, 1, length(v) - k)
           }
           line = line (i > 1 ? ", " : "") v
         }
         print line
       }' "$1"
}

states=$fake/states
for dir in "$states"/*/; do
  dir=${dir%/}
  name=${dir##*/}
  if [ ! -f "$dir/gpus.csv" ]; then
    [ -f "$dir/fail" ] || fail "$name: neither gpus.csv nor fail"
    continue
  fi
  # 1. The recordings come back byte for byte, and without header or units.
  fields=$(fields_of "$dir/gpus.csv")
  smi "$dir" --query-gpu="$fields" --format=csv
  [ "$st" = 0 ] || fail "$name: gpus status $st"
  cmp -s "$work/out" "$dir/gpus.csv" || fail "$name: gpus.csv not reproduced"
  smi "$dir" --query-gpu="$fields" --format=csv,noheader
  sed 1d "$dir/gpus.csv" | cmp -s - "$work/out" || fail "$name: noheader differs"
  smi "$dir" --query-gpu="$fields" --format=csv,nounits
  { head -n 1 "$dir/gpus.csv" && without_units "$dir/gpus.csv"; } | cmp -s - "$work/out" ||
    fail "$name: nounits differs"
  smi "$dir" --query-gpu="$fields" --format=csv,noheader,nounits
  without_units "$dir/gpus.csv" | cmp -s - "$work/out" || fail "$name: noheader,nounits differs"
  if [ -f "$dir/apps.csv" ]; then
    apps=$(fields_of "$dir/apps.csv")
    smi "$dir" --query-compute-apps="$apps" --format=csv
    cmp -s "$work/out" "$dir/apps.csv" || fail "$name: apps.csv not reproduced"
    smi "$dir" --query-compute-apps="$apps" --format=nounits,csv,noheader
    without_units "$dir/apps.csv" | cmp -s - "$work/out" || fail "$name: apps nounits differs"
  fi
  # 2. -L: one line per recorded GPU, from its index, name and uuid.
  smi "$dir" --query-gpu=index,name,uuid --format=csv,noheader
  sed 's/^\([^,]*\), \(.*\), \([^,]*\)$/GPU \1: \2 (UUID: \3)/' "$work/out" >"$work/expected"
  smi "$dir" -L
  cmp -s "$work/expected" "$work/out" || fail "$name: -L [$(out)]"
  [ "$(wc -l <"$work/out")" = "$(($(wc -l <"$dir/gpus.csv") - 1))" ] || fail "$name: -L lines"
  # 3. The plain table, when recorded.
  if [ -f "$dir/table.txt" ]; then
    smi "$dir"
    cmp -s "$work/out" "$dir/table.txt" || fail "$name: table differs"
    [ "$st" = 0 ] || fail "$name: table status $st"
  fi
done

# 4. Field aliases are answered under their canonical names; spot checks of recorded values.
s4=$states/4x-h100
smi "$s4" --query-gpu=gpu_name,gpu_uuid,clocks.gr,index,memory.used --format=csv,nounits -i 2
expect aliases 0 'name, uuid, clocks.current.graphics [MHz], index, memory.used [MiB]
NVIDIA H100 80GB HBM3, GPU-4f1c2a7e-0000-4000-8000-000000000002, 1980, 2, 19818'
smi "$s4" --query-compute-apps=name,used_memory,pid --format=csv -i 2
expect "app aliases" 0 'process_name, used_gpu_memory [MiB], pid
/root/tools/memhog, 2566 MiB, 11327
/root/tools/memhog, 1542 MiB, 11328
./gpu_burn, 15690 MiB, 11345'

# 5. -i / --id: by index and by UUID, shown in the GPUs' order; compute apps follow it.
smi "$s4" --query-gpu=index --format=csv,noheader --id=GPU-4f1c2a7e-0000-4000-8000-000000000003,1
expect "-i uuid,index" 0 '1
3'
smi "$s4" -i 0 --query-gpu=index,utilization.gpu --format=csv
expect "-i index" 0 'index, utilization.gpu [%]
0, 0 %'
smi "$s4" --query-compute-apps=pid --format=csv,noheader -i 1
expect "-i, no apps" 0 ''
smi "$s4" --query-compute-apps=pid --format=csv -i 1
expect "-i, apps header" 0 'pid'
smi "$s4" --query-compute-apps=pid --format=csv,noheader -i GPU-4f1c2a7e-0000-4000-8000-000000000002
[ "$(out | wc -l)" = 3 ] || fail "-i 2: apps [$(out)]"
bus=$(sed -n '4s/.*, \(00000000:[0-9A-F]*:00.0\), .*/\1/p' "$s4/gpus.csv")
smi "$s4" --query-gpu=index,pci.bus_id --format=csv,noheader -i "$bus"
expect "-i bus id" 0 "2, $bus"
smi "$s4" -i 4 --query-gpu=index --format=csv
expect "-i missing" 6 'No devices were found'
smi "$s4" -L -i 3
expect "-L -i" 0 'GPU 3: NVIDIA H100 80GB HBM3 (UUID: GPU-4f1c2a7e-0000-4000-8000-000000000003)'

# 6. Failures: no driver, no devices (recorded, or an empty folder), unknown field, bad use.
sed 1d "$states/no-driver/fail" >"$work/expected"
for args in -L "--query-gpu=index --format=csv" ""; do
  # shellcheck disable=SC2086  # the words of each call are meant to be split
  smi "$states/no-driver" $args
  [ "$st" = 9 ] || fail "no-driver [$args]: status $st"
  cmp -s "$work/expected" "$work/out" || fail "no-driver [$args]: printed [$(out)]"
done
grep -q "couldn't communicate with the NVIDIA driver" "$states/no-driver/fail" ||
  fail "no-driver: not the real message"
smi "$states/no-devices" --query-gpu=index --format=csv
expect no-devices 6 'No devices were found'
mkdir "$work/empty"
smi "$work/empty" -L
expect "empty state" 6 'No devices were found'
smi "$s4" --query-gpu=index,bogus.field --format=csv
expect "unknown field" 2 'Field "bogus.field" is not a valid field to query.
'
smi "$s4" --query-compute-apps=pid,memory.used --format=csv
expect "gpu field in apps" 2 'Field "memory.used" is not a valid field to query.
'
smi "$s4" --query-gpu=index
[ "$st" = 2 ] || fail "no --format: status $st"
smi "$s4" --query-gpu=index --format=xml
[ "$st" = 2 ] || fail "--format=xml: status $st"
smi "$s4" --bogus
[ "$st" = 2 ] || fail "unknown option: status $st"
smi "$s4"
[ "$st" = 2 ] || fail "4x-h100 has no table.txt: status $st"
[ -s "$work/err" ] || fail "4x-h100 has no table.txt: nothing said"

# 7. Known fields a state did not record are [N/A] (with the unit the field prints); other
# placeholders pass through, also under nounits.
grep -q 'power_smoothing.secondary_power_floor' "$states/l40s-load/gpus.csv" &&
  fail "l40s-load records power_smoothing.secondary_power_floor"
smi "$states/l40s-load" --query-gpu=index,power_smoothing.secondary_power_floor --format=csv
expect "[N/A]" 0 'index, power_smoothing.secondary_power_floor [W]
0, [N/A]'
mkdir "$work/odd"
printf '%s\n' 'index, uuid, name, memory.used [MiB], power.draw [W]' \
  '0, GPU-odd, Odd GPU, [Insufficient Permissions], 12.50 W' >"$work/odd/gpus.csv"
smi "$work/odd" --query-gpu=memory.used,pstate,power.draw,name --format=csv,nounits
expect placeholders 0 'memory.used [MiB], pstate, power.draw [W], name
[Insufficient Permissions], [N/A], 12.50, Odd GPU'
smi "$work/odd" --query-compute-apps=pid,used_memory --format=csv
expect "no apps.csv" 0 'pid, used_gpu_memory [MiB]'

# 8. -l: the header once, the state read again each round.
mkdir "$work/loop"
cp "$s4/gpus.csv" "$work/loop/"
FAKE_GPU_STATE=$work/loop "$sh_" "$fake/nvidia-smi" --query-gpu=index,name \
  --format=csv -i 0 -l 1 >"$work/loop.out" 2>&1 &
loop_pid=$!
pids="$pids $loop_pid"
i=0
while ! grep -qs '^0, NVIDIA H100' "$work/loop.out" && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
cp "$states/l40s-load/gpus.csv" "$work/loop/"
i=0
while ! grep -qs '^0, NVIDIA L40S' "$work/loop.out" && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
kill "$loop_pid" 2>/dev/null
grep -q '^0, NVIDIA L40S' "$work/loop.out" || fail "-l: state not read again: $(cat "$work/loop.out")"
[ "$(grep -c '^index' "$work/loop.out")" = 1 ] || fail "-l: header not once"

# 9. Live mode: processes named like the pattern, with CUDA_VISIBLE_DEVICES, on their GPUs.
mkdir "$work/live" "$work/bin"
cp "$s4/gpus.csv" "$s4/apps.csv" "$work/live/"
: >"$work/live/live"
chmod 755 "$work" "$work/live"
chmod 644 "$work/live"/*
tag=fgt$$
ln -s "$(command -v sleep)" "$work/bin/$tag-a"
ln -s "$(command -v sleep)" "$work/bin/$tag-b"
ln -s "$(command -v sleep)" "$work/bin/other$$"
ln -s "$(command -v sleep)" "$work/bin/python-$$"
CUDA_VISIBLE_DEVICES=1 FAKE_GPU_MEM_MIB=3000 "$work/bin/$tag-a" 60 &
a=$!
CUDA_VISIBLE_DEVICES=GPU-4f1c2a7e-0000-4000-8000-000000000003,0 "$work/bin/$tag-b" 60 &
b=$!
(unset CUDA_VISIBLE_DEVICES && exec "$work/bin/$tag-b" 60) &
c=$!
CUDA_VISIBLE_DEVICES=0 "$work/bin/other$$" 60 &
d=$!
CUDA_VISIBLE_DEVICES=2 "$work/bin/python-$$" 60 &
e=$!
pids="$pids $a $b $c $d $e"
# wait_exec PID NAME: until PID runs as NAME (it starts as a copy of this shell).
wait_exec() {
  i=0
  while [ "$(cat "/proc/$1/comm" 2>/dev/null)" != "$2" ] && [ $i -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
  done
}
wait_exec "$a" "$tag-a"
wait_exec "$b" "$tag-b"
wait_exec "$c" "$tag-b"
wait_exec "$d" "other$$"
wait_exec "$e" "python-$$"
FAKE_GPU_PROCS="$tag-*"
export FAKE_GPU_PROCS
smi "$work/live" --query-gpu=index,memory.used,memory.free,utilization.gpu --format=csv,nounits
expect "live gpus" 0 "index, memory.used [MiB], memory.free [MiB], utilization.gpu [%]
0, 1024, 80057, 100
1, 3000, 78081, 100
2, 19818, 61263, 100
3, 1024, 80057, 100"
smi "$work/live" --query-compute-apps=gpu_uuid,pid,used_gpu_memory,process_name --format=csv
expect "live apps" 0 "gpu_uuid, pid, used_gpu_memory [MiB], process_name
GPU-4f1c2a7e-0000-4000-8000-000000000002, 11327, 2566 MiB, /root/tools/memhog
GPU-4f1c2a7e-0000-4000-8000-000000000002, 11328, 1542 MiB, /root/tools/memhog
GPU-4f1c2a7e-0000-4000-8000-000000000002, 11345, 15690 MiB, ./gpu_burn
GPU-4f1c2a7e-0000-4000-8000-000000000000, $b, 1024 MiB, $work/bin/$tag-b
GPU-4f1c2a7e-0000-4000-8000-000000000001, $a, 3000 MiB, $work/bin/$tag-a
GPU-4f1c2a7e-0000-4000-8000-000000000003, $b, 1024 MiB, $work/bin/$tag-b"
smi "$work/live" --query-compute-apps=pid --format=csv,noheader -i 1
expect "live apps -i" 0 "$a"
# Without the live marker the same processes are not there.
rm "$work/live/live"
smi "$work/live" --query-compute-apps=pid --format=csv,noheader
[ "$(out | wc -l)" = 3 ] || fail "not live: [$(out)]"
: >"$work/live/live"
# The default pattern is python*.
unset FAKE_GPU_PROCS
smi "$work/live" --query-compute-apps=pid,gpu_uuid --format=csv,noheader
grep -qx "$e, GPU-4f1c2a7e-0000-4000-8000-000000000002" "$work/out" || fail "python*: [$(out)]"
grep -q "^$a,\|^$d," "$work/out" && fail "python*: others listed: [$(out)]"
[ ! -s "$work/err" ] || fail "live: stderr [$(cat "$work/err")]"
# Another user sees none of these (their environment is hidden) and hears nothing of it.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
  mkdir "$work/smi"
  cp "$fake/nvidia-smi" "$fake/nvidia-smi.awk" "$fake"/fields-*.txt "$work/smi/"
  chmod -R a+rX "$work/smi"
  runuser -u nobody -- env FAKE_GPU_PROCS="$tag-*" FAKE_GPU_STATE="$work/live" "$sh_" \
    "$work/smi/nvidia-smi" --query-compute-apps=pid --format=csv,noheader >"$work/out" 2>"$work/err"
  st=$?
  expect "another user" 0 '11327
11328
11345'
fi

[ "$failures" = 0 ] || exit 1
echo "fake_gpu under $sh_: ok"
