# Receives a push as a tar stream on stdin and applies it to DEST so that every file
# appears under its final name only when complete.
# Usage: xfer_recv.sh DEST
#   DEST (a leading "~" is expanded) is created when missing. The stream (GNU tar format) is
#   extracted into a staging folder DEST/.ec2dl-stage.PID on the same filesystem; its
#   members are:
#     d/REL        files and symlinks, each to be renamed to DEST/REL
#     c/discard    NUL-separated RELs whose d/ copy must not be used (changed while read)
#     c/delete     NUL-separated RELs to remove from DEST first (rm -rf)
#     c/newdirs    NUL-separated RELs of folders new to DEST whose parent is not new: their
#                  staged copy is renamed into place whole (one rename for a whole subtree)
#     c/mkdir      NUL-separated RELs of folders to create (the empty ones, in the end)
#     c/meta       NUL-separated triples MODE MTIME REL: files whose content is already right
#     c/dirs.tar   folders with their final mode and mtime, applied last
#     c/end        empty, always the last member: without it nothing is applied
#   Only when the whole stream arrived (tar checks every member's size) is anything moved
#   out of the stage: one mv per folder. The stage is removed on every way out.
# Exit: 0 ok, 1 failed (message on stderr), 5 the server lacks GNU tar.
# uses: lib
set -u
trap '' PIPE
dest=$1
expand_tilde "$dest" dest
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
  echo "the server needs GNU tar for transfers" >&2
  exit 5
fi
mkdir -p -- "$dest" || exit 1
cd -P -- "$dest" || exit 1
dest=$PWD

# Stages left by runs that died (their process is gone) are removed.
for old in .ec2dl-stage.*; do
  [ -d "$old" ] || continue
  kill -0 "${old##*.}" 2>/dev/null || rm -rf -- "$old"
done

stage=$dest/.ec2dl-stage.$$
mkdir -- "$stage" || exit 1
fail() {
  rm -rf -- "$stage"
  [ $# -gt 0 ] && echo "$*" >&2
  exit 1
}
trap 'fail' HUP INT TERM

tar -x -p --no-same-owner -f - -C "$stage" || fail "the transfer did not complete; nothing was changed"
# A stream cut between two members looks like a clean end to tar: only the last member
# proves that everything arrived.
[ -f "$stage/c/end" ] || fail "the transfer did not complete; nothing was changed"

cd -- "$stage" || fail
if [ -f c/discard ] && [ -d d ]; then
  (cd d && xargs -0 -r rm -f -- <../c/discard) || fail
fi
if [ -f c/delete ]; then
  (cd -- "$dest" && xargs -0 -r rm -rf -- <"$stage/c/delete") || fail "cannot remove old files"
fi
if [ -f c/newdirs ] && [ -d d ]; then
  # shellcheck disable=SC2016
  (cd d && xargs -0 -r sh -c '
    dest=$1; shift
    for new do
      if [ -d "$new" ] && [ ! -e "$dest/$new" ] && [ ! -L "$dest/$new" ]; then
        mv -T -- "$new" "$dest/$new" || exit 1
      fi
    done' sh "$dest" <../c/newdirs) || fail "cannot move folders into place"
fi
if [ -f c/mkdir ]; then
  (cd -- "$dest" && xargs -0 -r mkdir -p -- <"$stage/c/mkdir") || fail "cannot create folders"
fi
if [ -d d ]; then
  # One mv per folder moves every staged file into place with rename(2). The names reach
  # the inner sh as arguments, never as script text ("{""}" keeps the outer find from
  # seeing a second {}).
  # shellcheck disable=SC2156
  (cd d && find . -type d -exec sh -c '
    dest=$1; shift
    for dir do
      find "$dir" -mindepth 1 -maxdepth 1 ! -type d -exec mv -f -t "$dest/$dir" -- "{""}" + || exit 1
    done' sh "$dest" {} +) || fail "cannot move files into place"
fi
if [ -f c/meta ]; then
  # shellcheck disable=SC2016
  (cd -- "$dest" && xargs -0 -r -n 3 sh -c 'chmod -- "$1" "$3" && touch -m -d "@$2" -- "$3"' sh \
    <"$stage/c/meta") || fail "cannot set modes and times"
fi
if [ -f c/dirs.tar ]; then
  tar -x -p --no-same-owner -f c/dirs.tar -C "$dest" || fail "cannot set folder modes and times"
fi
rm -rf -- "$stage"
exit 0
