# Sends a file to be edited: its real path (symlinks resolved) and mode, then its bytes.
# Usage: xfer_edit_get.sh PATH
# stdout: "absent" and nothing else when PATH does not exist; otherwise the line
# "MODE REALPATH" (REALPATH with backslashes and newlines written as \0134 and \0012), then
# the file's bytes.
# Exit: 0 ok, 1 PATH is not a readable regular file.
# uses: lib
set -u
path=$1
expand_tilde "$path" path
if [ ! -e "$path" ] && [ ! -L "$path" ]; then
  echo absent
  exit 0
fi
real=$(readlink -f -- "$path" && echo x) || real=
real=${real%?}
real=${real%?}
if [ -z "$real" ] || [ ! -f "$real" ]; then
  echo "$path is not a regular file" >&2
  exit 1
fi
if [ ! -r "$real" ]; then
  echo "cannot read $path: permission denied" >&2
  exit 1
fi
mode=$(stat -c %a -- "$real") || exit 1
esc=$(printf '%s' "$real" | sed -z 's/\\/\\0134/g; s/\n/\\0012/g')
printf '%s %s\n' "$mode" "$esc"
exec cat -- "$real"
