#!/bin/bash
# Shim load: signed 1 KiB S3 PUTs and GETs through bench/s3_load at 16 and at 500 (or $CONC)
# concurrent keep-alive connections against one `fargate-emu serve`, with ops/s, errors, p50 and
# p99 latency, the server's peak RSS (VmHWM) after each phase and its open connections at the
# peak; then the same 500 connections while 200 slow clients trickle request heads.
# Usage: bench/load_bench.sh BUILD_DIR [COUNT] [CONC]
#   BUILD_DIR holds emu/cli/fargate-emu and bench/s3_load (a Release or RelWithDebInfo build).
set -eu
build=${1:?usage: load_bench.sh BUILD_DIR [COUNT] [CONC]}
count=${2:-40000}
conc=${3:-500}
emu=$build/emu/cli/fargate-emu
load=$build/bench/s3_load
work=$(mktemp -d "${BENCH_DIR:-/tmp}/loadbench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n 8192 2>/dev/null || true

hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
conns() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c socket || true; }

"$emu" serve --data-dir "$work/emu" > "$work/ready" 2> "$work/emu.log" &
pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
port=$(sed -E 's/.*"s3":\{[^}]*"port":([0-9]+).*/\1/' "$work/ready")
common=(--port "$port")
"$load" "${common[@]}" --op mb > /dev/null
echo "{\"phase\":\"idle\",\"rss_mib\":$(hwm $pid)}"

# phase NAME OP CONC [PREFIX]: one s3_load run, with the peak socket count sampled meanwhile.
phase() {
  local name=$1 op=$2 c=$3 prefix=${4:-k/} peak=0 n out
  "$load" "${common[@]}" --op "$op" --count "$count" --concurrency "$c" --size 1024 \
    --key "$prefix" > "$work/out" 2> "$work/err" &
  local lp=$!
  while kill -0 "$lp" 2>/dev/null; do
    n=$(conns "$pid"); [ "$n" -gt "$peak" ] && peak=$n
    sleep 0.2
  done
  wait "$lp" || true
  out=$(cat "$work/out")
  echo "{\"phase\":\"$name\",\"server_sockets_peak\":$peak,\"rss_mib\":$(hwm $pid),${out#\{}"
  head -n 3 "$work/err" >&2
}

phase put_c16 put 16
phase "put_c$conc" put "$conc" k2/
phase "get_c$conc" get "$conc" k2/

# 200 slow clients (one header byte a second) beside the 500 connections.
/usr/bin/python3 - "$port" > "$work/slow.log" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for _ in range(200):
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    except OSError:
        pass
head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 100
for b in head:
    for s in socks:
        try:
            s.send(bytes([b]))
        except OSError:
            pass
    time.sleep(1)
PY
slow=$!
sleep 2
phase "put_c${conc}_with_200_slow" put "$conc" k3/
kill "$slow" 2>/dev/null || true
kill "$pid"
wait "$pid" || true
