#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2088  # remote paths and commands are quoted on purpose
# The demo: builds ec2dl (the binary only), starts the sandbox server (a real OpenSSH sshd on 127.0.0.1 with
# four stand-in H100 GPUs, one busy with someone else's processes), and walks through the
# ten recipes of the tutorial ec2dl replaces, each as the tutorial types it and as ec2dl
# does it. The sandbox keeps running afterwards, under the ssh alias "sandbox", so you can
# try everything by hand; `scripts/sandbox.sh stop` ends it.
#
#   scripts/demo.sh            (as root, on Debian 12)
#   scripts/demo.sh --no-setup [--bin PATH] [--dir DIR] [--stop]
#       skip installing and building (use PATH, default build/ec2dl), put the sandbox in DIR,
#       stop it at the end (the test suite runs the demo this way)
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
sandbox_dir=/tmp/ec2dl-sandbox
setup=1
stop=0
bin="$repo/build/ec2dl"
while [ $# -gt 0 ]; do
  case $1 in
    --no-setup) setup=0; shift ;;
    --bin) bin=$2; shift 2 ;;
    --dir) sandbox_dir=$2; shift 2 ;;
    --stop) stop=1; shift ;;
    *) echo "demo.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done

if [ "$setup" = 1 ]; then
  "$here/setup.sh" --target ec2dl  # the binary alone: the tests are scripts/test.sh's
fi
ec2dl() { "$bin" "$@"; }

bold=$(tput bold 2>/dev/null || true)
dim=$(tput dim 2>/dev/null || true)
reset=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s== %s%s\n' "$bold" "$1" "$reset"; printf '%s   the tutorial: %s%s\n' "$dim" "$2" "$reset"; }
# An argument as it can be typed: bare when it is safe, else in single quotes.
typed() {
  local q="'\\''"
  case $1 in
    '' | *[!A-Za-z0-9_./:=,@+%-]*) printf "'%s'" "${1//\'/$q}" ;;
    *) printf '%s' "$1" ;;
  esac
}
show() {
  local line="$ ec2dl" arg
  for arg in "$@"; do line+=" $(typed "$arg")"; done
  printf '%s%s%s\n' "$bold" "$line" "$reset"
  ec2dl "$@"
}

echo "== starting the sandbox server in $sandbox_dir"
"$here/sandbox.sh" stop --dir "$sandbox_dir" >/dev/null 2>&1 || true
"$here/sandbox.sh" start --dir "$sandbox_dir" >/dev/null
"$here/sandbox.sh" alias --dir "$sandbox_dir"
export EC2DL_HOST=sandbox

work=$(mktemp -d)
finish() {
  rm -rf "$work"
  if [ "$stop" = 1 ]; then
    "$here/sandbox.sh" unalias >/dev/null 2>&1 || true
    "$here/sandbox.sh" stop --dir "$sandbox_dir" >/dev/null 2>&1 || true
  fi
}
trap finish EXIT
cd "$work"
cat >script.py <<'PY'
import os, sys, time
args = sys.argv[1:]
epochs = int(args[args.index("--epochs") + 1]) if "--epochs" in args else 3
print("training on GPU", os.environ.get("CUDA_VISIBLE_DEVICES", "(all)"))
for epoch in range(1, epochs + 1):
    time.sleep(1)
    print(f"epoch {epoch}: loss {1.0 / epoch:.3f}")
with open("loss.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
print("saved loss.png")
PY

step "0. check both sides once" "(nothing)"
show doctor

step "1. log in" "ssh -i ~/.ssh/aws-keypair.pem ec2-user@54.218.86.47"
echo "(login is interactive: try 'ec2dl -H sandbox login' yourself; here, one command)"
show exec -c 'echo "logged in as $(id -un) on $(hostname), shell $SHELL"'

step "2. copy a script up" "scp -i ~/.ssh/aws-keypair.pem script.py ec2-user@54.218.86.47:~/"
show push script.py

step "3. run it in the background" "nohup python ~/script.py >~/script.py.log </dev/null 2>&1 &"
first=$(ec2dl -q run --no-push script.py --epochs 3)
printf '%s$ ec2dl run --no-push script.py --epochs 3%s   (with -q: just the id)\n%s\n' \
  "$bold" "$reset" "$first"

step "4. on a chosen GPU" "CUDA_VISIBLE_DEVICES=1 nohup python ~/script.py ... &"
show gpu-run 1 --no-push script.py --epochs 20
show run --gpu auto --no-push --name auto-pick script.py --epochs 60

step "5. follow its output" "tail -f script.py.log   (and it never ends by itself)"
show tail -f "$first" || echo "(exit status $?: the job's own)"

step "6. watch the system" "top -M"
show top -n 3

step "7. watch the GPUs" "watch nvidia-smi"
echo "(GPU 2 is busy with someone else's processes; GPU 1 and the auto-picked one run our jobs)"
show gpu

step "8. which scripts still run" "watch \"ps -ef | grep python\""
show ps

step "9. edit a file on the server" "vi ~/script.py"
cat >"$work/editor.sh" <<'SH'
#!/bin/sh
sed -i 's/range(1, epochs + 1)/range(1, epochs + 2)/' "$1"
SH
chmod +x "$work/editor.sh"
echo "(EDITOR is a script here, so the demo needs no keyboard; yours opens \$EDITOR)"
printf '%s$ EDITOR=./editor.sh ec2dl edit %s%s\n' "$bold" "'~/script.py'" "$reset"
EDITOR="$work/editor.sh" ec2dl edit '~/script.py'

step "10. copy results down" "scp -i ~/.ssh/aws-keypair.pem ec2-user@54.218.86.47:~/*.png ."
show wait "$first"
mkdir -p results
show pull '~/*.png' results
ls -l results

step "and a job's real exit status, which nohup never kept" "(nothing)"
show run --wait -- sh -c 'echo failing on purpose; exit 3' || echo "(exit status $?)"
show kill auto-pick || true
show ps -n 4

[ "$stop" = 1 ] && exit 0
cat <<EOF

${bold}The sandbox keeps running. Try it by hand:${reset}
  export PATH="$repo/build:\$PATH"
  ec2dl -H sandbox login                 # an interactive shell (exit to leave)
  ec2dl -H sandbox gpu --watch           # q quits
  ec2dl -H sandbox ps --all --watch
  ec2dl -H sandbox run -f --gpu auto -- python3 -c 'print("hello")'
  ssh sandbox                            # OpenSSH trusts the same keys
Stop it with: scripts/sandbox.sh stop --dir $sandbox_dir && scripts/sandbox.sh unalias
EOF
