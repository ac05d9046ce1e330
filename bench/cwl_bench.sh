#!/bin/bash
# Runs bench/cwl_bench.py (PutLogEvents of full 10,000-event batches) against
# `fargate-emu serve --logs`. Usage: bench/cwl_bench.sh path/to/fargate-emu [batches] [senders]
# Build a Release binary for figures: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
# -DEMU_TESTS=OFF && cmake --build build-bench --target fargate-emu
set -eu
emu=${1:?usage: cwl_bench.sh FARGATE_EMU [BATCHES] [SENDERS]}
batches=${2:-200}
senders=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
"$emu" serve --logs 127.0.0.1:0 --data-dir "$work/emu" > "$work/ready" &
emu_pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
endpoint=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["logs"]["endpoint"])' "$work/ready")
/usr/bin/python3 "$here/cwl_bench.py" --endpoint "$endpoint" --pid "$emu_pid" \
  --batches "$batches" --senders "$senders"
du -sh "$work/emu/logs" | sed 's/^/on disk: /'
kill "$emu_pid"
