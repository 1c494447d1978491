# The transfer scripts run directly under $TEST_SHELL (dash or bash): listings with hostile
# names and jobs (xfer_manifest), the staged receive (xfer_recv), resumable put and get,
# send, hash, and the edit helpers.
# Paths are given as a client sends them, with "~" for the script to expand (SC2088); ls
# output is only counted here (SC2010); some texts are scripts, not expansions (SC2016).
# shellcheck disable=SC2088,SC2010,SC2016
set -u
: "${EC2DL_SCRIPTS:?}"
shell=$(command -v "${TEST_SHELL:-sh}")
# shellcheck source-path=SCRIPTDIR source=script_text.sh
. "${0%/*}/script_text.sh"
failures=0
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
mkdir -p "$HOME"
cd "$HOME" || exit 1

fail() {
  printf 'FAIL: %s\n' "$1" >&2
  failures=$((failures + 1))
}

# same NAME GOT WANT
same() {
  if [ "$2" != "$3" ]; then
    fail "$1: got [$2], want [$3]"
  fi
}

# has NAME TEXT PART: TEXT contains PART.
has() {
  case $2 in
    *"$3"*) ;;
    *) fail "$1: [$3] not in [$2]" ;;
  esac
}

run() {  # SCRIPT ARGS... (stdin passed through)
  s=$1
  shift
  "$shell" -c "$(script_text "$s")" "ec2dl-$s" "$@"
}

nl='
'

# --- xfer_manifest ---------------------------------------------------------------------
# manifest FOLLOW IGNORES BASE JOB AUTO: xfer_manifest with these as its named inputs, as
# remote::ScriptCall passes them (the requests on stdin).
manifest() {
  in_follow=$1 in_ignores=$2 in_base=$3 in_job=$4 in_auto=$5 \
    "$shell" -c "$(script_text xfer_manifest)" ec2dl-xfer_manifest
}

mkdir -p src/sub "src/sp ace" "src/n${nl}l" src/.ec2dl-stage.99
printf a >src/a
printf b >"src/n${nl}l/x\$(y)"
printf '*.log\n' >src/.ec2dlignore
ln -s ../a src/sub/link
touch -d @1700000000 src/a
out=$(printf 'r0:src\ng1:src/*.none\ns2:src/sub/link\n' | manifest 0 1 '~/.ec2dl' '' 0 | tr '\0' '|')
has "manifest header" "$out" "J|0|H|$HOME|R|0|$HOME/src|E|d|"
has "manifest file" "$out" "E|f|1|1700000000.0000000000|644|a||"
has "manifest newline name" "$out" "|n${nl}l/x\$(y)||"
has "manifest link" "$out" "E|l|4|"
has "manifest link target" "$out" "|sub/link|../a|"
has "manifest ignore file" "$out" "I|.ec2dlignore|*.log${nl}|"
has "manifest no match" "$out" "N|1|src/*.none|"
case $out in *ec2dl-stage*) fail "manifest lists a staging folder" ;; esac

# A request line with an escaped newline names the file with a newline.
out=$(printf 'r0:src/n\\0012l\n' | manifest 0 0 '~/.ec2dl' '' 0 | tr '\0' '|')
has "manifest escaped request" "$out" "R|0|$HOME/src/n${nl}l|"

# A glob matches on the server; a stat request describes a symlinked folder as the folder.
ln -s src linkdir
out=$(printf 'g0:src/s*\ns1:linkdir\n' | manifest 0 0 '~/.ec2dl' '' 0 | tr '\0' '|')
has "manifest glob sp ace" "$out" "R|0|$HOME/src/sp ace|"
has "manifest glob sub" "$out" "R|0|$HOME/src/sub|"
has "manifest stat follows" "$out" "R|1|$HOME/linkdir|E|d|"

