# Shared by gpu_query.sh and top_snapshot.sh (their "# uses:" line puts it in front of them):
# the job registry as the monitoring commands read it.
# ec2dl_jobs BASE prints, for each job folder BASE/jobs/ID/:
#   job ID PID PID_START EXITED     ("-" for a missing or non-numeric value; EXITED 0 or 1)
#   name NAME                       (first line of the name file; may be empty)
#   workdir DIR                     (first line of the workdir file; may be empty)
# Folders whose name is not a plain job id are skipped, so every record stays on its lines.
ec2dl_jobs() {
  for d in "$1"/jobs/*/; do
    [ -d "$d" ] || continue
    id=${d%/}
    id=${id##*/}
    case $id in '' | *[!A-Za-z0-9._@:+-]*) continue ;; esac
    pid='' start='' name='' workdir='' exited=0
    [ -e "${d}exit" ] && exited=1
    [ -r "${d}pid" ] && { IFS= read -r pid <"${d}pid" || :; }
    [ -r "${d}pid_start" ] && { IFS= read -r start <"${d}pid_start" || :; }
    # Text fields are read bounded (a huge or hostile file costs 4 KiB, not its size); the
    # working folder matters only while the job may run.
    [ -r "${d}name" ] && name=$(head -c 4096 -- "${d}name" 2>/dev/null | head -n 1)
    [ "$exited" = 0 ] && [ -r "${d}workdir" ] &&
      workdir=$(head -c 4096 -- "${d}workdir" 2>/dev/null | head -n 1)
    case $pid in '' | *[!0-9]*) pid=- ;; esac
    case $start in '' | *[!0-9]*) start=- ;; esac
    printf 'job %s %s %s %s\nname %s\nworkdir %s\n' "$id" "$pid" "$start" "$exited" "$name" "$workdir"
  done
}
