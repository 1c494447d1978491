# The supervisor of one job, copied into its folder as wrapper.sh (after job_lib.sh) and
# started detached by job_launch.sh.
# Usage: wrapper.sh DIR ID WORKDIR LOG UMASK   supervise the job of folder DIR
#        wrapper.sh --job DIR UMASK            (internal) become the job's process
# The supervisor records its own pid, enters WORKDIR, sets the job's environment, and runs
# the job in a session of its own (so its pid is its session id and process group id) with
# stdin from /dev/null and stdout and stderr appended to LOG. When the job ends it writes
# DIR/exit atomically: "status N" (128+N when the job died of signal N) and "ended EPOCH".
# It shrugs off HUP, INT, TERM and QUIT, so killing the job's group, or a stray pkill, still
# leaves the exit record written. Its own files are written under umask 077 (the registry is
# private); only the job itself gets the user's UMASK.
# shellcheck disable=SC2154  # value, state, boot, proc_*: set by job_lib.sh, sent first
# uses: job_lib
set -u

if [ "${1:-}" = --job ]; then
  # In the job's own process, just after setsid: record pid and start time, then exec.
  dir=$2 mask=$3
  proc_stat $$ || exit 127
  printf '%s\n' "$proc_start" >"$dir/pid_start"
  printf '%s\n' $$ >"$dir/pid.tmp" && mv -f -- "$dir/pid.tmp" "$dir/pid"
  umask "$mask"
  # job.sh exports the user's variables and execs the command.
  # shellcheck disable=SC1091
  . "$dir/job.sh"
  exit 127
fi

dir=$1 id=$2 workdir=$3 log=$4 mask=$5
# Handled (not ignored) signals go back to their defaults in the job, which is started
# below with exec; ignored ones would be inherited.
trap : HUP INT TERM QUIT

finish() {
  printf 'status %s\nended %s\n' "$1" "$(date +%s)" >"$dir/exit.tmp" &&
    mv -f -- "$dir/exit.tmp" "$dir/exit"
  exit 0
}

if proc_stat $$; then
  printf '%s\n' "$proc_start" >"$dir/wrapper_start"
fi
printf '%s\n' $$ >"$dir/wrapper_pid.tmp" && mv -f -- "$dir/wrapper_pid.tmp" "$dir/wrapper_pid"

if ! cd -- "$workdir"; then
  printf 'ec2dl: cannot enter the working folder %s\n' "$workdir" >>"$log"
  finish 126
fi
export PYTHONUNBUFFERED=1
EC2DL_JOB_ID=$id
export EC2DL_JOB_ID
if read_value "$dir/gpus" && [ -n "$value" ]; then
  CUDA_VISIBLE_DEVICES=$value
  CUDA_DEVICE_ORDER=PCI_BUS_ID
  export CUDA_VISIBLE_DEVICES CUDA_DEVICE_ORDER
fi

# A foreground child of this session leader is not a group leader, so setsid makes it a
# session leader in place: the pid it records is the job's pid, session and group.
setsid /bin/sh "$dir/wrapper.sh" --job "$dir" "$mask" </dev/null >>"$log" 2>&1
finish $?