# A push asks without a registry or a job: empty inputs are values, not missing ones.
out=$(printf 's0:src\n' | manifest 0 0 '' '' 0 | tr '\0' '|')
has "manifest without a registry" "$out" "J|0|H|$HOME|R|0|$HOME/src|E|d|"

# Jobs: by id, by name (the newest of two), candidates, and errors.
mkdir -p .ec2dl/jobs/3 .ec2dl/jobs/12 work3 work12
printf '%s\n' "$HOME/work3" >.ec2dl/jobs/3/workdir
printf '%s\n' "$HOME/work12" >.ec2dl/jobs/12/workdir
printf 'train\n' >.ec2dl/jobs/3/name
printf 'train\n' >.ec2dl/jobs/12/name
printf x >work12/out.png
out=$(printf 'o0:*.png\n' | manifest 0 0 '~/.ec2dl' train 0 | tr '\0' '|')
has "manifest job by name" "$out" "J|1|H|$HOME|W|$HOME/work12|R|0|$HOME/work12/out.png|"
out=$(printf 'j0:3\no1:*.png\n' | manifest 0 0 '~/.ec2dl' 3 1 | tr '\0' '|')
has "manifest job candidate used" "$out" "J|1|"
has "manifest job candidate pattern" "$out" "N|1|*.png|"
case $out in *"R|0|"*) fail "manifest lists the job operand as a path" ;; esac
out=$(printf 'j0:src\no1:x\n' | manifest 0 0 '~/.ec2dl' src 1 | tr '\0' '|')
has "manifest not a job" "$out" "J|0|"
has "manifest not a job path" "$out" "R|0|$HOME/src|"
printf 'file\n' >train
printf 'j0:train\no1:x\n' | manifest 0 0 '~/.ec2dl' train 1 >/dev/null 2>&1
same "manifest ambiguous job" "$?" 4
printf '' | manifest 0 0 '~/.ec2dl' nope 0 >/dev/null 2>&1
same "manifest missing job" "$?" 3
rm -f train

# --- xfer_recv -------------------------------------------------------------------------
# A stream as push builds it: d/ files, c/ control members.
mkdir -p stream/d/sub stream/c dirs/sub dest/old dest/sub
printf new >stream/d/sub/f
printf bad >stream/d/broken
chmod 640 stream/d/sub/f
touch -d @1600000000 stream/d/sub/f
printf 'broken\0' >stream/c/discard
printf 'old\0' >stream/c/delete
printf 'sub\0newdir\0' >stream/c/mkdir
printf 'keep' >dest/keep
printf '600\0001500000000\000keep\0' >stream/c/meta
chmod 700 dirs/sub
touch -d @1400000000 dirs/sub
(cd dirs && tar -c --format=gnu --no-recursion -f ../stream/c/dirs.tar sub)
: >stream/c/end
(cd stream && tar -c --format=gnu -f ../stream.tar d c)
run xfer_recv dest <stream.tar
same "recv status" "$?" 0
same "recv file" "$(cat dest/sub/f)" new
same "recv mode and mtime" "$(stat -c '%a %Y' dest/sub/f)" "640 1600000000"
same "recv meta" "$(stat -c '%a %Y' dest/keep)" "600 1500000000"
same "recv dir attrs" "$(stat -c '%a %Y' dest/sub)" "700 1400000000"
same "recv listing" "$(cd dest && find . | sort | tr '\n' ' ')" ". ./keep ./newdir ./sub ./sub/f "

# A stream cut short, inside a member or between two, changes nothing and leaves no stage.
mkdir -p cut
printf 'before' >cut/f
for size in 600 1024 2048 3000; do
  head -c "$size" stream.tar | run xfer_recv cut 2>/dev/null
  same "recv truncated at $size: status" "$?" 1
  same "recv truncated at $size: the file" "$(cat cut/f)" before
  same "recv truncated at $size: no stage" "$(ls -A cut)" f
done

