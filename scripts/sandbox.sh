#!/usr/bin/env bash
# The sandbox server: a real OpenSSH sshd on 127.0.0.1 with its own host key, two test
# users (login shells dash and bash) whose homes live in the sandbox folder, a client key,
# a known_hosts file, an ssh config with the aliases "sandbox" and "sandbox-bash", and the
# stand-in nvidia-smi on the users' PATH. The demo, the integration tests and the
# benchmarks all use it.
#
#   scripts/sandbox.sh start [--dir DIR] [--port N] [--gpu-state NAME|DIR]
#   scripts/sandbox.sh stop  [--dir DIR] [--keep]
#   scripts/sandbox.sh env   [--dir DIR]        print the variables below
#   scripts/sandbox.sh alias [--dir DIR]        add "Host sandbox" to ~/.ssh/config
#   scripts/sandbox.sh unalias                  remove it again
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
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --gpu-state) gpu_state=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "unknown option: $1" ;;
  esac
done

fake_gpu_source() {
  local candidate
  for candidate in "${EC2DL_FAKE_GPU:-}" "$repo/../shared/fake-gpu"; do
    if [ -n "$candidate" ] && [ -x "$candidate/nvidia-smi" ]; then
      (cd -- "$candidate" && pwd)
      return 0
    fi
  done
  return 1
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

pick_port() {
  local p tries=0
  while [ $tries -lt 200 ]; do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
    tries=$((tries + 1))
  done
  die "no free port found"
}

write_env() {
  cat >"$dir/env" <<ENV
SANDBOX_DIR=$dir
SANDBOX_PORT=$port
SANDBOX_HOST=127.0.0.1
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
  local fake; fake=$(fake_gpu_source) || die "stand-in nvidia-smi not found (set EC2DL_FAKE_GPU or put shared/fake-gpu beside the repository)"
  if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then
    die "a sandbox already runs in $dir (scripts/sandbox.sh stop --dir $dir)"
  fi
  [ -n "$port" ] || port=$(pick_port)
  port_in_use "$port" && die "port $port is in use"
  user="e2d-$port"
  user_bash="e2d-$port-b"

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
ListenAddress 127.0.0.1
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
  printf '[127.0.0.1]:%s %s\n' "$port" "$pub" >"$dir/client/known_hosts"
  cat >"$dir/client/ssh_config" <<CONF
Host sandbox
  HostName 127.0.0.1
  Port $port
  User $user
  IdentityFile $dir/client/id_ed25519
  UserKnownHostsFile $dir/client/known_hosts

Host sandbox-bash
  HostName 127.0.0.1
  Port $port
  User $user_bash
  IdentityFile $dir/client/id_ed25519
  UserKnownHostsFile $dir/client/known_hosts
CONF
  # A client home of its own, for tests that must not touch the real ~/.ssh.
  cp "$dir/client/ssh_config" "$dir/client/home/.ssh/config"
  cp "$dir/client/known_hosts" "$dir/client/home/.ssh/known_hosts"
  chmod 600 "$dir/client/home/.ssh/config" "$dir/client/home/.ssh/known_hosts"

  mkdir -p /run/sshd
  chmod 755 /run/sshd
  : >"$dir/sshd.log"
  /usr/sbin/sshd -f "$dir/etc/sshd_config" -E "$dir/sshd.log" || {
    cat "$dir/sshd.log" >&2; die "sshd did not start"; }
  local i=0
  while ! port_in_use "$port"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$dir/sshd.log" >&2; die "sshd is not listening on $port"; }
    sleep 0.05
  done
  write_env
  cat "$dir/env"
}

load_env() {
  [ -f "$dir/env" ] || die "no sandbox in $dir"
  # shellcheck disable=SC1091
  . "$dir/env"
  user=$SANDBOX_USER
  user_bash=$SANDBOX_USER_BASH
  port=$SANDBOX_PORT
}

stop() {
  [ -f "$dir/env" ] || return 0
  load_env
  if [ -f "$dir/sshd.pid" ]; then
    kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
  fi
  local u
  for u in "$user" "$user_bash"; do
    pkill -KILL -u "$u" 2>/dev/null || true
  done
  sleep 0.1
  for u in "$user" "$user_bash"; do
    userdel "$u" >/dev/null 2>&1 || true
  done
  if [ "$keep" = 0 ]; then
    rm -rf "$dir"
  fi
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
  *) die "unknown action: $action" ;;
esac
