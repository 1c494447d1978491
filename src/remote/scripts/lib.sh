# shellcheck shell=sh
# Functions shared by the remote scripts. A script that needs them names this file in its
# header ("# uses: lib"); the build puts this text in front of the script's own, so the
# embedded script is whole and self-contained.

# expand_tilde PATH [NAME]: PATH with a leading "~" or "~/" replaced by $HOME, printed with a
# newline, or stored in the variable NAME (no fork, and a name's trailing newlines stay).
expand_tilde() {
  case $1 in
    \~) tilde_path=$HOME ;;
    \~/*) tilde_path=$HOME/${1#??} ;;
    *) tilde_path=$1 ;;
  esac
  if [ $# -ge 2 ]; then
    eval "$2=\$tilde_path"
  else
    printf '%s\n' "$tilde_path"
  fi
}
