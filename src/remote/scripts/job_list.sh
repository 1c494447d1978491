# Lists jobs as NUL-separated key/value pairs. Runs after job_lib.sh.
# Usage: job_list.sh BASE PROCS NEWEST [ID...]
#   No IDs: every job under BASE/jobs, or the NEWEST ones (highest ids) when NEWEST is not 0.
#   PROCS=1 adds the python processes of the server:
#   those named python* or *.py and those whose command line holds "python" (torchrun,
#   accelerate, deepspeed, jupyter: python entry points), less ec2dl's own (see ours).
# Output: a header (now, boot, home[, btime, hz]), then per job "id" followed by its fields
# (missing, state, name, command, workdir, log, gpus, pid, started, exit), in any order of
# jobs, then per process "proc" followed by sid, start, user, comm, cmd. Text read from files
# is bounded (head -c) and loses NUL bytes, so nothing in a folder can break the framing or
# the client's memory.
# An ended job's fields no longer change: its record is kept in DIR/listing the first time
# it is listed (written aside, then renamed) and later listings send the kept records with
# one `cat` for many jobs instead of six forks per job. A record is used only while it is
# strictly newer than every file it was made from (so a file rewritten since, even within
# the same second, makes it again).
# shellcheck disable=SC2154  # value, state, boot, proc_*: set by job_lib.sh, sent first
# uses: job_lib
set -u
umask 077
base=$(expand_tilde "$1")
check_registry "$base"
procs=$2 newest=$3
shift 3
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

# fresh DIR: true when DIR/listing is newer than every file its record is made from.
fresh() {
  for f in exit name command workdir log gpus pid started; do
    # shellcheck disable=SC3013  # -nt: only used when the shell has it (keep, below)
    [ ! -e "$1/$f" ] || [ "$1/listing" -nt "$1/$f" ] || return 1
  done
}

# keep: 1 when this sh has `test -nt` (dash, bash, busybox, ksh, zsh do; POSIX does not
# require it): then records are kept; otherwise every job is read each time.
# shellcheck disable=SC3013
[ / -nt / ] 2>/dev/null
nt_status=$?
keep=0
[ "$nt_status" -le 1 ] && keep=1
kept=''  # records to send, as ID/listing relative to the jobs folder
kept_count=0
send_kept() {
  [ -n "$kept" ] || return 0
  set -f
  # shellcheck disable=SC2086  # the words are ID/listing: digits and a slash
  (cd -- "$base/jobs" && cat -- $kept 2>/dev/null)
  set +f
  kept='' kept_count=0
}

one() {
  d=$base/jobs/$1
  [ "$keep" = 1 ] || {
    fields "$1"
    return 0
  }
  if [ -f "$d/exit" ] && [ -f "$d/listing" ] && fresh "$d"; then
    kept="$kept $1/listing"
    kept_count=$((kept_count + 1))
    [ "$kept_count" -lt 2000 ] || send_kept
    return 0
  fi
  if [ -f "$d/exit" ] && [ -w "$d" ]; then
    # Make the record aside, then rename it: a listing killed halfway keeps none.
    if fields "$1" >"$d/.listing.$$" 2>/dev/null && mv -f -- "$d/.listing.$$" "$d/listing"; then
      kept="$kept $1/listing"
      kept_count=$((kept_count + 1))
      [ "$kept_count" -lt 2000 ] || send_kept
      return 0
    fi
    rm -f -- "$d/.listing.$$"
  fi
  fields "$1"
}

fields() {
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

if [ $# -eq 0 ] && [ "$newest" != 0 ] && [ -d "$base/jobs" ]; then
  # The NEWEST highest ids, from the folder names alone.
  for n in $(
    for d in "$base"/jobs/*; do
      case ${d##*/} in '' | *[!0-9]*) continue ;; esac
      echo "${d##*/}"
    done | sort -n | tail -n "$newest"
  ); do
    one "$n"
  done
elif [ $# -eq 0 ] && [ "$keep" = 1 ] && [ -d "$base/jobs" ]; then
  # Every job, in one pass over the folders' files (GNU find, as push and pull need): awk
  # says which kept records are still fresh ("K ID", sent with cat) and which jobs must be
  # read ("S ID"), by the same rule as fresh(). %T@ is read as a number; rounding keeps the
  # order of two times, so a file newer than the record never looks older.
  verdicts=$(cd -- "$base/jobs" && find . -mindepth 1 -maxdepth 2 -printf '%h\t%f\t%T@\n' 2>/dev/null |
    awk -F '\t' '
      $1 == "." { id = $2 } $1 != "." { id = substr($1, 3) }
      id !~ /^[0-9]+$/ { next }
      !(id in seen) { seen[id] = 1; order[++n] = id }
      $1 == "." { next }
      $2 == "listing" { kept[id] = $3 + 0; next }
      $2 ~ /^(exit|name|command|workdir|log|gpus|pid|started)$/ {
        if (!(id in dep) || $3 + 0 > dep[id]) dep[id] = $3 + 0
        if ($2 == "exit") ended[id] = 1
      }
      END {
        for (i = 1; i <= n; i++) {
          id = order[i]
          if ((id in ended) && (id in kept) && kept[id] > dep[id]) print "K " id "/listing"
          else print "S " id
        }
      }')
  printf '%s\n' "$verdicts" | sed -n 's/^K //p' | (cd -- "$base/jobs" && xargs -r cat -- 2>/dev/null)
  for n in $(printf '%s\n' "$verdicts" | sed -n 's/^S //p'); do
    one "$n"
  done
elif [ $# -eq 0 ]; then
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
send_kept

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
