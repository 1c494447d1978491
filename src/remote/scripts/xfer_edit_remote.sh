# Opens a file in an editor on the server (run on a remote terminal): $VISUAL, $EDITOR or vi.
# Usage: xfer_edit_remote.sh PATH      (a leading "~" is expanded)
# The editor variable may hold arguments ("emacs -nw"), as git allows.
# uses: lib
set -u
path=$1
expand_tilde "$path" path
editor=${VISUAL:-${EDITOR:-vi}}
# Unquoted on purpose: the editor command is split into its words.
# shellcheck disable=SC2086
exec $editor "$path"
