#!/bin/bash
# S3 endpoint benchmark: 1 KiB PUT/GET ops/s at concurrency 16 and a large PUT/GET in MB/s with
# the C client bench/s3_load (signed SigV4, one process per connection), peak RSS of the server
# after each phase, and dd's sequential write speed on the same disk in the same run; against
# `fargate-emu serve` and, when npm's s3rver is installed in $S3RVER_DIR, against s3rver.
# Usage: bench/s3_bench.sh BUILD_DIR [small-count] [large-MiB]
#   BUILD_DIR holds emu/cli/fargate-emu and bench/s3_load (a Release build).
set -eu
build=${1:?usage: s3_bench.sh BUILD_DIR [SMALL] [LARGE_MIB]}
small=${2:-8000}
large=${3:-256}
emu=$build/emu/cli/fargate-emu
load=$build/bench/s3_load
work=$(mktemp -d "${BENCH_DIR:-/tmp}/s3bench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }

# dd: sequential write of the large size to the same file system, flushed to disk.
dd_line=$(dd if=/dev/zero of="$work/dd.bin" bs=1M count="$large" conv=fdatasync 2>&1 | tail -n1)
dd_mb=$(echo "$dd_line" | sed -E 's/.*, ([0-9.]+) ([MG])B\/s.*/\1 \2/' |
        awk '{ print ($2 == "G") ? $1 * 1000 : $1 }')
rm -f "$work/dd.bin"
head -c $((large * 1024 * 1024)) /dev/urandom > "$work/large.bin"

# run_server NAME PORT PID ACCESS SECRET: every phase against one server, one JSON line.
run_server() {
  local name=$1 port=$2 pid=$3 ak=$4 sk=$5 put get lput lget r1 r2
  local common=(--port "$port" --access-key "$ak" --secret-key "$sk")
  "$load" "${common[@]}" --op mb > /dev/null
  put=$("$load" "${common[@]}" --op put --count "$small" --concurrency 16 --size 1024 || true)
  get=$("$load" "${common[@]}" --op get --count "$small" --concurrency 16 --size 1024 || true)
  r1=$(hwm "$pid")
  lput=$("$load" "${common[@]}" --op put --key large --file "$work/large.bin")
  lget=$("$load" "${common[@]}" --op get --key large --single yes)
  r2=$(hwm "$pid")
  printf '{"server":"%s","put_1k_ops":%s,"get_1k_ops":%s,"put_large_mb_s":%s,' "$name" \
    "$(echo "$put" | field ops_s)" "$(echo "$get" | field ops_s)" "$(echo "$lput" | field mb_s)"
  printf '"get_large_mb_s":%s,"rss_after_small_mib":%s,"rss_after_large_mib":%s,' \
    "$(echo "$lget" | field mb_s)" "$r1" "$r2"
  printf '"dd_write_mb_s":%s,"failed_workers":[%s,%s]}\n' "$dd_mb" \
    "$(echo "$put" | field failed_workers)" "$(echo "$get" | field failed_workers)"
}

"$emu" serve --s3 127.0.0.1:0 --data-dir "$work/emu" > "$work/ready" 2> "$work/emu.log" &
emu_pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
port=$(sed -E 's/.*"s3":\{[^}]*"port":([0-9]+).*/\1/' "$work/ready")
run_server fargate-emu "$port" "$emu_pid" fargate-emu fargate-emu-secret
kill "$emu_pid"
wait "$emu_pid" || true

s3rver_dir=${S3RVER_DIR:-}
if [ -n "$s3rver_dir" ] && [ -x "$s3rver_dir/node_modules/.bin/s3rver" ]; then
  mkdir -p "$work/s3rver"
  "$s3rver_dir/node_modules/.bin/s3rver" -d "$work/s3rver" -a 127.0.0.1 -p 0 --silent \
    > "$work/s3rver.log" 2>&1 &
  s_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(ss -ltnpH 2>/dev/null | grep "pid=$s_pid," | sed -E 's/.*127\.0\.0\.1:([0-9]+).*/\1/' | head -n1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  node_pid=$(pgrep -P "$s_pid" | head -n1 || true)
  run_server s3rver "$port" "${node_pid:-$s_pid}" S3RVER S3RVER
fi
