# Starts a detached job and registers it. Runs after job_lib.sh (the client sends both).
# Usage: job_launch.sh ENV... ARGV...  with these named inputs, shell variables set before
# the script's first line (remote::ScriptCall):
#   in_check       1: only check, before SCRIPT is pushed: the program and, with
#                  in_choose_gpus 1, print the GPU facts and read a choice as below (without
#                  the lock); a missing WORKDIR or SCRIPT and a program given by a relative
#                  path are left to the launch (the push brings them). Starts and writes
#                  nothing; status 0 when nothing is wrong. 0: launch.
#   in_base        registry base folder ("~/.ec2dl"); jobs go to BASE/jobs/ID
#   in_workdir     working folder; empty: $HOME; relative: under $HOME
#   in_log         log file; empty: BASE/jobs/ID/output.log; relative: under WORKDIR
#   in_name        job name or empty
#   in_choose_gpus 1: print the GPU facts (nvidia-smi, GPUs of running jobs) ending with
#                  "@choose", then read the CUDA_VISIBLE_DEVICES value from stdin while
#                  holding BASE/gpu.lock (an empty line aborts); 0: the job gets no GPUs
#   in_command     the command, shell-quoted (the "command" file; JOBSCRIPT execs it)
#   in_jobscript   the sh text the job's process sources: exports and "exec COMMAND"
#   in_wrapper     the text of job_lib.sh + job_wrapper.sh
#   in_script      a file that must exist in WORKDIR before starting, or empty
#   in_env_count   how many of the arguments are ENV words ("K=V", added by the user); the
#                  rest are ARGV, the program first
# Prints NUL-separated key/value pairs: id pid log workdir gpus log_offset started.
# Fails (status 1, a message on stderr) before anything starts when WORKDIR, SCRIPT or the
# program is missing.
# shellcheck disable=SC2154  # in_*: set first; value, state, boot, proc_*: by job_lib.sh
# uses: job_lib
set -u
fail() {
  printf '%s\n' "$*" >&2
  exit 1
}
check=$in_check choose_gpus=$in_choose_gpus nenv=$in_env_count
base=$(expand_tilde "$in_base")
check_registry "$base"
workdir=$in_workdir log=$in_log name=$in_name display=$in_command jobscript=$in_jobscript
wrapper=$in_wrapper script=$in_script
case $nenv in '' | *[!0-9]*) fail "bad environment count: $nenv" ;; esac
[ $# -gt "$nenv" ] || fail "no command given"
user_mask=$(umask)

# Move the ENV words behind ARGV: "$@" is then ARGV... ENV..., and $1 the program.
i=0
while [ "$i" -lt "$nenv" ]; do
  set -- "$@" "$1"
  shift
  i=$((i + 1))
done
nargv=$(($# - nenv))

command -v setsid >/dev/null 2>&1 ||
  fail "setsid (util-linux) is not installed on the server; it is needed to detach jobs"

case $workdir in
  '') workdir=$HOME ;;
  \~ | \~/*) workdir=$(expand_tilde "$workdir") ;;
  /*) ;;
  *) workdir=$HOME/$workdir ;;
esac
if cd -- "$workdir" 2>/dev/null; then
  workdir=$(pwd)
elif [ "$check" = 0 ]; then
  fail "working folder $workdir does not exist on the server"
fi

if [ -n "$script" ] && [ "$check" = 0 ]; then
  s=$(expand_tilde "$script")
  [ -f "$s" ] || fail "no file $script in $workdir on the server"
fi

# The program must exist, unless the job brings its own PATH.
path_given=0
i=0
for word in "$@"; do
  i=$((i + 1))
  [ "$i" -gt "$nargv" ] || continue
  case $word in PATH=*) path_given=1 ;; esac
done
if [ "$path_given" = 0 ]; then
  prog=$1
  case $prog in
    /* | \~/*) ;;
    */*) [ "$check" = 0 ] || prog=true ;; # may come with the push: the launch checks it
  esac
  case $prog in
    */*)
      p=$(expand_tilde "$prog")
      if [ ! -f "$p" ] || [ ! -x "$p" ]; then
        fail "$prog is not an executable file on the server"
      fi
      ;;
    *) command -v "$prog" >/dev/null 2>&1 || fail "$prog: command not found on the server" ;;
  esac
fi

# nvidia-smi's output, followed by what it wrote on stderr only when it failed: a warning on
# stderr must not be read as CSV.
smi() {
  smi_err=$(mktemp) || fail "cannot create a temporary file"
  nvidia-smi "$@" 2>"$smi_err"
  smi_status=$?
  [ "$smi_status" -eq 0 ] || cat -- "$smi_err"
  rm -f -- "$smi_err"
  return "$smi_status"
}

# gpu_facts: prints the GPU facts (nvidia-smi's GPUs and compute processes, the GPUs of
# running jobs) ending with "@choose", then sets $gpus to the line read from stdin.
gpu_facts() {
  current_boot
  echo "@gpus"
  smi --query-gpu=index,uuid,memory.free,memory.total --format=csv,nounits
  echo "@gpus_status $?"
  echo "@apps"
  smi --query-compute-apps=gpu_uuid,pid --format=csv,nounits
  echo "@apps_status $?"
  echo "@jobs"
  for d in "$base"/jobs/*; do
    if ! read_value "$d/gpus" || [ -z "$value" ]; then
      continue
    fi
    g=$value
    case $g in *[!0-9A-Za-z,-]*) continue ;; esac
    job_state "$d"
    read_value "$d/pid" || value=-
    case $state in running | starting) printf '%s %s %s\n' "${d##*/}" "$g" "$value" ;; esac
  done
  echo "@choose"
  gpus=
  IFS= read -r gpus || exit 1
}

