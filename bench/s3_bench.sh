#!/bin/bash
# Runs bench/s3_bench.py against `fargate-emu serve` and, when npm's s3rver is installed in
# $S3RVER_DIR (npm install s3rver), against s3rver in the same run. Usage:
#   bench/s3_bench.sh path/to/fargate-emu [small-count] [large-MiB]
set -eu
emu=${1:?usage: s3_bench.sh FARGATE_EMU [SMALL] [LARGE_MIB]}
small=${2:-4000}
large=${3:-256}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
"$emu" serve --s3 127.0.0.1:0 --data-dir "$work/emu" > "$work/ready" &
emu_pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
endpoint=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["s3"]["endpoint"])' "$work/ready")
/usr/bin/python3 "$here/s3_bench.py" --endpoint "$endpoint" --pid "$emu_pid" --name fargate-emu \
  --small "$small" --large-mib "$large"
kill "$emu_pid"
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
  /usr/bin/python3 "$here/s3_bench.py" --endpoint "http://127.0.0.1:$port" \
    --pid "${node_pid:-$s_pid}" --name s3rver --small "$small" --large-mib "$large" \
    --access-key S3RVER --secret-key S3RVER
fi
