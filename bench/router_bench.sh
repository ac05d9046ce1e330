#!/usr/bin/env bash
# Measures emu-router's forward ingestion over the unix socket: 1,000,000 Docker-shaped records
# (container_id, container_name, source, ~100-byte log) in Message and PackedForward modes into
# the null output, then into the s3 output with gzip (the seed's s3.conf options) against the
# S3 shim of `fargate-emu serve`; prints records/s, router CPU seconds and peak RSS. For s3 the
# time runs from the first record sent until every object is uploaded (SIGTERM flushes the rest)
# and the objects are checked with boto3.
# Usage: bench/router_bench.sh [path/to/emu-router] [records] [null|s3|all]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
router=${1:-$here/build-bench/emu/router/emu-router}
count=${2:-1000000}
which=${3:-all}
fargate=$(dirname "$router")/../cli/fargate-emu
tmp=$(mktemp -d)
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

bench_null() {
  local mode=$1
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
  echo "output=null mode=$mode records=$count drain_seconds=$secs records_per_s=$rate" \
       "router_cpu_s=$cpu records_per_cpu_s=$per_cpu peak_rss_kb=$hwm"
}

start_s3() {
  "$fargate" serve --s3 127.0.0.1:0 --data-dir "$tmp/data" > "$tmp/ready" 2> "$tmp/serve.log" &
  serve_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
  endpoint=$(/usr/bin/python3 -c \
    "import json,sys;print(json.load(open(sys.argv[1]))['s3']['endpoint'])" "$tmp/ready")
}

bench_s3() {
  local mode=$1 bucket=bench-$1
  /usr/bin/python3 "$here/tests/support/s3_check.py" "$endpoint" "$bucket" create
  cat > "$tmp/s3.conf" <<CONF
[SERVICE]
    Flush 1
    Grace 120
    Log_Level warn

[INPUT]
    Name forward
    unix_path $tmp/fluent.sock

[OUTPUT]
    Name                         s3
    Match                        *
    bucket                       $bucket
    region                       us-east-1
    endpoint                     $endpoint
    store_dir                    $tmp/store-$mode
    total_file_size              1M
    upload_timeout               1m
    use_put_object               On
    compression                  gzip
    s3_key_format                /\$TAG[2]/\$TAG[0]/%Y/%m/%d/%H/%M/%S/\$UUID.gz
    s3_key_format_tag_delimiters .-
CONF
  AWS_ACCESS_KEY_ID=fargate-emu AWS_SECRET_ACCESS_KEY=fargate-emu-secret \
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$router" -c "$tmp/s3.conf" -q &
  pid=$!
  /usr/bin/python3 "$here/tests/support/fw_send.py" "$tmp/fluent.sock" "$count" "$mode" \
    2> "$tmp/send.log"
  # The clock starts when fw_send.py connected (it builds its messages before that).
  t0=$(echo "$(date +%s.%N) - $(sed -n 's/.* in \([0-9.]*\)s/\1/p' "$tmp/send.log")" | bc)
  # Everything has been read once fw_send.py returns; SIGTERM flushes it to the store and
  # uploads what is buffered before exiting.
  kill -TERM "$(pgrep -P "$pid" || echo "$pid")" 2>/dev/null || true
  wait "$pid" || true
  t1=$(date +%s.%N)
  read -r _ user sys rss < "$tmp/time"
  secs=$(echo "scale=3; $t1 - $t0" | bc)
  cpu=$(echo "scale=2; $user + $sys" | bc)
  rate=$(echo "scale=0; $count / $secs" | bc)
  check=$(/usr/bin/python3 "$here/tests/support/s3_check.py" "$endpoint" "$bucket" check "$count" \
    '[0-9a-f]{32}/app/\d{4}/\d\d/\d\d/\d\d/\d\d/\d\d/[0-9A-Za-z]{8}\.gz')
  echo "output=s3-gzip mode=$mode records=$count seconds_to_uploaded=$secs records_per_s=$rate" \
       "router_cpu_s=$cpu peak_rss_kb=$rss ($check)"
}

if [ "$which" = null ] || [ "$which" = all ]; then
  for mode in message packed; do bench_null "$mode"; done
fi
if [ "$which" = s3 ] || [ "$which" = all ]; then
  start_s3
  for mode in message packed; do bench_s3 "$mode"; done
fi
