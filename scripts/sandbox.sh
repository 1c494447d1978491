#!/usr/bin/env bash
# The sandbox server: a real OpenSSH sshd on 127.0.0.1 with its own host key, two test
# users (login shells dash and bash) whose homes live in the sandbox folder, a client key,
# a known_hosts file, an ssh config with the aliases "sandbox" and "sandbox-bash", and the
# stand-in nvidia-smi on the users' PATH. The demo, the integration tests and the
# benchmarks all use it.
#
#   scripts/sandbox.sh start [--dir DIR] [--port N] [--gpu-state NAME|DIR] [--netns]
#   scripts/sandbox.sh stop  [--dir DIR] [--keep]
#   scripts/sandbox.sh env   [--dir DIR]        print the variables below
#   scripts/sandbox.sh alias [--dir DIR]        add "Host sandbox" to ~/.ssh/config
#   scripts/sandbox.sh unalias                  remove it again
#
# With --netns the server gets a machine of its own: sshd runs in a network namespace
# reached over a veth pair (198.18.0.0/15, the range set aside for network tests), with its
# own boot id, so the fault tests can break things on purpose:
#   scripts/sandbox.sh link down|up  [--dir DIR]   cut or restore the link
#   scripts/sandbox.sh loss PERCENT  [--dir DIR]   drop that share of packets (nftables)
#   scripts/sandbox.sh restart-sshd  [--dir DIR]   stop sshd and its sessions, start it again
#   scripts/sandbox.sh reboot        [--dir DIR]   kill every process of the test users,
#                                                  give the server a new boot id, restart sshd
# and, with or without --netns:
#   scripts/sandbox.sh impostor [TYPE] [--dir DIR] replace sshd by one with another host key
#                                                  on the same address (a man in the middle):
#                                                  only a fresh key of TYPE (ed25519, ecdsa or
#                                                  rsa; default ed25519); restart-sshd brings
#                                                  the real one back
#   scripts/sandbox.sh host-key TYPE[,TYPE...] [--dir DIR]
#                                                  give the real server host keys of these
#                                                  types only (each made once, then kept),
#                                                  record just the first one in the client's
#                                                  known_hosts files and restart sshd;
#                                                  `host-key ed25519` restores what `start` made
#
# `start` prints shell assignments (also saved in DIR/env):
#   SANDBOX_DIR SANDBOX_PORT SANDBOX_HOST SANDBOX_USER SANDBOX_USER_BASH SANDBOX_KEY
#   SANDBOX_KNOWN_HOSTS SANDBOX_SSH_CONFIG SANDBOX_CLIENT_HOME SANDBOX_GPU_STATE
#   SANDBOX_HOME SANDBOX_HOME_BASH SANDBOX_SSHD_LOG
# Needs root (it creates users and runs sshd as root, as a real server does).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/.." && pwd)

die() { echo "sandbox: $*" >&2; exit 1; }

action=${1:-}
[ -n "$action" ] || die "usage: sandbox.sh start|stop|env|alias|unalias [--dir DIR] [--port N] [--gpu-state NAME]"
shift
dir=/tmp/ec2dl-sandbox
port=
gpu_state=4x-h100
keep=0
netns=0
arg=
while [ $# -gt 0 ]; do
  case $1 in
    --netns) netns=1; shift ;;
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --gpu-state) gpu_state=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --*) die "unknown option: $1" ;;
    *) arg=$1; shift ;;
  esac
done