if [ "$check" = 1 ]; then
  [ "$choose_gpus" = 1 ] && gpu_facts
  exit 0
fi

umask 077
mkdir -p -- "$base/jobs" || fail "cannot create $base/jobs"

gpus=
if [ "$choose_gpus" = 1 ]; then
  if command -v flock >/dev/null 2>&1; then
    exec 9>>"$base/gpu.lock"
    flock -w 120 9 || fail "another launch has held $base/gpu.lock for 2 minutes"
  fi
  gpu_facts
  [ -n "$gpus" ] || exit 0
fi
case $gpus in *[!0-9A-Za-z,-]*) fail "bad GPU list: $gpus" ;; esac

# The id: one more than the highest so far; mkdir decides between concurrent launches.
max=0
if read_value "$base/last_id"; then
  case $value in '' | *[!0-9]*) ;; *) [ ${#value} -le 9 ] && max=$value ;; esac
fi
for d in "$base"/jobs/*; do
  n=${d##*/}
  case $n in '' | *[!0-9]*) continue ;; esac
  [ ${#n} -le 9 ] && [ "$n" -gt "$max" ] && max=$n
done
id=$((max + 1))
until mkdir -- "$base/jobs/$id" 2>/dev/null; do
  [ -d "$base/jobs/$id" ] || fail "cannot create $base/jobs/$id"
  id=$((id + 1))
done
dir=$base/jobs/$id
printf '%s\n' "$id" >"$base/last_id.$$" && mv -f -- "$base/last_id.$$" "$base/last_id"

abort() {
  rm -rf -- "$dir"
  fail "$@"
}
case $log in
  '') log=$dir/output.log ;;
  \~ | \~/*) log=$(expand_tilde "$log") ;;
  /*) ;;
  *) log=$workdir/$log ;;
esac
[ -d "$log" ] && abort "log $log is a folder"
mkdir -p -- "$(dirname -- "$log")" 2>/dev/null
: >>"$log" 2>/dev/null || abort "cannot write the log $log"
log_offset=$(wc -c <"$log" | tr -d ' ')

{
  [ -z "$name" ] || printf '%s\n' "$name" >"$dir/name"
  printf '%s\n' "$display" >"$dir/command"
  i=0
  for word in "$@"; do
    i=$((i + 1))
    [ "$i" -le "$nargv" ] && printf '%s\0' "$word"
  done >"$dir/argv"
  {
    printf '%s\0' PYTHONUNBUFFERED=1
    [ -z "$gpus" ] || printf '%s\0' "CUDA_VISIBLE_DEVICES=$gpus" CUDA_DEVICE_ORDER=PCI_BUS_ID
    printf '%s\0' "EC2DL_JOB_ID=$id"
    i=0
    for word in "$@"; do
      i=$((i + 1))
      [ "$i" -gt "$nargv" ] && printf '%s\0' "$word"
    done
  } >"$dir/env"
  printf '%s\n' "$workdir" >"$dir/workdir"
  printf '%s\n' "$gpus" >"$dir/gpus"
  printf '%s\n' "$log" >"$dir/log"
  current_boot
  printf '%s\n' "$boot" >"$dir/boot_id"
  started=$(date +%s)
  printf '%s\n' "$started" >"$dir/started"
  printf '%s\n' "$jobscript" >"$dir/job.sh"
  printf '%s\n' "$wrapper" >"$dir/wrapper.sh"
} || abort "cannot write the job folder $dir"

# Detach: a new session, no terminal, nothing of this connection kept open. `setsid -f`
# forks inside setsid, so the wrapper keeps default SIGINT/SIGQUIT handling (a shell's
# background job would ignore them, and so would the job it starts).
set -- "$dir/wrapper.sh" "$dir" "$id" "$workdir" "$log" "$user_mask"
if ! setsid -f /bin/sh "$@" </dev/null >/dev/null 2>&1 9>&-; then
  setsid /bin/sh "$@" </dev/null >/dev/null 2>&1 9>&- &
fi

# Return once the job's process has recorded itself (or already ended).
i=0
while [ ! -f "$dir/pid" ] && [ ! -f "$dir/exit" ]; do
  i=$((i + 1))
  [ "$i" -le 400 ] || fail "job $id did not start within 20 seconds (see $dir)"
  sleep 0.05 2>/dev/null || sleep 1
done
read_value "$dir/pid"
printf '%s\0%s\0' id "$id" pid "$value" log "$log" workdir "$workdir" gpus "$gpus" \
  log_offset "$log_offset" started "$started"
