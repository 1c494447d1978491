# Receives one file on stdin and renames it to DEST when complete; resumable.
# Inputs (named, set before the script's first line by remote::ScriptCall):
#   in_dest    DEST, the final path (a leading "~" is expanded; missing folders are created)
#   in_part    the name of the partial file in DEST's folder, ".ec2dl-part.KEY.SIZE-MTIME":
#              other parts with the same KEY (older versions of the file) are removed
#   in_size    the number of bytes the file must have
#   in_mode    octal permission bits
#   in_mtime   epoch seconds, or "now"
#   in_expect  "" or the sha256 DEST must still have when the new file replaces it ("absent":
#              DEST must not exist); otherwise the new file is kept aside (exit 6)
# Handshake: the script prints "HAVE HASH" (the bytes of PART already here, and their sha256,
# "-" when none), then reads one line "OFFSET" on stdin: 0 starts over, HAVE appends. The
# file's bytes from OFFSET on follow.
# Exit: 0 done; 1 failed (PART removed); 3 incomplete (PART kept for the next run);
#       6 DEST changed meanwhile (nothing replaced).
# uses: lib
set -u
trap '' PIPE
dest=${in_dest?} part=${in_part?} size=${in_size?} mode=${in_mode?} mtime=${in_mtime?}
expect=${in_expect?}
expand_tilde "$dest" dest
dir=$(dirname -- "$dest")
mkdir -p -- "$dir" || exit 1
if [ ! -w "$dir" ]; then
  echo "cannot write into $dir: Permission denied" >&2
  exit 1
fi
tmp=$dir/$part
key=${part%.*}
(cd -- "$dir" && for old in "$key".*; do [ "$old" = "$part" ] || rm -f -- "$old"; done)

have=0 hash=-
if [ -f "$tmp" ]; then
  have=$(wc -c <"$tmp" | tr -d ' ')
  if [ "$have" -gt 0 ] && [ "$have" -lt "$size" ]; then
    hash=$(sha256sum <"$tmp" | cut -d' ' -f1)
  else
    have=0
  fi
fi
echo "$have $hash"
IFS= read -r offset || exit 3
umask 077
if [ "$offset" = 0 ]; then
  : >"$tmp" || exit 1
elif [ "$offset" != "$have" ]; then
  echo "put: bad offset $offset" >&2
  exit 1
fi
if ! cat >>"$tmp"; then
  rm -f -- "$tmp"
  echo "put: cannot write $dest" >&2
  exit 1
fi
got=$(wc -c <"$tmp" | tr -d ' ')
if [ "$got" -lt "$size" ]; then
  echo "put: received $got of $size bytes of $dest; run again to resume" >&2
  exit 3
fi
if [ "$got" != "$size" ]; then
  rm -f -- "$tmp"
  echo "put: received $got bytes of $dest, expected $size" >&2
  exit 1
fi
chmod "$mode" "$tmp" || { rm -f -- "$tmp"; exit 1; }
if [ "$mtime" != now ]; then
  touch -m -d "@$mtime" -- "$tmp" || { rm -f -- "$tmp"; exit 1; }
fi
if [ -n "$expect" ]; then
  if [ "$expect" = absent ]; then
    now=absent
    { [ -e "$dest" ] || [ -L "$dest" ]; } && now=present
  else
    now=$(sha256sum <"$dest" 2>/dev/null | cut -d' ' -f1)
  fi
  if [ "$now" != "$expect" ]; then
    rm -f -- "$tmp"
    echo "$dest changed on the server meanwhile" >&2
    exit 6
  fi
fi
if ! mv -f -T -- "$tmp" "$dest"; then
  rm -f -- "$tmp"
  exit 1
fi
exit 0
