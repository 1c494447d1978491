# Sends one file on stdout, from where an earlier, interrupted download stopped.
# Usage: xfer_get.sh PATH HAVE HASH
#   HAVE bytes of PATH the client already holds, whose sha256 is HASH ("-" when HAVE is 0).
#   When the first HAVE bytes of PATH still hash to HASH, the transfer resumes there.
# stdout: one line "OFFSET SIZE" (where the bytes start, and PATH's size now), then the bytes
# of PATH from OFFSET on.
# Exit: 0 ok, 1 PATH cannot be read.
set -u
path=$1 have=$2 hash=$3
case $path in
  \~) path=$HOME ;;
  \~/*) path=$HOME/${path#??} ;;
esac
if [ ! -f "$path" ] || [ ! -r "$path" ]; then
  echo "cannot read $path" >&2
  exit 1
fi
size=$(wc -c <"$path" | tr -d ' ')
offset=0
if [ "$have" -gt 0 ] && [ "$have" -le "$size" ]; then
  now=$(head -c "$have" -- "$path" | sha256sum | cut -d' ' -f1)
  [ "$now" = "$hash" ] && offset=$have
fi
echo "$offset $size"
# Large blocks: fewer system calls and fuller ssh packets than cat or tail.
exec dd if="$path" bs=1048576 iflag=skip_bytes skip="$offset" status=none
