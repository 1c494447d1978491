#!/usr/bin/env bash
# Fails when a source file includes a layer it may not use (docs/architecture.md, "Layers"):
#
#   util <- core <- remote, ssh <- jobs, transfer, monitor <- cli;  ui uses util and core only
#
# remote/ and ssh/ never include each other, the three capabilities never include each other,
# and libssh is included only under ssh/. A subcommand's header (cli/commands/NAME.hpp) is
# included only by its own source and by the dispatcher table (src/cli/commands.cpp): commands
# never include each other, and what two commands share lives outside cli/commands/.
#
#   tests/lint/layers.sh [ROOT]        checks ROOT (default: the repository); exit 1 on a violation
#   tests/lint/layers.sh --self-test   also proves that a planted violation is caught
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

allowed_for() {
  case $1 in
    util) echo "util" ;;
    core) echo "util core" ;;
    remote) echo "util core remote" ;;
    ssh) echo "util core ssh" ;;
    jobs) echo "util core remote ssh jobs" ;;
    transfer) echo "util core remote ssh transfer" ;;
    monitor) echo "util core remote ssh monitor" ;;
    ui) echo "util core ui" ;;
    cli) echo "util core remote ssh jobs transfer monitor ui cli" ;;
    *) return 1 ;;
  esac
}

check() {
  local root=$1 bad=0 file layer allowed line target n rel own
  while IFS= read -r file; do
    # src/<layer>/... or include/ec2dl/<layer>/...
    layer=${file#"$root"/}
    layer=${layer#src/}
    layer=${layer#include/ec2dl/}
    layer=${layer%%/*}
    allowed=$(allowed_for "$layer") || continue
    rel=${file#"$root"/}
    own=${rel##*/}
    own=${own%.*}
    n=0
    while IFS= read -r line; do
      n=$((n + 1))
      case $line in
        '#include "ec2dl/'*)
          target=${line#'#include "ec2dl/'}
          case $target in
            cli/commands/*)
              target=${target#cli/commands/}
              target=${target%%.hpp\"*}
              if [ "$rel" != src/cli/commands.cpp ] && [ "$target" != "$own" ]; then
                echo "$file:$n: only the dispatcher and command '$target' itself may include its header" >&2
                bad=1
              fi
              continue
              ;;
          esac
          target=${target%%/*}
          # version.hpp and the like sit at the top: anyone may use them.
          case $target in *.hpp\") continue ;; esac
          if ! allowed_for "$target" >/dev/null; then
            echo "$file:$n: includes an unknown layer '$target'" >&2
            bad=1
          elif ! [[ " $allowed " == *" $target "* ]]; then
            echo "$file:$n: layer '$layer' may not include '$target' (may use: $allowed)" >&2
            bad=1
          fi
          ;;
        '#include <libssh/'*)
          if [ "$layer" != ssh ]; then
            echo "$file:$n: only ssh/ may include libssh" >&2
            bad=1
          fi
          ;;
      esac
    done <"$file"
  done < <(find "$root/src" "$root/include/ec2dl" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
  return "$bad"
}

if [ "${1:-}" = --self-test ]; then
  root=$(cd -- "$here/../.." && pwd)
  check "$root"
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  for planted in 'util/x.cpp:#include "ec2dl/core/error.hpp"' \
                 'remote/x.cpp:#include "ec2dl/ssh/session.hpp"' \
                 'jobs/x.cpp:#include "ec2dl/transfer/push.hpp"' \
                 'ui/x.cpp:#include "ec2dl/monitor/gpu.hpp"' \
                 'transfer/x.cpp:#include <libssh/libssh.h>' \
                 'cli/commands/pull.cpp:#include "ec2dl/cli/commands/push.hpp"' \
                 'cli/common.cpp:#include "ec2dl/cli/commands/run.hpp"'; do
    rm -rf "${scratch:?}"/*
    mkdir -p "$(dirname -- "$scratch/src/${planted%%:*}")" "$scratch/include/ec2dl"
    printf '%s\n' "${planted#*:}" >"$scratch/src/${planted%%:*}"
    if check "$scratch" 2>/dev/null; then
      echo "layers: the planted violation '$planted' was not caught" >&2
      exit 1
    fi
  done
  echo "layers: clean, and each of 7 planted violations caught"
  exit 0
fi

root=${1:-$(cd -- "$here/../.." && pwd)}
check "$root"
echo "layers: clean"
