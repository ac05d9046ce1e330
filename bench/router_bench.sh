#!/usr/bin/env bash
# Measures emu-router's forward ingestion over the unix socket into the null output: 1,000,000
# Docker-shaped records (container_id, container_name, source, ~100-byte log) in Message and
# PackedForward modes; prints records/s, router CPU seconds and peak RSS.
# Usage: bench/router_bench.sh [path/to/emu-router] [records]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
router=${1:-$here/build-bench/emu/router/emu-router}
count=${2:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in message packed; do
  cat > "$tmp/bench.conf" <<CONF
[SERVICE]
    Flush 1
    Log_Level warn

[INPUT]
    Name forward
    unix_path $tmp/fluent.sock

[OUTPUT]
    Name null
    Match *
CONF
  "$router" -c "$tmp/bench.conf" -q &
  pid=$!
  t0=$(date +%s.%N)
  /usr/bin/python3 "$here/tests/support/fw_send.py" "$tmp/fluent.sock" "$count" "$mode" \
    2> "$tmp/send.log"
  sleep 1.5
  read -r utime stime < <(awk '{print $14, $15}' /proc/$pid/stat)
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  kill -TERM "$pid"
  wait "$pid" || true
  secs=$(sed -n 's/.* in \([0-9.]*\)s/\1/p' "$tmp/send.log")
  tck=$(getconf CLK_TCK)
  cpu=$(echo "scale=2; ($utime + $stime) / $tck" | bc)
  rate=$(echo "scale=0; $count / $secs" | bc)
  per_cpu=$(echo "scale=0; $count / $cpu" | bc)
  echo "mode=$mode records=$count drain_seconds=$secs records_per_s=$rate" \
       "router_cpu_s=$cpu records_per_cpu_s=$per_cpu peak_rss_kb=$hwm"
done
