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
# Concurrent clients: PART is only the resumable state between runs. A run claims it by
# renaming it to a name of its own, PART.pPID-RANDOM, and writes only there: two clients
# sending the same file never share a partial file (the one that finds no PART starts from
# zero). An incomplete run gives its bytes back under PART; a private part whose process is
# gone (killed) is taken back as PART by the next run. The final check of EXPECT and the
# rename are done under a lock on DEST's folder (flock, where the server has it), so that
# of two clients expecting the same content exactly one replaces DEST.
# Exit: 0 done; 1 failed (the partial file removed); 3 incomplete (PART kept for the next
#       run); 6 DEST changed meanwhile (nothing replaced).
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

# alive PID: whether the process PID still runs.
alive() {
  kill -0 "$1" 2>/dev/null || [ -d "/proc/$1" ]
}

# Parts of other versions are removed, a private part of a process that is gone is taken
# back as PART (same version) or removed; private parts of running clients are left alone.
(
  cd -- "$dir" || exit 0
  for old in "$key".*; do
    [ -e "$old" ] || continue
    [ "$old" = "$part" ] && continue
    owner=${old##*.}
    case $owner in
      p[0-9]*-*)
        owner=${owner#p}
        alive "${owner%%-*}" && continue
        if [ "${old%.*}" = "$part" ] && [ ! -e "$part" ]; then
          mv -f -T -- "$old" "$part" 2>/dev/null || rm -f -- "$old"
        else
          rm -f -- "$old"
        fi
        ;;
      *) rm -f -- "$old" ;;  # a resumable part of another version
    esac
  done
)

rand=$(od -A n -N 4 -t u4 /dev/urandom 2>/dev/null | tr -d ' \n')
mine=$tmp.p$$-${rand:-0}
have=0 hash=-
# Claiming PART is one rename: of two clients at most one gets it.
if mv -T -- "$tmp" "$mine" 2>/dev/null; then
  have=$(wc -c <"$mine" | tr -d ' ')
  case $have in '' | *[!0-9]*) have=0 ;; esac
  if [ "$have" -gt 0 ] && [ "$have" -lt "$size" ]; then
    hash=$(sha256sum <"$mine" | cut -d' ' -f1)
  else
    have=0
  fi
fi
# give_back: the bytes received so far become PART again, for the next run.
give_back() {
  if [ -s "$mine" ]; then
    mv -f -T -- "$mine" "$tmp" 2>/dev/null || rm -f -- "$mine"
  else
    rm -f -- "$mine"
  fi
}
trap 'give_back; exit 3' HUP INT TERM
echo "$have $hash"
IFS= read -r offset || { give_back; exit 3; }
umask 077
if [ "$offset" = 0 ]; then
  : >"$mine" || { rm -f -- "$mine"; exit 1; }
elif [ "$offset" != "$have" ]; then
  rm -f -- "$mine"
  echo "put: bad offset $offset" >&2
  exit 1
fi
if ! cat >>"$mine"; then
  rm -f -- "$mine"
  echo "put: cannot write $dest" >&2
  exit 1
fi
got=$(wc -c <"$mine" | tr -d ' ')
case $got in '' | *[!0-9]*)
  rm -f -- "$mine"
  echo "put: the partial file of $dest disappeared" >&2
  exit 1
  ;;
esac
if [ "$got" -lt "$size" ]; then
  give_back
  echo "put: received $got of $size bytes of $dest; run again to resume" >&2
  exit 3
fi
trap 'rm -f -- "$mine"; exit 1' HUP INT TERM
if [ "$got" != "$size" ]; then
  rm -f -- "$mine"
  echo "put: received $got bytes of $dest, expected $size" >&2
  exit 1
fi
chmod "$mode" "$mine" || { rm -f -- "$mine"; exit 1; }
if [ "$mtime" != now ]; then
  touch -m -d "@$mtime" -- "$mine" || { rm -f -- "$mine"; exit 1; }
fi
if [ -r "$dir" ] && command -v flock >/dev/null 2>&1; then
  exec 9<"$dir"
  if ! flock -w 120 9; then
    rm -f -- "$mine"
    echo "another upload into $dir has held its lock for 2 minutes" >&2
    exit 1
  fi
fi
if [ -n "$expect" ]; then
  if [ "$expect" = absent ]; then
    now=absent
    { [ -e "$dest" ] || [ -L "$dest" ]; } && now=present
  else
    now=$(sha256sum <"$dest" 2>/dev/null | cut -d' ' -f1)
  fi
  if [ "$now" != "$expect" ]; then
    rm -f -- "$mine"
    echo "$dest changed on the server meanwhile" >&2
    exit 6
  fi
fi
if ! mv -f -T -- "$mine" "$dest"; then
  rm -f -- "$mine"
  exit 1
fi
exit 0
