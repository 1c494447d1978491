# shellcheck shell=sh
# Sourced by the shell tests: the text of a remote script as the client embeds it, so a test
# runs what the server runs. Needs EC2DL_SCRIPTS (src/remote/scripts).

# script_text NAME: the scripts NAME.sh's "# uses:" header line names (their own uses first,
# each once), then NAME.sh itself, as cmake/embed_scripts.cmake joins them.
script_text() {
  script_text_seen=
  script_text_add "$1"
}

script_text_add() {
  case " $script_text_seen " in *" $1 "*) return 0 ;; esac
  script_text_seen="$script_text_seen $1"
  [ -r "$EC2DL_SCRIPTS/$1.sh" ] || {
    printf 'script_text: no %s.sh in %s\n' "$1" "$EC2DL_SCRIPTS" >&2
    return 1
  }
  # Positional parameters are the function's own: what it uses, then itself.
  set -f
  # shellcheck disable=SC2046  # the names are words
  set -- $(sed -n '/^[^#]/q; s/^# uses://p' "$EC2DL_SCRIPTS/$1.sh") "$1"
  set +f
  while [ $# -gt 1 ]; do
    script_text_add "$1" || return 1
    shift
  done
  cat "$EC2DL_SCRIPTS/$1.sh"
  # A last line without a newline is ended, so the next script starts on a line of its own.
  [ -z "$(tail -c 1 "$EC2DL_SCRIPTS/$1.sh")" ] || echo
}