# A stage left by a dead process is removed by the next run.
mkdir -p cut/.ec2dl-stage.999999999
run xfer_recv cut <stream.tar 2>/dev/null
same "recv removes stale stages" "$(ls -A cut | grep -c ec2dl-stage)" 0

# --- xfer_put --------------------------------------------------------------------------
# put DEST PART SIZE MODE MTIME EXPECT: xfer_put with these as its named inputs, as
# remote::ScriptCall passes them (stdin passed through).
put() {
  in_dest=$1 in_part=$2 in_size=$3 in_mode=$4 in_mtime=$5 in_expect=$6 \
    "$shell" -c "$(script_text xfer_put)" ec2dl-xfer_put
}
printf 'hello world' >payload
got=$({ printf '0\n'; cat payload; } | put '~/put/out' .ec2dl-part.k1.11-1600000000 11 751 1600000000 '')
same "put handshake" "$got" "0 -"
same "put content" "$(cat put/out)" "hello world"
same "put attrs" "$(stat -c '%a %Y' put/out)" "751 1600000000"
same "put no part" "$(ls -A put)" out

# Short input: the part is kept, the final name untouched; then resumed.
{ printf '0\n'; printf 'hello'; } | put '~/put/r' .ec2dl-part.k2.11-1 11 644 1 '' >/dev/null 2>&1
same "put short status" "$?" 3
same "put short keeps part" "$(cat put/.ec2dl-part.k2.11-1)" hello
[ -e put/r ] && fail "put short: final name exists"
want_hash=$(printf hello | sha256sum | cut -d' ' -f1)
got=$({ printf '5\n'; printf ' world'; } | put '~/put/r' .ec2dl-part.k2.11-1 11 644 1 '')
same "put resume handshake" "$got" "5 $want_hash"
same "put resumed content" "$(cat put/r)" "hello world"

# An older version's part (same key) is removed when a new version starts.
printf old >put/.ec2dl-part.k3.99-5
{ printf '0\n'; printf abc; } | put '~/put/v' .ec2dl-part.k3.3-6 3 644 6 '' >/dev/null
same "put removes older parts" "$(ls -A put | grep -c k3)" 0

# Concurrent clients never share a partial file: a private part of a running client
# (PART.pPID-RANDOM) is left alone; one whose process is gone is taken back and resumed.
printf busy >put/.ec2dl-part.k6.9-1.p$$-7
{ printf '0\n'; printf abc; } | put '~/put/w' .ec2dl-part.k6.3-6 3 644 6 '' >/dev/null
same "put leaves a running client's part" "$(cat put/.ec2dl-part.k6.9-1.p$$-7)" busy
rm -f put/.ec2dl-part.k6.9-1.p$$-7
printf hello >put/.ec2dl-part.k7.11-1.p999999999-3
got=$({ printf '5\n'; printf ' world'; } | put '~/put/k' .ec2dl-part.k7.11-1 11 644 1 '')
same "put takes back a dead client's part" "$got" "5 $want_hash"
same "put resumed a dead client's part" "$(cat put/k)" "hello world"
same "put leaves no part behind" "$(ls -A put | grep -c k7)" 0
# Two clients at once with the same part name: both complete, each file whole.
mkfifo put/fifo1 put/fifo2
{ printf '0\n'; cat put/fifo1; } | put '~/put/c' .ec2dl-part.k8.6-1 6 644 1 '' >put/o1 2>&1 &
p1=$!
{ printf '0\n'; cat put/fifo2; } | put '~/put/c' .ec2dl-part.k8.6-1 6 644 1 '' >put/o2 2>&1 &
p2=$!
exec 7>put/fifo1 8>put/fifo2
printf 'aaa' >&7
printf 'bbb' >&8
printf 'aaa' >&7
exec 7>&-
wait "$p1"
same "put concurrent first" "$?" 0
same "put concurrent first content" "$(cat put/c)" aaaaaa
printf 'bbb' >&8
exec 8>&-
wait "$p2"
same "put concurrent second" "$?" 0
same "put concurrent second content" "$(cat put/c)" bbbbbb
same "put concurrent no parts" "$(ls -A put | grep -c k8)" 0
rm -f put/fifo1 put/fifo2 put/o1 put/o2

