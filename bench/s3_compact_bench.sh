#!/bin/bash
# Cost of S3 pack compaction: the same overwrite load (PUTs of SIZE bytes over KEYS keys at
# concurrency 16, bench/s3_load) against `fargate-emu serve` with compaction off and on (the
# default threshold: 8 MiB dead and over half the pack), one JSON line each: PUT ops/s, GET ops/s
# after, packs/ bytes at the end, compactions run, bytes they read and wrote, their total time.
# Usage: bench/s3_compact_bench.sh BUILD_DIR [COUNT] [SIZE] [KEYS]
#   BUILD_DIR holds emu/cli/fargate-emu and bench/s3_load (a Release build).
set -eu
build=${1:?usage: s3_compact_bench.sh BUILD_DIR [COUNT] [SIZE] [KEYS]}
count=${2:-60000}
size=${3:-4096}
keys=${4:-200}
emu=$build/emu/cli/fargate-emu
load=$build/bench/s3_load
work=$(mktemp -d "${BENCH_DIR:-/tmp}/s3compact.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }

run() { # MODE (off | on)
  local mode=$1 dir=$work/$1 knob=off put get
  [ "$mode" = on ] && knob=
  FARGATE_EMU_S3_COMPACT_BYTES=$knob "$emu" serve --s3 127.0.0.1:0 --data-dir "$dir" \
    > "$work/$mode.ready" 2> "$work/$mode.log" &
  local pid=$!
  for _ in $(seq 100); do [ -s "$work/$mode.ready" ] && break; sleep 0.1; done
  local port
  port=$(sed -E 's/.*"s3":\{[^}]*"port":([0-9]+).*/\1/' "$work/$mode.ready")
  "$load" --port "$port" --op mb > /dev/null
  put=$("$load" --port "$port" --op put --count "$count" --concurrency 16 --size "$size" \
        --keys "$keys" || true)
  sleep 2 # a compaction started by the last PUTs finishes
  get=$("$load" --port "$port" --op get --count "$((keys * 100))" --concurrency 16 \
        --size "$size" --keys "$keys" || true)
  kill "$pid"
  wait "$pid" || true
  local packs
  packs=$(du -sb "$dir/s3/buckets/bench/packs" | cut -f1)
  local sums
  sums=$(sed -nE 's/.*s3: compacted .*\(([0-9]+) bytes\) into .*\(([0-9]+) bytes\) in ([0-9]+) ms.*/\1 \2 \3/p' \
           "$work/$mode.log" | awk '{ n++; r += $1; w += $2; ms += $3 } END { print n + 0, r + 0, w + 0, ms + 0 }')
  set -- $sums
  printf '{"compaction":"%s","put_ops_s":%s,"get_ops_s":%s,"body_bytes_put":%d,' "$mode" \
    "$(echo "$put" | field ops_s)" "$(echo "$get" | field ops_s)" "$((count * size))"
  printf '"packs_bytes_after":%d,"compactions":%d,"compaction_read_bytes":%d,' "$packs" "$1" "$2"
  printf '"compaction_written_bytes":%d,"compaction_ms_total":%d,"failed_workers":[%s,%s]}\n' \
    "$3" "$4" "$(echo "$put" | field failed_workers)" "$(echo "$get" | field failed_workers)"
}

run off
run on
