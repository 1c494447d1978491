# shellcheck shell=sh
# The server side of 'ec2dl doctor': prints "key value" lines and always exits 0.
# Usage: doctor.sh REGISTRY PYTHON
#   REGISTRY: the job registry folder (a leading ~ is expanded here)
#   PYTHON:   the interpreter command of the profile ("python3" when empty); it may hold
#             arguments ("conda run -n base python"), so it is split into words
# uses: lib
registry=$1
python=${2:-python3}
expand_tilde "$registry" registry

first_line() {
  tr -d '\r' | sed -n '1{s/[[:cntrl:]]/ /g;p;}'
}

printf 'user %s\n' "$(id -un 2>/dev/null)"
printf 'home %s\n' "$HOME"
printf 'uname %s\n' "$(uname -sr 2>/dev/null)"
sh_path=$(command -v sh)
printf 'sh %s\n' "$(readlink -f "$sh_path" 2>/dev/null || printf '%s' "$sh_path")"

# The interpreter, word-split on purpose (see above), without globbing.
set -f
# shellcheck disable=SC2086
if out=$($python --version 2>&1); then
  printf 'python ok %s\n' "$(printf '%s\n' "$out" | first_line)"
else
  printf 'python fail %s\n' "$(printf '%s\n' "$out" | first_line)"
fi
set +f

if smi=$(command -v nvidia-smi 2>/dev/null); then
  printf 'nvidia_smi %s\n' "$smi"
  out=$(nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>&1)
  status=$?
  printf 'gpu_status %s\n' "$status"
  printf '%s\n' "$out" | tr -d '\r' | sed -n '1,64{s/[[:cntrl:]]/ /g;s/^/gpu /;p;}'
else
  printf 'nvidia_smi \n'
fi

# Free space where the home is: available and total KiB, and the mount point.
df -Pk "$HOME" 2>/dev/null | awk 'NR == 2 { printf "disk %s %s %s\n", $4, $2, $6 }'

# The registry: writable if it exists, else creatable (the nearest existing folder above it
# is writable). Nothing is left behind.
if [ -d "$registry" ]; then
  probe=$registry/.ec2dl-doctor.$$
  if (: >"$probe") 2>/dev/null; then
    rm -f "$probe"
    printf 'registry ok %s\n' "$registry"
  else
    printf 'registry fail %s\n' "$registry"
  fi
elif [ -e "$registry" ]; then
  printf 'registry notdir %s\n' "$registry"
else
  parent=$(dirname "$registry")
  while [ ! -e "$parent" ] && [ "$parent" != / ]; do
    parent=$(dirname "$parent")
  done
  if [ -d "$parent" ] && [ -w "$parent" ]; then
    printf 'registry absent %s\n' "$registry"
  else
    printf 'registry fail %s\n' "$registry"
  fi
fi

# Tools the other subcommands rely on.
missing=
for tool in tar setsid ps tail awk sed stat find sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
printf 'missing%s\n' "$missing"
exit 0
