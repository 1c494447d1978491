# Sends one file, or one range of it, on stdout: for pulls that resume and that fetch a
# large file over several channels at once.
# Usage: xfer_get.sh PATH HAVE HASH [LENGTH]
#   HAVE   bytes of PATH the client already holds; HASH their sha256 ("-" when HAVE is 0):
#          when the first HAVE bytes of PATH still hash to HASH, sending starts there, else
#          at 0. HASH "=" starts at HAVE without checking (a range of a parallel fetch).
#   LENGTH send at most this many bytes (default: up to the end).
# stdout: one line "OFFSET SIZE" (where the bytes start, and PATH's size now), then the bytes.
# Exit: 0 ok, 1 PATH cannot be read.
# uses: lib
set -u
path=$1 have=$2 hash=$3 length=${4:-}
expand_tilde "$path" path
if [ ! -f "$path" ] || [ ! -r "$path" ]; then
  echo "cannot read $path" >&2
  exit 1
fi
size=$(wc -c <"$path" | tr -d ' ')
offset=0
if [ "$hash" = "=" ]; then
  offset=$have
elif [ "$have" -gt 0 ] && [ "$have" -le "$size" ]; then
  now=$(head -c "$have" -- "$path" | sha256sum | cut -d' ' -f1)
  [ "$now" = "$hash" ] && offset=$have
fi
echo "$offset $size"
# Large blocks: fewer system calls and fuller ssh packets than cat or tail.
if [ -n "$length" ]; then
  exec dd if="$path" bs=1048576 iflag=skip_bytes,count_bytes skip="$offset" count="$length" \
    status=none
fi
exec dd if="$path" bs=1048576 iflag=skip_bytes skip="$offset" status=none
