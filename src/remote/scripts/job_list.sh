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
# An ended job's fields no longer change: the first listing that reads it after it ended
# keeps its record in DIR/listing.v1 (see keep_record), and later listings send the kept
# records with one find/awk pass and one cat for all jobs instead of six forks per job.
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

# fields ID: the job's record, read from its files.
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

# Kept records need GNU find's -printf (for the files' times) and a registry this user can
# write; without them (busybox) every job is read each time.
keep=0
if [ -d "$base/jobs" ] && [ -w "$base/jobs" ] &&
  find "$base/jobs" -maxdepth 0 -printf '' 2>/dev/null; then
  keep=1
fi

# The ids to list, one per line: those given; else every job folder, or the NEWEST.
selected() {
  if [ $# -gt 0 ]; then
    for n in "$@"; do
      case $n in '' | *[!0-9]*) continue ;; esac
      echo "$n"
    done
    return 0
  fi
  for d in "$base"/jobs/*; do
    [ -d "$d" ] || continue
    case ${d##*/} in '' | *[!0-9]*) continue ;; esac
    echo "${d##*/}"
  done | if [ "$newest" != 0 ]; then sort -n | tail -n "$newest"; else cat; fi
}

# keep_record ID: makes DIR/listing.v1 for an ended job, or fails leaving none. The record
# ends with the pair "kept 1" (ignored by the client) whose write must succeed, so a record
# cut short by a full disk is not kept. Its time is set to a stamp taken before the first
# file was read, so a file rewritten while it was made is newer and makes it again.
keep_record() {
  d=$base/jobs/$1
  tmp=$d/.listing.$$
  for left in "$d"/.listing.*; do # what a listing killed halfway left
    [ -e "$left" ] && rm -f -- "$d"/.listing.*
    break
  done
  : >"$tmp.stamp" 2>/dev/null || return 1
  if { fields "$1" && printf '%s\0%s\0' kept 1; } >"$tmp" 2>/dev/null &&
    touch -r "$tmp.stamp" -- "$tmp" && mv -f -- "$tmp" "$d/listing.v1"; then
    rm -f -- "$tmp.stamp"
    return 0
  fi
  rm -f -- "$tmp" "$tmp.stamp"
  return 1
}

ids=$(selected "$@")
if [ "$keep" = 1 ] && [ -n "$ids" ]; then
  # One pass over the selected folders' files (times as numbers; rounding keeps the order of
  # two times, so a file newer than the record never looks older). A kept record is sent
  # ("K") while the job has ended and the record is strictly newer than the later of the
  # modification and change times of every file it was made from (a change time cannot be
  # set back); any other job is read ("S"), and kept when it has ended.
  verdicts=$(
    {
      # shellcheck disable=SC2086  # the ids are digits, one per line
      printf 'R\t%s\n' $ids
      printf '%s\n' "$ids" | (cd -- "$base/jobs" && xargs -r sh -c \
        'exec find "$@" -maxdepth 1 -printf "%h\t%f\t%T@\t%C@\n" 2>/dev/null' sh)
    } | awk -F '\t' '
      $1 == "R" { if (!($2 in want)) { want[$2] = 1; order[++n] = $2 } next }
      $1 == "." { next }
      { id = $1; sub(/^\.\//, "", id) }
      !(id in want) { next }
      $2 == "listing.v1" { kept[id] = $3 + 0; next }
      $2 ~ /^(exit|name|command|workdir|log|gpus|pid|started)$/ {
        t = $3 + 0; if ($4 + 0 > t) t = $4 + 0
        if (!(id in dep) || t > dep[id]) dep[id] = t
        if ($2 == "exit") ended[id] = 1
      }
      END {
        for (i = 1; i <= n; i++) {
          id = order[i]
          if ((id in ended) && (id in kept) && kept[id] > dep[id]) print "K " id "/listing.v1"
          else print "S " id
        }
      }')
  fresh=$(printf '%s\n' "$verdicts" | sed -n 's/^K //p')
  made=''
  for n in $(printf '%s\n' "$verdicts" | sed -n 's/^S //p'); do
    if [ -f "$base/jobs/$n/exit" ] && keep_record "$n"; then
      made="$made
$n/listing.v1"
    else
      fields "$n"
    fi
  done
  printf '%s\n%s\n' "$fresh" "$made" | sed '/^$/d' |
    (cd -- "$base/jobs" && xargs -r cat -- 2>/dev/null)
else
  for n in $ids; do
    fields "$n"
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