# Expectations: a changed destination is not replaced.
printf theirs >put/e
{ printf '0\n'; printf mine; } | put '~/put/e' .ec2dl-part.k4.4-0 4 644 now \
  "$(printf original | sha256sum | cut -d' ' -f1)" >/dev/null 2>&1
same "put expect mismatch status" "$?" 6
same "put expect mismatch keeps theirs" "$(cat put/e)" theirs
same "put expect mismatch no part" "$(ls -A put | grep -c k4)" 0
{ printf '0\n'; printf mine; } | put '~/put/e' .ec2dl-part.k4.4-0 4 644 now absent >/dev/null 2>&1
same "put expect absent status" "$?" 6
{ printf '0\n'; printf mine; } | put '~/put/e' .ec2dl-part.k4.4-0 4 644 now \
  "$(printf theirs | sha256sum | cut -d' ' -f1)" >/dev/null
same "put expect match" "$(cat put/e)" mine
if printf '' | run xfer_put '~/put/e' .ec2dl-part.k5.0-0 0 644 now '' >/dev/null 2>&1; then
  fail "put without named inputs succeeded"
fi
same "put without named inputs keeps the file" "$(cat put/e)" mine

# --- xfer_get --------------------------------------------------------------------------
printf '0123456789' >getme
same "get whole" "$(run xfer_get '~/getme' 0 -)" "0 10${nl}0123456789"
h=$(printf 0123 | sha256sum | cut -d' ' -f1)
same "get resume" "$(run xfer_get '~/getme' 4 "$h")" "4 10${nl}456789"
same "get wrong hash starts over" "$(run xfer_get '~/getme' 4 "$want_hash")" "0 10${nl}0123456789"
same "get range" "$(run xfer_get '~/getme' 3 = 4)" "3 10${nl}3456"
same "get header only" "$(run xfer_get '~/getme' 4 "$h" 0)" "4 10"
run xfer_get '~/nothing' 0 - >/dev/null 2>&1
same "get missing" "$?" 1

# --- xfer_send and xfer_hash ------------------------------------------------------------
list=$(printf '%s\0%s\0' "$HOME/src/a" "$HOME/src/n${nl}l/x\$(y)" | run xfer_send 0 | tar -t -P | tr '\n' '|')
same "send members" "$list" "$HOME/src/a|$HOME/src/n\\nl/x\$(y)|"
sums=$(printf '%s\0%s\0' '~/src/a' "$HOME/src/n${nl}l/x\$(y)" | run xfer_hash)
has "hash plain" "$sums" "$(printf a | sha256sum | cut -d' ' -f1)  ./src/a"
has "hash escaped" "$sums" "\\$(printf b | sha256sum | cut -d' ' -f1)  $HOME/src/n\\nl/x\$(y)"

# --- edit helpers ----------------------------------------------------------------------
same "edit get absent" "$(run xfer_edit_get '~/none.txt')" absent
printf 'text\n' >"ed it"
chmod 604 "ed it"
ln -s "ed it" edlink
same "edit get" "$(run xfer_edit_get '~/edlink')" "604 $HOME/ed it${nl}text"
run xfer_edit_get '~/src' >/dev/null 2>&1
same "edit get folder" "$?" 1
printf '#!/bin/sh\nprintf "%%s" "$1" >"$HOME/edited-path"\n' >ed.sh
chmod +x ed.sh
EDITOR="$HOME/ed.sh" VISUAL='' run xfer_edit_remote '~/ed it'
same "edit remote runs \$EDITOR on the path" "$(cat edited-path)" "$HOME/ed it"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) under $shell" >&2
  exit 1
fi
echo "ok under $shell"