# The stand-in nvidia-smi and its recorded states: tests/fake-gpu, or the folder that
# EC2DL_FAKE_GPU names (one of the same layout).
fake_gpu_source() {
  local candidate
  for candidate in "${EC2DL_FAKE_GPU:-}" "$repo/tests/fake-gpu"; do
    if [ -n "$candidate" ] && [ -x "$candidate/nvidia-smi" ]; then
      (cd -- "$candidate" && pwd)
      return 0
    fi
  done
  return 1
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# A port is claimed (an atomic mkdir) from the moment it is picked until `stop`, so two
# sandboxes starting at once never take the same port, nor the user names made from it.
claims=/tmp/ec2dl-sandbox-ports

# claim_port PORT: succeeds when this sandbox folder now holds PORT.
claim_port() {
  local c="$claims/$1" me owner
  me=$(realpath -m -- "$dir")
  mkdir -p "$claims" && chmod 700 "$claims"
  if mkdir "$c" 2>/dev/null; then
    printf '%s\n' "$me" >"$c/dir"
    return 0
  fi
  owner=$(cat "$c/dir" 2>/dev/null || true)
  [ "$owner" = "$me" ] && return 0
  # Left by a sandbox whose folder is gone (it never stopped): free it for a later pick.
  if [ -n "$owner" ] && [ ! -d "$owner" ]; then rm -rf "$c"; fi
  return 1
}

release_port() {
  local c="$claims/$1"
  if [ "$(cat "$c/dir" 2>/dev/null || true)" = "$(realpath -m -- "$dir")" ]; then
    rm -rf "$c"
  fi
}

pick_port() {
  local p tries=0
  while [ $tries -lt 200 ]; do
    # Below the kernel's ephemeral range (32768+), so no outgoing connection holds it.
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
    if ! port_in_use "$p" && claim_port "$p"; then echo "$p"; return 0; fi
    tries=$((tries + 1))
  done
  die "no free port found"
}

write_env() {
  cat >"$dir/env" <<ENV
SANDBOX_DIR=$dir
SANDBOX_PORT=$port
SANDBOX_HOST=$host
SANDBOX_NETNS=$ns
SANDBOX_VETH=$veth
SANDBOX_USER=$user
SANDBOX_USER_BASH=$user_bash
SANDBOX_HOME=$dir/home/$user
SANDBOX_HOME_BASH=$dir/home/$user_bash
SANDBOX_KEY=$dir/client/id_ed25519
SANDBOX_KNOWN_HOSTS=$dir/client/known_hosts
SANDBOX_SSH_CONFIG=$dir/client/ssh_config
SANDBOX_CLIENT_HOME=$dir/client/home
SANDBOX_GPU_STATE=$dir/gpu-state
SANDBOX_FAKE_GPU=$dir/fake-gpu
SANDBOX_SSHD_LOG=$dir/sshd.log
SANDBOX_SSHD_PID=$dir/sshd.pid
ENV
}

make_user() {  # name shell
  local name=$1 shell=$2 home="$dir/home/$1"
  if id -u "$name" >/dev/null 2>&1; then
    pkill -KILL -u "$name" 2>/dev/null || true
    userdel "$name" >/dev/null 2>&1 || true
  fi
  mkdir -p "$home"
  useradd -M -d "$home" -s "$shell" "$name"
  usermod -p '*' "$name"   # unlocked, but no password: keys only
  chown "$name:" "$home"
  chmod 755 "$home"
  printf '%s\n' "$(cat "$dir/client/id_ed25519.pub")" >"$dir/etc/authorized_keys/$name"
  chmod 644 "$dir/etc/authorized_keys/$name"
}

start() {
  [ "$(id -u)" = 0 ] || die "start needs root (it creates test users and runs sshd)"
  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || die "sshd not found: apt-get install openssh-server"
  local fake; fake=$(fake_gpu_source) || die "stand-in nvidia-smi not found in ${EC2DL_FAKE_GPU:-$repo/tests/fake-gpu}"
  if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then
    die "a sandbox already runs in $dir (scripts/sandbox.sh stop --dir $dir)"
  fi
  if [ -z "$port" ]; then
    port=$(pick_port)
  else
    # (a second try takes over a stale claim that the first one freed)
    claim_port "$port" || claim_port "$port" ||
      die "port $port is taken by the sandbox in $(cat "$claims/$port/dir" 2>/dev/null || echo '(starting)')"
  fi
  port_in_use "$port" && { release_port "$port"; die "port $port is in use"; }
  user="e2d-$port"
  user_bash="e2d-$port-b"
  host=127.0.0.1 ns='' veth=''
  if [ "$netns" = 1 ]; then
    # One /30 of 198.18.0.0/15 per port: .1 is this machine's end, .2 the server's.
    local index=$(( (port % 32768) * 4 ))
    local base="198.$(( 18 + index / 65536 )).$(( (index / 256) % 256 ))"
    local last=$(( index % 256 ))
    ns="ec2dl-$port" veth="e2d${port}h" host="$base.$((last + 2))"
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$veth" 2>/dev/null || true
    ip netns add "$ns"
    ip link add "$veth" type veth peer name "e2d${port}n"
    ip link set "e2d${port}n" netns "$ns"
    ip addr add "$base.$((last + 1))/30" dev "$veth"
    # While the link is down, packets for the server must die here, never follow the
    # default route out of this machine.
    ip route replace blackhole "$base.$last/30" metric 4096
    ip link set "$veth" up
    ip netns exec "$ns" ip addr add "$host/30" dev "e2d${port}n"
    ip netns exec "$ns" ip link set "e2d${port}n" up
    ip netns exec "$ns" ip link set lo up
  fi

  mkdir -p "$dir"
  dir=$(cd -- "$dir" && pwd)
  chmod 755 "$dir"
  rm -rf "${dir:?}/etc" "${dir:?}/client" "${dir:?}/fake-gpu" "${dir:?}/gpu-state"
  mkdir -p "$dir/etc/authorized_keys" "$dir/client/home/.ssh" "$dir/home"
  chmod 700 "$dir/client" "$dir/client/home/.ssh"

  ssh-keygen -q -t ed25519 -N '' -C ec2dl-sandbox-host -f "$dir/etc/ssh_host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C ec2dl-sandbox-client -f "$dir/client/id_ed25519"

  cp -R "$fake" "$dir/fake-gpu"
  chmod -R a+rX "$dir/fake-gpu"
  if [ -d "$gpu_state" ]; then
    cp -R "$gpu_state" "$dir/gpu-state"
  else
    [ -d "$fake/states/$gpu_state" ] || die "no GPU state '$gpu_state' in $fake/states"
    cp -R "$fake/states/$gpu_state" "$dir/gpu-state"
    : >"$dir/gpu-state/live"   # launched python jobs show up on their GPUs
  fi
  chmod -R a+rX "$dir/gpu-state"

  make_user "$user" /bin/sh
  make_user "$user_bash" /bin/bash

  cat >"$dir/etc/sshd_config" <<CONF
Port $port
ListenAddress $host
HostKey $dir/etc/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/etc/authorized_keys/%u
AllowUsers $user $user_bash
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
StrictModes no
PermitRootLogin no
MaxStartups 200
MaxSessions 64
LogLevel VERBOSE
Subsystem sftp internal-sftp
SetEnv PATH=$dir/fake-gpu:/usr/local/bin:/usr/bin:/bin FAKE_GPU_STATE=$dir/gpu-state
CONF

  local pub; pub=$(cut -d' ' -f1,2 "$dir/etc/ssh_host_ed25519_key.pub")
  printf '[%s]:%s %s\n' "$host" "$port" "$pub" >"$dir/client/known_hosts"
  cat >"$dir/client/ssh_config" <<CONF
Host sandbox
  HostName $host
  Port $port
  User $user
  IdentityFile $dir/client/id_ed25519
  UserKnownHostsFile $dir/client/known_hosts

Host sandbox-bash
  HostName $host
  Port $port
  User $user_bash
  IdentityFile $dir/client/id_ed25519
  UserKnownHostsFile $dir/client/known_hosts
CONF
  # A client home of its own, for tests that must not touch the real ~/.ssh.
  cp "$dir/client/ssh_config" "$dir/client/home/.ssh/config"
  cp "$dir/client/known_hosts" "$dir/client/home/.ssh/known_hosts"
  chmod 600 "$dir/client/home/.ssh/config" "$dir/client/home/.ssh/known_hosts"

  cat /proc/sys/kernel/random/boot_id >"$dir/boot_id"
  chmod 644 "$dir/boot_id"
  : >"$dir/sshd.log"
  write_env
  start_sshd
  cat "$dir/env"
}

# Starts sshd (in the namespace, with the sandbox's boot id, when there is one) and waits
# until it listens; $sshd_config_file, when set, names its config file.
sshd_config_file=
start_sshd() {
  local conf=${sshd_config_file:-$dir/etc/sshd_config}
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  if [ -n "$ns" ]; then
    # shellcheck disable=SC2016  # $1..$3 expand in the inner sh
    ip netns exec "$ns" sh -c 'b=$1; shift; mount --bind "$b" /proc/sys/kernel/random/boot_id && exec /usr/sbin/sshd "$@"' \
      sandbox-sshd "$dir/boot_id" -f "$conf" -E "$dir/sshd.log" || {
      cat "$dir/sshd.log" >&2; die "sshd did not start"; }
  else
    /usr/sbin/sshd -f "$conf" -E "$dir/sshd.log" || {
      cat "$dir/sshd.log" >&2; die "sshd did not start"; }
  fi
  local i=0
  while ! listening; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$dir/sshd.log" >&2; die "sshd is not listening on $port"; }
    sleep 0.05
  done
}

listening() {
  if [ -n "$ns" ]; then
    ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q .
  else
    port_in_use "$port"
  fi
}

# Stops the listening sshd and every session it serves.
stop_sshd() {
  if [ -f "$dir/sshd.pid" ]; then
    kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
  fi
  pkill -KILL -f "^sshd: ($user|$user_bash)[@ ]" 2>/dev/null || true
  local i=0
  while listening && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
  rm -f "$dir/sshd.pid"
}

load_env() {
  [ -f "$dir/env" ] || die "no sandbox in $dir"
  # shellcheck disable=SC1091
  . "$dir/env"
  user=$SANDBOX_USER
  user_bash=$SANDBOX_USER_BASH
  port=$SANDBOX_PORT
  host=$SANDBOX_HOST
  ns=${SANDBOX_NETNS:-}
  veth=${SANDBOX_VETH:-}
}

stop() {
  [ -f "$dir/env" ] || return 0
  load_env
  stop_sshd
  local u
  for u in "$user" "$user_bash"; do
    pkill -KILL -u "$u" 2>/dev/null || true
  done
  sleep 0.1
  for u in "$user" "$user_bash"; do
    userdel "$u" >/dev/null 2>&1 || true
  done
  if [ -n "$ns" ]; then
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$veth" 2>/dev/null || true
    ip route del blackhole "${host%.*}.$(( ${host##*.} - 2 ))/30" metric 4096 2>/dev/null || true
  fi
  release_port "$port"
  if [ "$keep" = 0 ]; then
    rm -rf "$dir"
  fi
}

need_netns() {
  load_env
  [ -n "$ns" ] || die "this sandbox has no network namespace (start it with --netns)"
}

link() {
  need_netns
  case $arg in
    up|down) ip link set "$veth" "$arg" ;;
    *) die "usage: sandbox.sh link up|down" ;;
  esac
}

