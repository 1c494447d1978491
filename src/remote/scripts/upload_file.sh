# Receives one file on stdin and puts it at $1 atomically.
# Usage: upload_file.sh DEST MODE MTIME SIZE
#   DEST may start with "~/"; missing parent folders are created. The bytes go to a
#   temporary name in DEST's folder; only when exactly SIZE bytes arrived is it given MODE
#   (octal) and MTIME (epoch seconds) and renamed over DEST. Anything else removes it.
set -u
dest=$1 mode=$2 mtime=$3 size=$4
case $dest in
  \~) dest=$HOME ;;
  \~/*) dest=$HOME/${dest#??} ;;
esac
dir=$(dirname -- "$dest")
mkdir -p -- "$dir" || exit 1
tmp=$dir/.ec2dl-part.$$
trap 'rm -f -- "$tmp"' HUP INT TERM
umask 077
if ! cat >"$tmp"; then
  rm -f -- "$tmp"
  echo "upload: cannot write $tmp" >&2
  exit 1
fi
got=$(wc -c <"$tmp" | tr -d ' ')
if [ "$got" != "$size" ]; then
  rm -f -- "$tmp"
  echo "upload: received $got of $size bytes; $dest left unchanged" >&2
  exit 1
fi
chmod "$mode" "$tmp" || { rm -f -- "$tmp"; exit 1; }
touch -m -d "@$mtime" "$tmp" 2>/dev/null || :
if ! mv -f -- "$tmp" "$dest"; then
  rm -f -- "$tmp"
  exit 1
fi
