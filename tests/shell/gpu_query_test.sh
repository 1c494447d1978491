# gpu_query.sh (with what it uses: lib.sh, gpu_top_jobs.sh) run directly under $TEST_SHELL with the stand-in
# nvidia-smi: its sections, the registry lines, hostile job folders, a failing or missing
# nvidia-smi, and --raw.
# Env: EC2DL_SCRIPTS (src/remote/scripts), TEST_SHELL; EC2DL_FAKE_GPU (else tests/fake-gpu).
set -u
scripts=${EC2DL_SCRIPTS:?}
sh_=${TEST_SHELL:-sh}
# shellcheck source-path=SCRIPTDIR source=script_text.sh
. "${0%/*}/script_text.sh"
fake=${EC2DL_FAKE_GPU:-$scripts/../../../tests/fake-gpu}
[ -x "$fake/nvidia-smi" ] || { echo "FAIL: no stand-in nvidia-smi at $fake" >&2; exit 1; }
work=$(mktemp -d)
pids=
cleanup() {
  for p in $pids; do
    kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
HOME=$work/home
export HOME
mkdir -p "$HOME" "$work/bin"
cd "$HOME" || exit 1
failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

m=@ec2dl-test
query() { # PATH [ARGS...]: runs the query with PATH
  p=$1
  shift
  # shellcheck disable=SC2088  # the script expands the tilde itself
  PATH=$p "$sh_" -c "$(script_text gpu_query)" ec2dl-gpu "$m" \
    '~/.ec2dl' "$@"
}
fields='index,uuid,name,memory.used'
apps='gpu_uuid,pid,used_gpu_memory,process_name'
with_smi=$fake:/usr/bin:/bin
without_smi=$work/bin:/usr/bin:/bin

state() { # NAME: a fresh copy of a recorded state
  rm -rf "$work/state"
  mkdir -p "$work/state"
  cp -R "$fake/states/$1/." "$work/state/"
  FAKE_GPU_STATE=$work/state
  export FAKE_GPU_STATE
}

# 1. The sections of a recorded state, in order.
state 4x-h100
out=$(query "$with_smi" "$fields" "$apps") || fail "status $?"
got=$(printf '%s\n' "$out" | sed -n "s/^$m \\([a-z]*\\).*/\\1/p" | tr '\n' ' ')
[ "$got" = "host gpus apps jobs stat owners end " ] || fail "sections: $got"
printf '%s\n' "$out" | grep -q "^$m gpus 0$" || fail "gpus status"
printf '%s\n' "$out" | grep -q '^index, uuid, name, memory.used \[MiB\]$' || fail "gpu header"
printf '%s\n' "$out" | grep -q '^2, GPU-4f1c2a7e-0000-4000-8000-000000000002, NVIDIA H100 80GB HBM3, 19818$' ||
  fail "gpu 2 row"
[ "$(printf '%s\n' "$out" | grep -c ', /root/tools/memhog$')" = 2 ] || fail "apps rows"

# 2. A running job (its own session, pid and start time recorded) and hostile folders.
mkdir -p "$HOME/.ec2dl/jobs/1" "$HOME/.ec2dl/jobs/bad name" "$HOME/.ec2dl/jobs/\$(x)" \
  "$HOME/.ec2dl/jobs/a
b" "$HOME/.ec2dl/jobs/2"
# shellcheck disable=SC2016  # expanded by the inner shell
setsid sh -c 'echo $$ > "$1"; exec sleep 60' sh "$work/job.pid" &
i=0
while [ ! -s "$work/job.pid" ] && [ $i -lt 100 ]; do
  sleep 0.05
  i=$((i + 1))
done
job_pid=$(cat "$work/job.pid")
pids="$pids $job_pid"
# The pid is written before the exec: wait until it is sleep.
i=0
while [ "$(cat "/proc/$job_pid/comm" 2>/dev/null)" != sleep ] && [ $i -lt 200 ]; do
  sleep 0.05
  i=$((i + 1))
done
printf '%s\n' "$job_pid" >"$HOME/.ec2dl/jobs/1/pid"
rest=$(sed 's/.*) //' "/proc/$job_pid/stat")
# shellcheck disable=SC2086  # the numeric fields are meant to be split
set -- $rest
printf '%s\n' "${20}" >"$HOME/.ec2dl/jobs/1/pid_start"
# shellcheck disable=SC2016  # a name that looks like a command substitution
printf 'my "job", $(touch pwned)\nsecond line\n' >"$HOME/.ec2dl/jobs/1/name"
printf '0\n' >"$HOME/.ec2dl/jobs/2/exit"
out=$(query "$with_smi" "$fields" "$apps")
jobs=$(printf '%s\n' "$out" | sed -n "/^$m jobs$/,/^$m stat$/p" | sed '1d;$d')
expected="job 1 $job_pid ${20} 0
name my \"job\", \$(touch pwned)
workdir 
job 2 - - 1
name 
workdir "
[ "$jobs" = "$expected" ] || fail "jobs section: [$jobs]"
printf '%s\n' "$out" | sed -n "/^$m stat$/,/^$m owners$/p" | grep -q "^$job_pid (sleep) " ||
  fail "no stat line of the job's process"
[ ! -e "$HOME/pwned" ] || fail "a name ran"

# 3. nvidia-smi fails: its status and its message on stdout, nothing else asked.
state no-driver
out=$(query "$with_smi" "$fields" "$apps")
printf '%s\n' "$out" | grep -q "^$m gpus 9$" || fail "no-driver status: $out"
printf '%s\n' "$out" | grep -q "couldn't communicate with the NVIDIA driver" || fail "no-driver message"
printf '%s\n' "$out" | grep -q "^$m apps" && fail "apps asked after a failure"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "$m end" ] || fail "no end after a failure"
state no-devices
out=$(query "$with_smi" "$fields" "$apps")
printf '%s\n' "$out" | grep -q "^$m gpus 6$" || fail "no-devices status"
printf '%s\n' "$out" | grep -q "^No devices were found$" || fail "no-devices message"

# 4. No nvidia-smi on the PATH.
out=$(query "$without_smi" "$fields" "$apps")
[ "$(printf '%s\n' "$out" | sed 1d)" = "$m missing
$m end" ] || fail "missing: $out"

# 5. --raw: nvidia-smi's own output; a marker line when there is none.
state h100-load
out=$(query "$with_smi" --raw)
[ "$out" = "$(cat "$fake/states/h100-load/table.txt")" ] || fail "raw output differs"
out=$(query "$without_smi" --raw)
st=$?
[ "$st" = 127 ] || fail "raw without nvidia-smi: status $st"
[ "$out" = "$m missing" ] || fail "raw without nvidia-smi: $out"

[ "$failures" = 0 ] || exit 1
echo "gpu_query under $sh_: ok"
