# ec2dl top: one snapshot of the server, as sections after "MARKER NAME" lines: two samples of
# /proc/stat's cpu lines and of every /proc/PID/stat DELAY seconds apart (CPU use is their
# difference), memory, load, uptime, the job registry, the owners and command lines of the
# processes, and the disk use of the filesystems holding the home, /, the working folder and
# the jobs' folders. "self PID" names this script's shell, so its own processes can be left out.
# Usage: top_snapshot.sh MARKER BASE DELAY [PID] [JOB] [WORKDIR]
#   PID or JOB (a job id or name): also sample the threads of that process, or of every
#   process in that job's session ("/proc/PID/task/TID/stat:LINE" lines).
#   WORKDIR: the saved host's working folder (relative to the home); while it does not exist,
#   the nearest folder above it that does (the disk it will be created on).
# uses: lib gpu_top_jobs
m=$1 base=$2 delay=$3 want_pid=${4-} want_job=${5-} workdir=${6-}
expand_tilde "$base" base
case $want_pid in *[!0-9]*) want_pid='' ;; esac

printf '%s host %s\n' "$m" "$(uname -n 2>/dev/null)"
printf '%s self %s\n' "$m" "$$"
printf '%s conf %s %s\n' "$m" "$(getconf CLK_TCK 2>/dev/null || echo 100)" \
  "$(getconf PAGESIZE 2>/dev/null || echo 4096)"
printf '%s uptime\n' "$m"
cat /proc/uptime
printf '%s loadavg\n' "$m"
cat /proc/loadavg
printf '%s meminfo\n' "$m"
cat /proc/meminfo

jobs=$(ec2dl_jobs "$base")
printf '%s jobs\n%s\n' "$m" "$jobs"

# The sessions of the jobs named JOB (by id or name), to follow into their threads.
sids=
if [ -n "$want_job" ]; then
  sids=$(printf '%s\n' "$jobs" | W=$want_job awk '
    $1 == "job" { id = $2; pid = $3; next }
    $1 == "name" { name = substr($0, 6); if ((id == ENVIRON["W"] || name == ENVIRON["W"]) && pid != "-") print pid }')
fi

members=
sample() {
  printf '%s cpu%s\n' "$m" "$1"
  while IFS= read -r l; do
    case $l in
      cpu*) printf '%s\n' "$l" ;;
      *) break ;;
    esac
  done </proc/stat
  procs=$(cat /proc/[0-9]*/stat 2>/dev/null)
  printf '%s procs%s\n%s\n' "$m" "$1" "$procs"
  if [ "$1" = 1 ]; then
    if [ -n "$want_pid" ]; then
      members=$want_pid
    elif [ -n "$sids" ]; then
      members=$(printf '%s\n' "$procs" | S=$sids awk '
        BEGIN { n = split(ENVIRON["S"], s, "\n"); for (i = 1; i <= n; i++) want[s[i]] = 1 }
        { r = $0; sub(/^.*\) /, "", r); if (split(r, f, " ") >= 4 && (f[4] in want)) print $1 }')
    fi
  fi
  printf '%s threads%s\n' "$m" "$1"
  if [ -n "$members" ]; then
    set --
    for p in $members; do
      set -- "$@" /proc/"$p"/task/[0-9]*/stat
    done
    grep -s -H '' "$@"
  fi
}

sample 1
sleep "$delay" 2>/dev/null || sleep 1
sample 2

printf '%s owners\n' "$m"
stat -c '%n %U' /proc/[0-9]* 2>/dev/null
printf '%s args\n' "$m"
ps -ww -eo pid=,args= 2>/dev/null | cut -c1-400

disk() {
  printf '%s disk %s\n' "$m" "$1"
  df -P -k -- "$2" 2>/dev/null | sed 1d
}
disk home "$HOME"
disk root /
if [ -n "$workdir" ]; then
  case $workdir in
    \~ | \~/*) expand_tilde "$workdir" workdir ;;
    /*) ;;
    *) workdir=$HOME/$workdir ;;
  esac
  while [ ! -e "$workdir" ] && [ "$workdir" != / ]; do
    workdir=$(dirname -- "$workdir")
  done
  disk workdir "$workdir"
fi
printf '%s\n' "$jobs" | while IFS= read -r line; do
  case $line in
    "job "*)
      id=${line#job }
      id=${id%% *}
      exited=${line##* }
      ;;
    "workdir "?*)
      [ "$exited" = 0 ] && disk "job:$id" "${line#workdir }"
      ;;
  esac
done
printf '%s end\n' "$m"
exit 0
