# Signals jobs: the whole session of each (its process group and any child that moved to a
# group of its own), never another process. Runs after job_lib.sh.
# Usage: job_kill.sh BASE SIGNAL GRACE ESCALATE ID...
#   SIGNAL    a signal name without SIG ("TERM")
#   GRACE     seconds to wait for the jobs to end (whole seconds)
#   ESCALATE  1: send KILL to what is left of a job after GRACE; 0: only wait
# Prints one line per job: "ID ended" (it had already ended), "ID gone" (its process was
# not running), "ID signalled" (it got SIGNAL), "ID killed" (it needed KILL after GRACE).
# With GRACE 0, ESCALATE 0 and a SIGNAL other than KILL it returns as soon as the signals
# are sent (a signal such as USR1 need not end the job); otherwise it then waits up to 5 s
# for the exit records, so a listing right after is final.
# A process counts as the job's only while the job's main process runs with its recorded
# start time, or when it was seen in the job's session at the first signal (same pid and
# start time), so a reused pid is never signalled.
# shellcheck disable=SC2154  # value, state, boot, proc_*: set by job_lib.sh, sent first
# uses: job_lib
set -u
base=$(expand_tilde "$1") sig=$2 grace=$3 escalate=$4
check_registry "$base"
shift 4

# members SID: sets $found to "pid:start " for every process of session SID.
members() {
  found=
  for p in /proc/[0-9]*; do
    proc_stat "${p#/proc/}" || continue
    [ "$proc_sid" = "$1" ] && found="$found${p#/proc/}:$proc_start "
  done
}

# signal_session SIG PID START SNAPSHOT: signals the group, then every process of the
# session that is still the one seen before (or any, while the leader is the job).
signal_session() {
  if proc_alive "$2" "$3"; then
    kill -s "$1" -- "-$2" 2>/dev/null
    members "$2"
    for m in $found; do
      kill -s "$1" -- "${m%%:*}" 2>/dev/null
    done
  fi
  for m in $4; do
    proc_alive "${m%%:*}" "${m#*:}" && kill -s "$1" -- "${m%%:*}" 2>/dev/null
  done
  return 0
}

# session_done PID START SNAPSHOT: true when the job and everything seen in it are gone.
session_done() {
  proc_alive "$1" "$2" && return 1
  for m in $3; do
    proc_alive "${m%%:*}" "${m#*:}" && return 1
  done
  return 0
}

current_boot
targets=
for id in "$@"; do
  case $id in '' | *[!0-9]*) continue ;; esac
  d=$base/jobs/$id
  if [ -f "$d/exit" ]; then
    echo "$id ended"
    continue
  fi
  if ! { read_value "$d/pid" && pid=$value && read_value "$d/pid_start" && start=$value &&
    read_value "$d/boot_id" && [ "$value" = "$boot" ] && proc_alive "$pid" "$start"; }; then
    if [ -f "$d/exit" ]; then echo "$id ended"; else echo "$id gone"; fi
    continue
  fi
  members "$pid"
  snap=$found
  signal_session "$sig" "$pid" "$start" "$snap"
  printf '%s\n' "$snap" >"$d/.kill.$$"
  targets="$targets$id:$pid:$start "
done

# Wait for the grace period, checking five times a second.
ticks=$((grace * 5))
while [ "$ticks" -gt 0 ] && [ -n "$targets" ]; do
  alive=0
  for t in $targets; do
    id=${t%%:*} rest=${t#*:}
    pid=${rest%%:*} start=${rest#*:}
    session_done "$pid" "$start" "$(cat "$base/jobs/$id/.kill.$$")" || alive=1
  done
  [ "$alive" = 0 ] && break
  sleep 0.2 2>/dev/null || sleep 1
  ticks=$((ticks - 1))
done

for t in $targets; do
  id=${t%%:*} rest=${t#*:}
  pid=${rest%%:*} start=${rest#*:}
  d=$base/jobs/$id
  snap=$(cat "$d/.kill.$$")
  rm -f -- "$d/.kill.$$"
  if [ "$escalate" = 1 ] && ! session_done "$pid" "$start" "$snap"; then
    signal_session KILL "$pid" "$start" "$snap"
    echo "$id killed"
  else
    echo "$id signalled"
  fi
done

# Give the wrappers a moment to write the exit records, so a listing right after is final.
if [ "$grace" = 0 ] && [ "$escalate" = 0 ] && [ "$sig" != KILL ] && [ "$sig" != 9 ]; then
  exit 0
fi
i=0
while [ "$i" -lt 25 ] && [ -n "$targets" ]; do
  waiting=0
  for t in $targets; do
    [ -f "$base/jobs/${t%%:*}/exit" ] || waiting=1
  done
  [ "$waiting" = 0 ] && break
  sleep 0.2 2>/dev/null || sleep 1
  i=$((i + 1))
done
