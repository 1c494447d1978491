# Lists jobs as NUL-separated key/value pairs. Runs after job_lib.sh.
# Usage: job_list.sh BASE PROCS [ID...]
#   No IDs: every job under BASE/jobs. PROCS=1 adds the python processes of the server:
#   those named python* or *.py and those whose command line holds "python" (torchrun,
#   accelerate, deepspeed, jupyter: python entry points), less ec2dl's own (see ours).
# Output: a header (now, boot, home[, btime, hz]), then per job "id" followed by its fields
# (missing, state, name, command, workdir, log, gpus, pid, started, exit), then per process
# "proc" followed by sid, start, user, comm, cmd. Text read from files is bounded (head -c)
# and loses NUL bytes, so nothing in a folder can break the framing or the client's memory.
# shellcheck disable=SC2154  # value, state, boot, proc_*: set by job_lib.sh, sent first
# uses: job_lib
set -u
base=$(expand_tilde "$1")
check_registry "$base"
procs=$2
shift 2
current_boot
printf '%s\0%s\0' now "$(date +%s)" boot "$boot" home "$HOME"

text() { # KEY FILE LIMIT: a bounded text field, when the file exists
  [ -f "$2" ] || return 0
  printf '%s\0%s\0' "$1" "$(head -c "$3" -- "$2" 2>/dev/null)"
}
number() { # KEY FILE
  read_value "$2" || return 0
  case $value in '' | *[!0-9]*) return 0 ;; esac
  printf '%s\0%s\0' "$1" "$value"
}

one() {
  d=$base/jobs/$1
  printf '%s\0%s\0' id "$1"
  if [ ! -d "$d" ]; then
    printf '%s\0%s\0' missing 1
    return 0
  fi
  job_state "$d"
  printf '%s\0%s\0' state "$state"
  # A running job whose process was stopped by a signal (kill --signal STOP, Ctrl-Z).
  if [ "$state" = running ] && read_value "$d/pid" && proc_stat "$value"; then
    case $proc_state in T | t) printf '%s\0%s\0' stopped 1 ;; esac
  fi
  text name "$d/name" 1024
  text command "$d/command" 65536
  text workdir "$d/workdir" 4096
  text log "$d/log" 4096
  text gpus "$d/gpus" 1024
  number pid "$d/pid"
  number started "$d/started"
  [ "$state" = ended ] && text exit "$d/exit" 256
  return 0
}

if [ $# -eq 0 ]; then
  for d in "$base"/jobs/*; do
    n=${d##*/}
    case $n in '' | *[!0-9]*) continue ;; esac
    one "$n"
  done
else
  for n in "$@"; do
    case $n in '' | *[!0-9]*) continue ;; esac
    one "$n"
  done
fi

# command_line PID: the first 4 KiB of PID's command line, words separated by spaces.
command_line() {
  head -c 4096 -- "/proc/$1/cmdline" 2>/dev/null | tr '\0' ' '
}

# ours CMD: true when the command line CMD is ec2dl's own: a script it sent (`/bin/sh -c`
# of a text that starts with a comment line, as all of them do) or a job's supervisor
# (`/bin/sh DIR/wrapper.sh ...`).
ours() {
  case ${1%% *} in *sh) ;; *) return 1 ;; esac
  case ${1#* } in "-c # "* | */wrapper.sh" "*) return 0 ;; esac
  return 1
}

if [ "$procs" = 1 ]; then
  btime=
  while read -r key val; do
    if [ "$key" = btime ]; then
      btime=$val
      break
    fi
  done </proc/stat
  printf '%s\0%s\0' btime "$btime" hz "$(getconf CLK_TCK 2>/dev/null || echo 100)"
  # The processes whose command line holds "python"; "pytho[n]" keeps grep from matching
  # its own command line.
  hits=" $(grep -l -s -e 'pytho[n]' /proc/[0-9]*/cmdline 2>/dev/null | tr '\n' ' ') "
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    comm=
    IFS= read -r comm 2>/dev/null <"$p/comm" || continue
    case $comm in
      python* | *.py) ;;
      *) case $hits in *" $p/cmdline "*) ;; *) continue ;; esac ;;
    esac
    proc_stat "$pid" || continue
    cmd=$(command_line "$pid")
    ours "$cmd" && continue
    # A child of one of ec2dl's scripts (its session leader is the script).
    [ "$proc_sid" != "$pid" ] && ours "$(command_line "$proc_sid")" && continue
    user=$(stat -c %U -- "$p" 2>/dev/null)
    printf '%s\0%s\0' proc "$pid" sid "$proc_sid" start "$proc_start" user "$user" \
      comm "$comm" cmd "$cmd"
  done
fi
