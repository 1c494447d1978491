# doctor.sh (after lib.sh, which it uses) run directly under $TEST_SHELL (dash or bash): the report lines it prints for a
# healthy server, a driver that is not loaded, no nvidia-smi, a missing python, and
# registries that exist, do not exist yet, or cannot be made.
set -u
: "${EC2DL_SCRIPTS:?}"
shell=$(command -v "${TEST_SHELL:-sh}")
# shellcheck source-path=SCRIPTDIR source=script_text.sh
. "${0%/*}/script_text.sh"
script=$(script_text doctor) || exit 1
# The registry as a client sends it, with the tilde for the server to expand.
# shellcheck disable=SC2088
reg='~/.ec2dl'
failures=0
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT

fail() {
  printf 'FAIL: %s\n' "$1" >&2
  failures=$((failures + 1))
}

# expect NAME TEXT LINE: TEXT has LINE as one of its lines.
expect() {
  if ! printf '%s\n' "$2" | grep -Fqx -- "$3"; then
    fail "$1: no line '$3' in:
$2"
  fi
}

# expect_prefix NAME TEXT PREFIX: a line of TEXT starts with PREFIX.
expect_prefix() {
  if ! printf '%s\n' "$2" | grep -Fq -- "$3"; then
    fail "$1: no line starting '$3' in:
$2"
  fi
}

# A stand-in nvidia-smi: prints $FAKE_SMI_OUT and exits $FAKE_SMI_STATUS.
mkdir -p "$tmp/bin" "$tmp/nobin" "$tmp/home"
cat >"$tmp/bin/nvidia-smi" <<'EOF'
#!/bin/sh
printf '%s\n' "$FAKE_SMI_OUT"
exit "$FAKE_SMI_STATUS"
EOF
chmod +x "$tmp/bin/nvidia-smi"
for tool in sh tar setsid ps tail awk sed stat find sha256sum tr id uname readlink dirname \
  df python3 rm mktemp; do
  if p=$(command -v "$tool"); then
    ln -s "$p" "$tmp/nobin/$tool"
  fi
done

run() {
  HOME=$tmp/home PATH=$1 FAKE_SMI_OUT=$2 FAKE_SMI_STATUS=$3 "$shell" -c "$script" ec2dl-doctor "$4" "$5"
}

# Healthy: two GPUs, python3, a registry that does not exist yet.
out=$(run "$tmp/bin:$PATH" "0, NVIDIA H100 80GB HBM3, 590.48.01, 81559 MiB
1, NVIDIA H100 80GB HBM3, 590.48.01, 81559 MiB" 0 "$reg" python3)
status=$?
[ "$status" = 0 ] || fail "healthy: exit status $status"
expect healthy "$out" "home $tmp/home"
expect healthy "$out" "nvidia_smi $tmp/bin/nvidia-smi"
expect healthy "$out" "gpu_status 0"
expect healthy "$out" "gpu 0, NVIDIA H100 80GB HBM3, 590.48.01, 81559 MiB"
expect healthy "$out" "gpu 1, NVIDIA H100 80GB HBM3, 590.48.01, 81559 MiB"
expect healthy "$out" "registry absent $tmp/home/.ec2dl"
expect healthy "$out" "missing"
expect_prefix healthy "$out" "python ok Python 3"
expect_prefix healthy "$out" "sh /"
expect_prefix healthy "$out" "disk "
[ -e "$tmp/home/.ec2dl" ] && fail "healthy: the registry was created"

# The registry exists: writable, and nothing is left in it.
mkdir "$tmp/home/.ec2dl"
out=$(run "$tmp/bin:$PATH" "" 0 "$reg" python3)
expect existing "$out" "registry ok $tmp/home/.ec2dl"
[ -z "$(ls -A "$tmp/home/.ec2dl")" ] || fail "existing: the probe file was left behind"

# A registry under a file cannot be made; a registry that is a file is not a folder.
: >"$tmp/home/afile"
out=$(run "$tmp/bin:$PATH" "" 0 "$tmp/home/afile/reg" python3)
expect blocked "$out" "registry fail $tmp/home/afile/reg"
out=$(run "$tmp/bin:$PATH" "" 0 "$tmp/home/afile" python3)
expect notdir "$out" "registry notdir $tmp/home/afile"

# A hostile registry name is only ever a path.
out=$(run "$tmp/bin:$PATH" "" 0 "$tmp/home/\$(touch pwned) 'x'" python3)
expect hostile "$out" "registry absent $tmp/home/\$(touch pwned) 'x'"
[ -e pwned ] || [ -e "$tmp/home/pwned" ] && fail "hostile: a command ran"

# The driver is not loaded (nvidia-smi's own message and status).
out=$(run "$tmp/bin:$PATH" "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running." 9 "$reg" python3)
expect no-driver "$out" "gpu_status 9"
expect_prefix no-driver "$out" "gpu NVIDIA-SMI has failed"

# No nvidia-smi at all; then tar and setsid missing too.
out=$(run "$tmp/nobin" "" 0 "$reg" python3)
expect no-smi "$out" "nvidia_smi "
expect no-smi "$out" "missing"
rm -f "$tmp/nobin/tar" "$tmp/nobin/setsid"
out=$(run "$tmp/nobin" "" 0 "$reg" python3)
expect no-tools "$out" "missing tar setsid"

# The python of the profile: missing, and a command with arguments.
out=$(run "$tmp/bin:$PATH" "" 0 "$reg" no-such-python)
expect_prefix no-python "$out" "python fail "
out=$(run "$tmp/bin:$PATH" "" 0 "$reg" 'python3 -S')
expect_prefix python-args "$out" "python ok Python 3"
out=$(run "$tmp/bin:$PATH" "" 0 "$reg" 'python3 *')
expect_prefix python-noglob "$out" "python fail "

if [ "$failures" -gt 0 ]; then
  printf '%s failure(s) under %s\n' "$failures" "$shell" >&2
  exit 1
fi
printf 'doctor.sh: all passed under %s\n' "$shell"
