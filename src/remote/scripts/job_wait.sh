# Blocks until every listed job has ended or is lost. Runs after job_lib.sh.
# Usage: job_wait.sh BASE ID...
# Checks four times a second, reading only small files and /proc (no forks but sleep), and
# gives up when the client goes away. Prints nothing; the client lists the jobs afterwards.
# shellcheck disable=SC2154  # value, state, boot, proc_*: set by job_lib.sh, sent first
# uses: job_lib
set -u
base=$(expand_tilde "$1")
check_registry "$base"
shift
exit_on_stdin_eof $$
trap stop_stdin_watch EXIT
current_boot
while :; do
  left=0
  for id in "$@"; do
    d=$base/jobs/$id
    [ -d "$d" ] || continue
    [ -f "$d/exit" ] && continue
    job_state "$d"
    case $state in running | starting) left=1 ;; esac
  done
  [ "$left" = 0 ] && exit 0
  sleep 0.25 2>/dev/null || sleep 1
done
