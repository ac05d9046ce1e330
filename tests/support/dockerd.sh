#!/usr/bin/env bash
# Starts (or stops) a private dockerd for the e2e tests: its own socket, data root and exec root
# under DIR, never the system daemon. `start DIR` prints the socket path once /_ping answers;
# `stop DIR` kills it by its pid file and removes DIR. Needs root; exits 77 when dockerd cannot
# run on this machine, printing why.
set -u
cmd=${1:-}
dir=${2:-${EMU_DOCKERD_DIR:-/tmp/fargate-emu-dockerd}}
# The reason is also left in DIR.skip, for the e2e tests to print when they skip.
skip() { echo "dockerd.sh: SKIP: $*" | tee "$dir.skip" >&2; exit 77; }

ping_ok() {
  curl -s --max-time 2 --unix-socket "$dir/docker.sock" http://localhost/_ping 2>/dev/null |
    grep -q OK
}

stop() {
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
  fi
  # Mounts left by an unclean stop would make rm fail.
  if [ -d "$dir" ]; then
    grep " $dir/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$dir"
  fi
  [ "$cmd" = stop ] && rm -f "$dir.skip"
  return 0
}

# Starts dockerd with the given extra flags; returns 0 once /_ping answers.
try_start() {
  mkdir -p "$dir/root" "$dir/exec"
  rm -f "$dir/docker.sock" "$dir/dockerd.pid"
  # Short bridge name and private subnet so two harnesses or a system daemon do not collide.
  setsid dockerd --host "unix://$dir/docker.sock" --data-root "$dir/root" \
    --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" "$@" \
    >>"$dir/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 150); do
    ping_ok && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  kill -TERM "$pid" 2>/dev/null
  return 1
}

start() {
  [ "$(id -u)" -eq 0 ] || skip "dockerd needs root (running as uid $(id -u))"
  command -v dockerd >/dev/null || skip "dockerd is not installed (apt-get install docker.io)"
  command -v curl >/dev/null || skip "curl is not installed"
  if ping_ok; then
    echo "$dir/docker.sock"
    exit 0
  fi
  stop
  rm -f "$dir.skip"
  mkdir -p "$dir"
  # The defaults work on a Debian 12 host; containers without iptables (some CI sandboxes) fall
  # back to a daemon that does not touch the firewall.
  if try_start; then
    echo "$dir/docker.sock"
    exit 0
  fi
  echo "dockerd.sh: default flags failed, retrying with --iptables=false --ip-masq=false" >&2
  tail -5 "$dir/dockerd.log" >&2
  stop
  mkdir -p "$dir"
  if try_start --iptables=false --ip-masq=false --bridge=none; then
    echo "$dir/docker.sock"
    exit 0
  fi
  why=$(grep -E 'level=(fatal|error)|failed to start' "$dir/dockerd.log" | tail -3)
  stop
  skip "dockerd does not start on this machine: ${why:-see its log}"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