loss() {
  need_netns
  command -v nft >/dev/null 2>&1 || die "nft not found: apt-get install nftables"
  ip netns exec "$ns" nft delete table inet ec2dl_loss 2>/dev/null || true
  [ "${arg:-0}" = 0 ] && return 0
  ip netns exec "$ns" nft -f - <<NFT
table inet ec2dl_loss {
  chain in { type filter hook input priority 0; numgen random mod 1000 < $(( arg * 10 )) drop; }
  chain out { type filter hook output priority 0; numgen random mod 1000 < $(( arg * 10 )) drop; }
}
NFT
}

restart_sshd() {
  load_env
  stop_sshd
  start_sshd
}

# make_host_key TYPE FILE: a new host key of TYPE (ed25519, ecdsa, rsa) in FILE.
make_host_key() {
  local bits=()
  case $1 in
    ed25519|ecdsa) ;;
    rsa) bits=(-b 2048) ;;
    *) die "unknown host key type '$1' (ed25519, ecdsa or rsa)" ;;
  esac
  rm -f "$2" "$2.pub"
  ssh-keygen -q -t "$1" "${bits[@]}" -N '' -C "ec2dl-sandbox-$1" -f "$2"
}

# with_host_keys KEYFILE...: the sandbox's sshd_config with these HostKey lines only.
with_host_keys() {
  grep -v '^HostKey ' "$dir/etc/sshd_config"
  local key
  for key in "$@"; do printf 'HostKey %s\n' "$key"; done
}

