# top_snapshot.sh (with what it uses: lib.sh, gpu_top_jobs.sh) run directly under $TEST_SHELL: its sections, the
# two samples, threads of a process or of a job's session, the disks, and a registry under a
# base folder with spaces.
# Env: EC2DL_SCRIPTS (src/remote/scripts), TEST_SHELL.
set -u
: "${EC2DL_SCRIPTS:?}"
sh_=${TEST_SHELL:-sh}
# shellcheck source-path=SCRIPTDIR source=script_text.sh
. "${0%/*}/script_text.sh"
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
mkdir -p "$HOME"
cd "$HOME" || exit 1
failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

m=@ec2dl-test
snapshot() { # BASE PID JOB
  "$sh_" -c "$(script_text top_snapshot)" ec2dl-top "$m" \
    "$1" 0.2 "$2" "$3"
}
section() { # TEXT NAME: the body of section NAME
  printf '%s\n' "$1" | awk -v m="$m" -v n="$2" '
    $1 == m { on = ($2 == n); next }
    on { print }'
}

# A job of the registry in "$HOME/my base": a shell (its session leader) with a child.
base="$HOME/my base"
mkdir -p "$base/jobs/3"
# shellcheck disable=SC2016  # a name that looks like a command substitution
name='train "x" $(touch pwned)'
printf '%s\n' "$name" >"$base/jobs/3/name"
printf '%s\n' "$work" >"$base/jobs/3/workdir"
# shellcheck disable=SC2016  # expanded by the inner shell
setsid sh -c 'echo $$ > "$1"; sleep 60 & wait' sh "$work/job.pid" &
i=0
while [ ! -s "$work/job.pid" ] && [ $i -lt 100 ]; do
  sleep 0.05
  i=$((i + 1))
done
job=$(cat "$work/job.pid")
pids="$pids $job"
cp "$work/job.pid" "$base/jobs/3/pid"
rest=$(sed 's/.*) //' "/proc/$job/stat")
# shellcheck disable=SC2086  # the numeric fields are meant to be split
set -- $rest
printf '%s\n' "${20}" >"$base/jobs/3/pid_start"
sleep 0.2

# 1. Every section, in order.
out=$(snapshot "$base" '' '') || fail "status $?"
got=$(printf '%s\n' "$out" | sed -n "s/^$m \\([a-z0-9]*\\).*/\\1/p" | tr '\n' ' ')
want="host self conf uptime loadavg meminfo jobs cpu1 procs1 threads1 cpu2 procs2 threads2 owners args disk disk disk end "
[ "$got" = "$want" ] || fail "sections: $got"
section "$out" cpu1 | head -n 1 | grep -q '^cpu ' || fail "cpu1 has no total line"
[ "$(section "$out" cpu2 | grep -c '^cpu[0-9]')" = "$(grep -c '^cpu[0-9]' /proc/stat)" ] ||
  fail "cpu2 does not list every CPU"
section "$out" procs2 | grep -q "^$job (sh) " || fail "the job's shell is not in procs2"
section "$out" procs1 | grep -q "^1 (" || fail "pid 1 is not in procs1"
[ -z "$(section "$out" threads1)" ] || fail "threads sampled without --pid/--job"
section "$out" owners | grep -q "^/proc/$job $(id -un)$" || fail "owner of the job's shell"
section "$out" args | grep -q "^ *$job sh -c echo" || fail "command line of the job's shell"
section "$out" meminfo | grep -q '^MemTotal:' || fail "meminfo"
printf '%s\n' "$out" | grep -q "^$m disk job:3$" || fail "no disk line for the job's folder"
[ "$(section "$out" disk | wc -l)" -ge 3 ] || fail "df lines"
self=$(printf '%s\n' "$out" | sed -n "s/^$m self //p")
section "$out" procs2 | grep -q "^$self (" || fail "the script's own shell ($self) is not named"

# 2. --pid: the threads of that process, as /proc/PID/task/TID/stat lines.
out=$(snapshot "$base" "$job" '')
section "$out" threads2 | grep -q "^/proc/$job/task/$job/stat:$job (sh) " ||
  fail "threads of --pid: $(section "$out" threads2)"

# 3. --job by name (quotes and $() in it) or id: every process of the job's session.
for want_job in "$name" 3; do
  out=$(snapshot "$base" '' "$want_job")
  threads=$(section "$out" threads1)
  printf '%s\n' "$threads" | grep -q "^/proc/$job/task/$job/stat:" || fail "job $want_job: no shell"
  printf '%s\n' "$threads" | grep -q "(sleep)" || fail "job $want_job: no child: $threads"
done
out=$(snapshot "$base" '' 'no such job')
[ -z "$(section "$out" threads1)" ] || fail "threads of a job that does not exist"
if [ -e "$HOME/pwned" ] || [ -e "$work/pwned" ]; then
  fail "a job name ran"
fi

# 4. "~" is the home: the default registry is empty here.
# shellcheck disable=SC2088  # the script expands the tilde itself
out=$(snapshot '~/.ec2dl' '' '')
[ -z "$(section "$out" jobs)" ] || fail "jobs under ~/.ec2dl: $(section "$out" jobs)"
printf '%s\n' "$out" | grep -q "^$m disk job" && fail "disk of a job that is not there"

[ "$failures" = 0 ] || exit 1
echo "top_snapshot under $sh_: ok"
