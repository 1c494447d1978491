# ec2dl gpu: one sample of the GPUs and their compute processes, with the owner and session
# of each process and the job registry, as sections after "MARKER NAME" lines.
# Usage: gpu_query.sh MARKER BASE GPU_FIELDS APP_FIELDS    (APP_FIELDS starts "gpu_uuid,pid,")
#        gpu_query.sh MARKER BASE --raw                    (plain nvidia-smi, passed through)
# Sections: host NAME; missing (no nvidia-smi); gpus STATUS; apps STATUS; jobs; stat (the
# /proc/PID/stat lines of GPU and job processes); owners ("/proc/PID USER"); end.
# nvidia-smi's stderr is left on the script's stderr: only its stdout is CSV.
# uses: lib gpu_top_jobs
m=$1 base=$2
expand_tilde "$base" base

smi=$(command -v nvidia-smi 2>/dev/null) || smi=
if [ -z "$smi" ]; then
  # Driver installs that do not put it on the PATH of non-interactive shells.
  for c in /usr/local/nvidia/bin/nvidia-smi /usr/lib/wsl/lib/nvidia-smi; do
    if [ -x "$c" ]; then
      smi=$c
      break
    fi
  done
fi
if [ "${3-}" = --raw ]; then
  if [ -z "$smi" ]; then
    printf '%s missing\n' "$m"
    exit 127
  fi
  exec "$smi"
fi

printf '%s host %s\n' "$m" "$(uname -n 2>/dev/null)"
if [ -z "$smi" ]; then
  printf '%s missing\n%s end\n' "$m" "$m"
  exit 0
fi
out=$("$smi" --query-gpu="$3" --format=csv,nounits)
st=$?
printf '%s gpus %s\n%s\n' "$m" "$st" "$out"
if [ "$st" -ne 0 ]; then
  printf '%s end\n' "$m"
  exit 0
fi
apps=$("$smi" --query-compute-apps="$4" --format=csv,nounits)
st=$?
printf '%s apps %s\n%s\n' "$m" "$st" "$apps"

jobs=$(ec2dl_jobs "$base")
printf '%s jobs\n%s\n' "$m" "$jobs"

gpu_pids=
[ "$st" -eq 0 ] && gpu_pids=$(printf '%s\n' "$apps" | sed 1d | cut -d, -f2 | tr -cd '0-9\n')
job_pids=$(printf '%s\n' "$jobs" | sed -n 's/^job [^ ]* \([0-9][0-9]*\) .*/\1/p')
printf '%s stat\n' "$m"
for pid in $gpu_pids $job_pids; do
  IFS= read -r line 2>/dev/null <"/proc/$pid/stat" && printf '%s\n' "$line"
done
printf '%s owners\n' "$m"
set --
for pid in $gpu_pids; do
  [ -d "/proc/$pid" ] && set -- "$@" "/proc/$pid"
done
[ $# -gt 0 ] && stat -c '%n %U' -- "$@" 2>/dev/null
printf '%s end\n' "$m"
exit 0
