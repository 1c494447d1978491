# shellcheck shell=sh
# shellcheck disable=SC2088,SC2046,SC2012  # "~/..." is for the scripts to expand; ids split
# The job scripts run directly under $TEST_SHELL (dash or bash), without ssh: launch, the
# wrapper's records, listing, log reading, wait and kill, with hostile arguments.
# Env: EC2DL_SCRIPTS (src/remote/scripts), TEST_SHELL.
set -u
: "${EC2DL_SCRIPTS:?}"
# shellcheck source-path=SCRIPTDIR source=script_text.sh
. "${0%/*}/script_text.sh"
sh_=${TEST_SHELL:-sh}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
HOME=$work/home
export HOME
mkdir -p "$HOME"
cd "$HOME" || exit 1
failures=0
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

job() { # NAME ARGS...: runs job_NAME.sh as embedded (lib.sh and job_lib.sh first)
  name=$1
  shift
  "$sh_" -c "$(script_text "job_$name")" "ec2dl-job_$name" "$@"
}
wrapper=$(script_text job_wrapper)

quote() { # WORD: WORD single-quoted for sh, trailing newlines included
  q=$(printf '%sx' "$1" | sed "s/'/'\\\\''/g")
  printf "'%s'" "${q%x}"
}

# launch_raw KEY=VALUE... -- WORD...: job_launch.sh as embedded, with each named input
# in_KEY=VALUE set before the first line as the client sets them (the others empty, or 0
# for in_check, in_choose_gpus and in_env_count), and WORD... as its arguments.
launch_raw() {
  inputs='in_check=0 in_base= in_workdir= in_log= in_name= in_choose_gpus=0 in_command=
in_jobscript= in_wrapper= in_script= in_env_count=0
'
  while [ "$1" != -- ]; do
    inputs="${inputs}in_${1%%=*}=$(quote "${1#*=}")
"
    shift
  done
  shift
  "$sh_" -c "$inputs$(script_text job_launch)" ec2dl-job_launch "$@"
}

# launch BASE GPUS COMMAND JOBSCRIPT ARGV...: prints "id pid" from the NUL output. With GPUS,
# the launch asks for GPUs and is answered GPUS.
launch() {
  base=$1 gpus=$2 display=$3 jobscript=$4
  shift 4
  choose=0
  [ -z "$gpus" ] || choose=1
  printf '%s\n' "$gpus" |
    launch_raw base="$base" choose_gpus=$choose command="$display" jobscript="$jobscript" \
      wrapper="$wrapper" -- "$@" |
    tr '\0' '\n' | awk 'NR % 2 == 1 { k = $0; next } k == "id" || k == "pid" { printf "%s ", $0 } END { print "" }'
}

wait_for() { # FILE: up to 20 s
  i=0
  while [ ! -e "$1" ] && [ "$i" -lt 200 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  [ -e "$1" ]
}

# 1. A launch: id, files, pid and session, exit record.
set -- $(launch '~/.reg' '' "sh -c 'exit 3'" "exec sh -c 'exit 3'" sh -c 'exit 3')
id=${1:-} pid=${2:-}
[ "$id" = 1 ] || fail "first id is $id"
dir=$HOME/.reg/jobs/1
for f in command argv workdir env gpus log boot_id started pid pid_start wrapper_pid \
  wrapper_start job.sh wrapper.sh; do
  [ -e "$dir/$f" ] || fail "no $f in the job folder"
done
[ "$(stat -c %a "$HOME/.reg")" = 700 ] || fail "registry base is not private"
[ "$(cat "$dir/pid")" = "$pid" ] || fail "pid file differs from the printed pid"
wait_for "$dir/exit" || fail "no exit record"
[ "$(head -n 1 "$dir/exit")" = "status 3" ] || fail "exit record: $(cat "$dir/exit")"
[ "$(printf 'sh\0-c\0exit 3\0' | od -An -c)" = "$(od -An -c <"$dir/argv")" ] || fail "argv file"
grep -q '^ended [0-9][0-9]*$' "$dir/exit" || fail "no end time"

# 2. Hostile arguments arrive byte for byte; the job is a session leader; env is set.
out=$HOME/args.out
jobscript=$(cat <<'EOF'
export "X=a b"
exec sh -c 'printf "%s\0" "$@" "$X" "$CUDA_VISIBLE_DEVICES" "$CUDA_DEVICE_ORDER" "$PYTHONUNBUFFERED" "$EC2DL_JOB_ID" >"$HOME/args.out"; ps -o sid= -p $$ >"$HOME/sid.out"' sh "it's" '$(x)' 'a
b' ''
EOF
)
set -- $(launch '~/.reg' '2' "printf" "$jobscript" true)
id=${1:-} pid=${2:-}
[ "$id" = 2 ] || fail "second id is $id"
wait_for "$HOME/.reg/jobs/2/exit" || fail "hostile job did not end"
# shellcheck disable=SC2016
expected=$(printf '%s\0' "it's" '$(x)' 'a
b' '' 'a b' 2 PCI_BUS_ID 1 2 | od -An -c)
[ "$(od -An -c <"$out")" = "$expected" ] || fail "hostile arguments: $(od -An -c <"$out")"
[ "$(tr -d ' ' <"$HOME/sid.out")" = "$pid" ] || fail "the job is not its own session leader"

# 3. Twenty launches at once: twenty ids.
i=0
while [ "$i" -lt 20 ]; do
  launch '~/.many' '' true 'exec true' true >"$work/id.$i" &
  i=$((i + 1))
done
wait
ids=$(cut -d' ' -f1 "$work"/id.* | sort -n | uniq | wc -l | tr -d ' ')
[ "$ids" = 20 ] || fail "20 concurrent launches gave $ids ids"

# 4. Listing: NUL pairs with states.
set -- $(launch '~/.reg' '' 'sleep 600' 'exec sleep 600' sleep 600)
sleeper=$1 spid=$2
list=$(job list '~/.reg' 0 0 | tr '\0' '\n')
printf '%s\n' "$list" | grep -q '^running$' || fail "no running job listed"
printf '%s\n' "$list" | grep -q '^status 3$' || fail "exit record not listed"
printf '%s\n' "$list" | grep -qx "$HOME" || fail "home not listed"
# The ended job's record is kept, sent again unchanged, and made again when a file of the
# job is rewritten; the newest-N form reads only the highest ids.
ended_dir=$(grep -l '^status 3$' "$HOME"/.reg/jobs/*/exit | head -n 1)
ended_dir=${ended_dir%/exit}
[ -f "$ended_dir/listing.v1" ] || fail "no kept record in $ended_dir"
# (The header's "now" may tick between two listings: compare from the first job on.)
jobs_part() { job list '~/.reg' 0 0 | tr '\0' '\n' | sed -n '/^id$/,$p'; }
[ "$(jobs_part)" = "$(jobs_part)" ] || fail "a listing from kept records differs"
printf 'renamed-job\n' >"$ended_dir/name"
job list '~/.reg' 0 0 | tr '\0' '\n' | grep -qx 'renamed-job' || fail "stale kept record sent"
# Rewritten with its modification time set back (as cp -p or touch -d do): still seen.
job list '~/.reg' 0 0 >/dev/null
printf 'back-dated\n' >"$ended_dir/name"
touch -d '2001-01-01' "$ended_dir/name"
job list '~/.reg' 0 0 | tr '\0' '\n' | grep -qx 'back-dated' || fail "back-dated file not seen"
for left in "$ended_dir"/.listing*; do
  [ -e "$left" ] && fail "a temporary record was left: $left"
done
newest=$(job list '~/.reg' 0 1 | tr '\0' '\n' | awk 'p == "id" { print } { p = $0 }')
[ "$newest" = "$(ls "$HOME/.reg/jobs" | sort -n | tail -n 1)" ] || fail "newest: $newest"

# 5. Log tail and follow by offset; follow ends when the job does.
printf 'one\ntwo\nthree\n' >"$work/l.log"
[ "$(job log tail "$work/l.log" 6 | od -An -c)" = "$(printf '14\nthree\n' | od -An -c)" ] ||
  fail "tail: $(job log tail "$work/l.log" 6)"
# A stdin that stays open, as the client's does while it follows.
mkfifo "$work/in"
exec 5<>"$work/in"
[ "$(job log follow "$work/l.log" 4 "$HOME/.reg/jobs/1" <&5)" = "two
three" ] || fail "follow from an offset"
job log follow "$work/l.log" 100 '' <&5
[ $? = 3 ] || fail "a shrunk log is not status 3"

# 6. Kill: the sleeping job's group, then its exit record says TERM; wait returns.
[ "$(job kill '~/.reg' TERM 5 1 "$sleeper" 1 | sort)" = "$(printf '%s\n' "$sleeper signalled" "1 ended" | sort)" ] ||
  fail "kill output"
wait_for "$HOME/.reg/jobs/$sleeper/exit" || fail "killed job has no exit record"
[ "$(head -n 1 "$HOME/.reg/jobs/$sleeper/exit")" = "status 143" ] || fail "killed: $(cat "$HOME/.reg/jobs/$sleeper/exit")"
kill -0 "$spid" 2>/dev/null && fail "the killed job still runs"
job wait '~/.reg' 1 2 "$sleeper" <&5 || fail "wait on ended jobs"

# 7. A missing working folder or program is refused before anything is created.
n=$(ls "$HOME/.reg/jobs" | wc -l)
if launch_raw base='~/.reg' workdir='~/nope' command=x jobscript='exec x' wrapper="$wrapper" \
  -- true 2>/dev/null; then
  fail "missing workdir accepted"
fi
if launch_raw base='~/.reg' command=x jobscript='exec x' wrapper="$wrapper" \
  -- no-such-cmd-xyz 2>/dev/null; then
  fail "missing program accepted"
fi
[ "$(ls "$HOME/.reg/jobs" | wc -l)" = "$n" ] || fail "a refused launch left a folder"

# 8. --check, before a push: a missing working folder or SCRIPT and a relative program are
#    left to the launch (the push brings them), a missing program is refused; GPU facts are
#    printed and the answer read; nothing is created.
if ! launch_raw check=1 base='~/.chk' workdir='~/nope' command=x jobscript='exec x' \
  script=run.sh -- ./run.sh </dev/null 2>/dev/null; then
  fail "--check refused what the push brings"
fi
if launch_raw check=1 base='~/.chk' command=x jobscript='exec x' -- no-such-cmd-xyz \
  2>/dev/null; then
  fail "--check accepted a missing program"
fi
if launch_raw check=1 base='~/.chk' command=x jobscript='exec x' -- /no/such/python \
  2>/dev/null; then
  fail "--check accepted a missing absolute program"
fi
facts=$(echo 0 | launch_raw check=1 base='~/.chk' choose_gpus=1 command=x jobscript='exec x' \
  -- true 2>&1)
case $facts in *@gpus*@choose) ;; *) fail "--check choosing GPUs printed: $facts" ;; esac
[ -e "$HOME/.chk" ] && fail "--check created the registry"

# 9. Kill with a signal that does not end the job, no grace and no KILL: it returns while
#    the job goes on (timeout catches a kill that waits for the job to end).
jobscript=$(cat <<'EOF'
exec sh -c 'trap "echo got >\$HOME/usr1.out" USR1; while :; do sleep 0.1; done'
EOF
)
set -- $(launch '~/.reg' '' usr1 "$jobscript" true)
usr1=$1 upid=$2
kill_usr1=$(timeout 8 "$sh_" -c "$(script_text job_kill)" \
  ec2dl-job_kill '~/.reg' USR1 0 0 "$usr1")
[ "$kill_usr1" = "$usr1 signalled" ] || fail "kill USR1: $kill_usr1"
wait_for "$HOME/usr1.out" || fail "the job did not get USR1"
kill -0 "$upid" 2>/dev/null || fail "USR1 ended the job"
[ -e "$HOME/.reg/jobs/$usr1/exit" ] && fail "USR1: exit record"
job kill '~/.reg' KILL 0 0 "$usr1" >/dev/null
wait_for "$HOME/.reg/jobs/$usr1/exit" || fail "KILL: no exit record"

# 10. Listing with processes: a command line holding "python" is listed, whatever the
#     process's name; ec2dl's own scripts (the listing included) and their children are not.
setsid sh -c 'sleep 600; :' fake-python-entry </dev/null >/dev/null 2>&1 &
entry=$!
setsid /bin/sh -c '# a script of ec2dl that says python
sh -c "sleep 600; :" python-child-of-a-script; :' ec2dl-x </dev/null >/dev/null 2>&1 &
plumbing=$!
i=0
# The child of the script (not the script, whose own text names it) has started.
until pgrep -P "$plumbing" >/dev/null || [ "$i" -ge 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
procs=$(job list '~/.reg' 1 0 | tr '\0' '\n')
case $procs in *"sh -c sleep 600; : fake-python-entry"*) ;; *) fail "python entry not listed" ;; esac
case $procs in *python-child-of-a-script* | *"a script of ec2dl"* | *"Lists jobs"*)
  fail "ec2dl's own scripts listed" ;;
esac
# Each is its own process group (setsid): end them with their children.
kill -- "-$entry" "-$plumbing" 2>/dev/null

# 11. Named inputs arrive byte for byte (quotes, $, a trailing newline); the first
#     in_env_count arguments are ENV words for the job's environment, the rest its argv.
name="it's \$(x) a
"
set -- $(launch_raw base='~/.named' name="$name" command='sh -c :' jobscript='exec sh -c :' \
  wrapper="$wrapper" env_count=2 -- "A=it's \$(x)" 'B=' sh -c : </dev/null |
  tr '\0' '\n' | awk 'NR % 2 == 1 { k = $0; next } k == "id" { print }')
dir=$HOME/.named/jobs/${1:-none}
[ "$(cat "$dir/name"; echo x)" = "${name}
x" ] || fail "named input: name $(od -An -c <"$dir/name")"
[ "$(printf 'sh\0-c\0:\0' | od -An -c)" = "$(od -An -c <"$dir/argv")" ] || fail "argv after ENV words"
tr '\0' '\n' <"$dir/env" | grep -qx "A=it's \$(x)" || fail "ENV word: $(od -An -c <"$dir/env")"
tr '\0' '\n' <"$dir/env" | grep -qx 'B=' || fail "empty ENV word"
if launch_raw base='~/.named' command=x jobscript='exec x' wrapper="$wrapper" env_count=1 \
  -- 'A=1' </dev/null 2>/dev/null; then
  fail "ENV words without a program accepted"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) under $sh_" >&2
  exit 1
fi
echo "job scripts: ok under $sh_"
