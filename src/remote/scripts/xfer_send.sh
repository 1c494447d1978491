# Sends the files a pull asked for as one tar stream (GNU format) on stdout.
# Usage: xfer_send.sh FOLLOW      (NUL-terminated absolute paths on stdin)
#   FOLLOW 1: archive what symlinks point to instead of the links.
#   Folders are not recursed into: the client lists every file it wants.
# Exit: tar's (0 ok, 1 a file changed while it was read, 2 a file could not be read);
#       5 the server lacks GNU tar.
set -u
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
  echo "the server needs GNU tar for transfers" >&2
  exit 5
fi
if [ "$1" = 1 ]; then
  exec tar -c -f - --format=gnu --no-recursion -P -h --null -T -
fi
exec tar -c -f - --format=gnu --no-recursion -P --null -T -
