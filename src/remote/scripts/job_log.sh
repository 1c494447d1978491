# Reads a log by byte offset. Runs after job_lib.sh.
# Usage: job_log.sh tail LOG LEN
#          prints the log's size in bytes and a newline, then its last LEN bytes (fewer
#          when it is shorter): exactly the bytes before that size.
#        job_log.sh follow LOG OFFSET [DIR [MARK]]
#          prints the log's bytes from OFFSET on as they are written. With DIR (a job
#          folder) it ends, status 0, once the job has ended and every byte is out; without
#          DIR it goes on until the client goes away. Status 3: the log shrank below
#          OFFSET, or the bytes before OFFSET changed (truncated or replaced, then written
#          past OFFSET again): the client follows it again from 0; status 4: the log
#          cannot be read. MARK: the bytes before OFFSET as the client has them, in hex
#          ("-" or none: taken from the log when the follow starts).
# LOG may start with "~/"; a relative LOG is under $HOME.
# shellcheck disable=SC2154  # value, state, boot, proc_*: set by job_lib.sh, sent first
# uses: job_lib
set -u
mode=$1
log=$(expand_tilde "$2")

size_of() {
  size=$(wc -c 2>/dev/null <"$log" | tr -d ' ')
  case $size in '' | *[!0-9]*) return 1 ;; esac
}

# emit FROM TO: the bytes in [FROM, TO).
emit() {
  tail -c +"$(($1 + 1))" -- "$log" | head -c "$(($2 - $1))"
}

# mark_at OFF: sets $mark to the (up to) 32 bytes before OFF, in hex: a log truncated and
# written again past OFF between two looks no longer has the bytes already sent there.
mark_at() {
  mark_len=32
  [ "$1" -lt "$mark_len" ] && mark_len=$1
  mark=
  [ "$mark_len" -gt 0 ] || return 0
  mark=$(emit "$(($1 - mark_len))" "$1" 2>/dev/null | od -A n -v -t x1 | tr -d ' \n')
}

case $mode in
  tail)
    len=$3
    size_of || {
      printf 'cannot read %s\n' "$log" >&2
      exit 4
    }
    from=0
    [ "$size" -gt "$len" ] && from=$((size - len))
    printf '%s\n' "$size"
    emit "$from" "$size"
    ;;
  follow)
    off=$3
    dir=$(expand_tilde "${4:-}")
    exit_on_stdin_eof $$
    trap stop_stdin_watch EXIT
    current_boot
    # The client's bytes before OFFSET, in hex ("-": unknown, taken from the log now), so a
    # log rewritten before this follow started is seen too.
    sent=${5--}
    if [ "$sent" = - ]; then
      mark_at "$off"
      sent=$mark
    fi
    while :; do
      if ! size_of; then
        printf 'cannot read %s\n' "$log" >&2
        exit 4
      fi
      [ "$size" -lt "$off" ] && exit 3
      if [ "$size" -gt "$off" ]; then
        mark_at "$off"
        [ "$mark" = "$sent" ] || exit 3
        emit "$off" "$size"
        off=$size
        mark_at "$off"
        sent=$mark
        continue
      fi
      if [ -n "$dir" ]; then
        job_state "$dir"
        case $state in
          ended | lost)
            # Everything the job wrote is in the log by now; send what came meanwhile.
            size_of && [ "$size" -gt "$off" ] && emit "$off" "$size"
            exit 0
            ;;
        esac
      fi
      sleep 0.2 2>/dev/null || sleep 1
    done
    ;;
  *)
    printf 'job_log.sh: unknown mode %s\n' "$mode" >&2
    exit 2
    ;;
esac
