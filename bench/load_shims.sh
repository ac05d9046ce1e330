#!/bin/bash
# Shim load for CloudWatch Logs and STS: signed PutLogEvents batches (EVENTS events of 100 bytes)
# and GetCallerIdentity calls through bench/shim_load at 16 and at 500 (or $CONC) concurrent
# keep-alive connections against one `fargate-emu serve`, with ops/s, errors, p50 and p99
# latency, the server's peak RSS (VmHWM) after each phase, its open sockets at the peak and the
# CPU time it used in the phase; then the events stored (`fargate-emu logs --count`) against
# those the calls that got 200 carried.
# Usage: bench/load_shims.sh BUILD_DIR [COUNT] [CONC] [EVENTS]
#   BUILD_DIR holds emu/cli/fargate-emu and bench/shim_load (a Release or RelWithDebInfo build).
set -eu
build=${1:?usage: load_shims.sh BUILD_DIR [COUNT] [CONC] [EVENTS]}
count=${2:-20000}
conc=${3:-500}
events=${4:-10}
emu=$build/emu/cli/fargate-emu
load=$build/bench/shim_load
work=$(mktemp -d "${BENCH_DIR:-/tmp}/loadshims.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n 8192 2>/dev/null || true

hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
conns() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c socket || true; }
# CPU seconds (user + system) the process used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
field() { sed -E "s/.*\"$1\":([0-9]+).*/\\1/" <<< "$2"; }

"$emu" serve --data-dir "$work/emu" > "$work/ready" 2> "$work/emu.log" &
pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
logs_port=$(sed -E 's/.*"logs":\{[^}]*"port":([0-9]+).*/\1/' "$work/ready")
sts_port=$(sed -E 's/.*"sts":\{[^}]*"port":([0-9]+).*/\1/' "$work/ready")
echo "{\"phase\":\"idle\",\"rss_mib\":$(hwm $pid)}"

# phase NAME PORT CONC ARGS...: one shim_load run, the peak socket count sampled meanwhile;
# sets $out to its JSON line.
phase() {
  local name=$1 port=$2 c=$3 peak=0 n cpu0
  shift 3
  cpu0=$(cpu "$pid")
  "$load" --port "$port" --count "$count" --concurrency "$c" "$@" > "$work/out" 2> "$work/err" &
  local lp=$!
  while kill -0 "$lp" 2>/dev/null; do
    n=$(conns "$pid"); [ "$n" -gt "$peak" ] && peak=$n
    sleep 0.2
  done
  wait "$lp" || true
  out=$(cat "$work/out")
  echo "{\"phase\":\"$name\",\"server_sockets_peak\":$peak,\"rss_mib\":$(hwm $pid),\"server_cpu_s\":$(awk -v a="$cpu0" -v b="$(cpu "$pid")" 'BEGIN { printf "%.2f", b - a }'),${out#\{}"
  head -n 3 "$work/err" >&2
}

# One group per phase, so each phase's stored count is its own; a stream per connection
# (what each task's router does) or one stream all connections share (AWS accepts parallel
# PutLogEvents on one stream since sequence tokens are ignored).
sent_total=0
cwl_phase() {
  local name=$1 c=$2 mode=$3 group="bench-$1"
  "$load" --port "$logs_port" --op cwl-setup --group "$group" --streams "$c" > /dev/null
  phase "$name" "$logs_port" "$c" --op cwl-put --group "$group" --stream "$mode" \
    --events "$events" --size 100
  local ok sent stored
  ok=$(field ok "$out")
  sent=$((ok * events))
  stored=$("$emu" logs --count --data-dir "$work/emu" "cloudwatch://$group" 2>/dev/null || echo 0)
  echo "{\"phase\":\"$name\",\"group\":\"$group\",\"events_sent_ok\":$sent,\"events_stored\":$stored,\"match\":$([ "$sent" = "$stored" ] && echo true || echo false)}"
}

cwl_phase cwl_put_c16 16 per-connection
cwl_phase "cwl_put_c$conc" "$conc" per-connection
cwl_phase "cwl_put_c${conc}_shared_stream" "$conc" shared
phase sts_c16 "$sts_port" 16 --op sts
phase "sts_c$conc" "$sts_port" "$conc" --op sts
kill "$pid"
wait "$pid" || true
grep -iE "error|warn" "$work/emu.log" | head -n 5 >&2 || true