impostor() {
  load_env
  local type=${arg:-ed25519}
  make_host_key "$type" "$dir/etc/impostor_host_key"
  with_host_keys "$dir/etc/impostor_host_key" >"$dir/etc/sshd_config.impostor"
  stop_sshd
  sshd_config_file="$dir/etc/sshd_config.impostor"
  start_sshd
}

host_key() {
  load_env
  [ -n "$arg" ] || die "usage: sandbox.sh host-key ed25519|ecdsa|rsa[,...]"
  local type keys=()
  for type in ${arg//,/ }; do
    keys+=("$dir/etc/ssh_host_${type}_key")
    [ -f "${keys[-1]}" ] || make_host_key "$type" "${keys[-1]}"
  done
  with_host_keys "${keys[@]}" >"$dir/etc/sshd_config.new"
  mv -f "$dir/etc/sshd_config.new" "$dir/etc/sshd_config"
  local pub; pub=$(cut -d' ' -f1,2 "${keys[0]}.pub")
  printf '[%s]:%s %s\n' "$host" "$port" "$pub" >"$dir/client/known_hosts"
  printf '[%s]:%s %s\n' "$host" "$port" "$pub" >"$dir/client/home/.ssh/known_hosts"
  stop_sshd
  start_sshd
}

reboot() {
  need_netns
  stop_sshd
  local u
  for u in "$user" "$user_bash"; do
    pkill -KILL -u "$u" 2>/dev/null || true
  done
  cat /proc/sys/kernel/random/uuid >"$dir/boot_id"
  start_sshd
}

ssh_alias() {
  load_env
  local cfg="$HOME/.ssh/config"
  mkdir -p "$HOME/.ssh"
  chmod 700 "$HOME/.ssh"
  unalias_config
  {
    echo "# >>> ec2dl sandbox >>>"
    cat "$dir/client/ssh_config"
    echo "# <<< ec2dl sandbox <<<"
    [ -f "$cfg" ] && cat "$cfg"
  } >"$cfg.ec2dl-tmp"
  chmod 600 "$cfg.ec2dl-tmp"
  mv -f "$cfg.ec2dl-tmp" "$cfg"
}

unalias_config() {
  local cfg="$HOME/.ssh/config"
  [ -f "$cfg" ] || return 0
  awk '/^# >>> ec2dl sandbox >>>$/{skip=1} !skip{print} /^# <<< ec2dl sandbox <<<$/{skip=0}' \
    "$cfg" >"$cfg.ec2dl-tmp"
  chmod 600 "$cfg.ec2dl-tmp"
  mv -f "$cfg.ec2dl-tmp" "$cfg"
}

case $action in
  start) start ;;
  stop) stop ;;
  env) load_env; cat "$dir/env" ;;
  alias) ssh_alias ;;
  unalias) unalias_config ;;
  link) link ;;
  loss) loss ;;
  restart-sshd) restart_sshd ;;
  reboot) reboot ;;
  impostor) impostor ;;
  host-key) host_key ;;
  *) die "unknown action: $action" ;;
esac
