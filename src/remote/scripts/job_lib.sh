# Functions shared by the job scripts, which name it in their header ("# uses: job_lib"); the
# build puts this text (after lib.sh's) in front of each of them.
# A job folder holds one value per file (see docs/jobs.md); these helpers read them without
# forking where they can, so listing many jobs stays cheap. The functions set variables
# that the scripts read.
# shellcheck disable=SC2034
# uses: lib
:

# check_registry BASE: exits 1 with a message on stderr when BASE (or BASE/jobs) exists but
# is not a folder of this user that it can read and write: a file in the way, an unreadable
# folder, or a link to another user's folder. A missing BASE is fine (no jobs yet).
check_registry() {
  for reg_dir in "$1" "$1/jobs"; do
    [ -e "$reg_dir" ] || [ -L "$reg_dir" ] || return 0
    if [ ! -d "$reg_dir" ]; then
      printf 'the job registry %s is not a folder; move it out of the way\n' "$reg_dir" >&2
    elif [ ! -O "$reg_dir" ]; then
      printf 'the job registry %s belongs to another user\n' "$reg_dir" >&2
    elif [ ! -r "$reg_dir" ] || [ ! -w "$reg_dir" ] || [ ! -x "$reg_dir" ]; then
      printf 'the job registry %s cannot be read or written: Permission denied\n' "$reg_dir" >&2
    else
      continue
    fi
    exit 1
  done
}

# read_value FILE: sets $value to the first line of FILE (no fork); fails when unreadable.
read_value() {
  value=
  [ -r "$1" ] || return 1
  IFS= read -r value <"$1" || [ -n "$value" ]
}

# proc_stat PID: sets $proc_state, $proc_pgrp, $proc_sid and $proc_start from
# /proc/PID/stat (fields 3, 5, 6 and 22); fails when there is no such process.
proc_stat() {
  proc_line=
  case $1 in '' | *[!0-9]*) return 1 ;; esac
  IFS= read -r proc_line 2>/dev/null <"/proc/$1/stat" || return 1
  # The command name (field 2) may hold spaces and parentheses: cut after the last ") ".
  proc_rest=${proc_line##*) }
  set -f
  # shellcheck disable=SC2086  # word splitting of the numeric fields is intended
  set -- $proc_rest
  set +f
  [ $# -ge 20 ] || return 1
  proc_state=$1 proc_pgrp=$3 proc_sid=$4 proc_start=${20}
}

# proc_alive PID START: true when PID runs (not a zombie) and started at START.
proc_alive() {
  [ -n "$2" ] || return 1
  proc_stat "$1" || return 1
  [ "$proc_state" != Z ] && [ "$proc_start" = "$2" ]
}

# job_alive DIR: true while the job's main process or its wrapper still runs (checked
# against their recorded start times, so a reused pid never counts).
job_alive() {
  if read_value "$1/pid" && job_pid=$value && read_value "$1/pid_start" &&
    proc_alive "$job_pid" "$value"; then
    return 0
  fi
  read_value "$1/wrapper_pid" && job_wpid=$value && read_value "$1/wrapper_start" &&
    proc_alive "$job_wpid" "$value"
}

# boot_id: sets $boot to this boot's id.
current_boot() {
  boot=
  IFS= read -r boot 2>/dev/null </proc/sys/kernel/random/boot_id || boot=unknown
}

# job_state DIR: sets $state to ended (an exit record exists), running, starting (the
# launcher is still writing the folder), or lost. The exit record is read after the liveness
# checks, so a job that ends meanwhile is seen as ended, never as lost.
job_state() {
  if [ -f "$1/exit" ]; then
    state=ended
    return 0
  fi
  state=lost
  if read_value "$1/boot_id" && [ "$value" != "$boot" ]; then
    [ -f "$1/exit" ] && state=ended
    return 0
  fi
  if job_alive "$1"; then
    state=running
  elif [ ! -f "$1/wrapper_pid" ] && [ ! -f "$1/pid" ] && job_young "$1"; then
    state=starting
  fi
  [ -f "$1/exit" ] && state=ended
  return 0
}

# job_young DIR: true when DIR's "started" is less than a minute old (or not yet written).
job_young() {
  read_value "$1/started" || return 0
  now=$(date +%s)
  [ $((now - value)) -lt 60 ]
}

# exit_on_stdin_eof: ends this script when the client goes away (its stdin reaches EOF), so
# no polling loop outlives the connection. Call stop_stdin_watch before a normal exit.
exit_on_stdin_eof() {
  exec 3<&0
  (
    cat <&3 >/dev/null 2>&1
    kill -TERM "$1" 2>/dev/null
  ) >/dev/null 2>&1 &
  stdin_watch=$!
  exec 3<&-
}
stop_stdin_watch() {
  [ -n "${stdin_watch:-}" ] && kill "$stdin_watch" 2>/dev/null
  stdin_watch=
}
