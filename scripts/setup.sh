#!/usr/bin/env bash
# Installs everything ec2dl needs to build, test and run on Debian 12 (as root, with apt),
# then builds it into build/ (or $EC2DL_BUILD_DIR). Safe to run again: it installs only
# what is missing and rebuilds only what changed.
#
#   scripts/setup.sh [--sanitize] [--build-dir DIR] [--target TARGET]
#       --target: build only that target (the demo builds just `ec2dl`, not the tests)
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)
build_dir=${EC2DL_BUILD_DIR:-$repo/build}
sanitize=OFF
target=()
while [ $# -gt 0 ]; do
  case $1 in
    --sanitize) sanitize=ON; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --target) target=(--target "$2"); shift 2 ;;
    *) echo "setup: unknown option: $1" >&2; exit 2 ;;
  esac
done

packages=(
  # build
  g++ cmake make pkg-config git
  libssh-dev libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libgtest-dev libgmock-dev
  libarchive-dev libssl-dev libtomlplusplus-dev
  # run and test: the sandbox server and the tools the tests drive
  openssh-server openssh-client dash bash coreutils findutils tar gawk procps psmisc
  iproute2 nftables util-linux bsdutils passwd tmux rsync python3 shellcheck
  # packaging, the man page and the completion scripts: built, rendered and loaded in tests;
  # zsh, fish and tcsh are also the login shells every remote command must pass through
  dpkg-dev gzip man-db groff-base zsh fish tcsh
  # benchmarks: peak memory (bench/transfer.sh)
  time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

werror=OFF
[ "${CI:-}" = true ] && werror=ON
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEC2DL_WERROR="$werror" -DEC2DL_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" "${target[@]}"
echo "setup: built $build_dir/ec2dl" >&2
