#!/bin/bash
# The runtime's output copy against Docker's dual-logging cache: RUNS times (default 2) a
# container writes LINES lines (default 500,000, about 80 bytes each) through Docker's fluentd
# driver (ECS's options) into emu-router (`Name null`) and stays up 25 s; prints per run the
# lines in the output copy (<id>.out/app.log), the records the router says it received (its
# exit summary), their ratio, and the time from the app's stop to the task's STOPPED (the
# copy's final full read is in it).
# Usage: bench/output_copy_bench.sh path/to/fargate-emu [LINES] [RUNS]
# Uses DOCKER_HOST when it answers, else starts a private dockerd (tests/support/dockerd.sh)
# and builds the local images (docker/build-local-images.sh).
set -eu
emu=$(realpath "${1:?usage: output_copy_bench.sh FARGATE_EMU [LINES] [RUNS]}")
n=${2:-500000}
runs=${3:-2}
. "$(dirname "$0")/dockerd_env.sh"
/usr/bin/python3 - "$work/td.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
pad = "x" * 66
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", "seq 1 %d | sed 's/^/line-%s-/'; sleep 25" % (n, pad)],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": "null"}}}
td = {"family": "bench-copy", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(path, "w"))
PY
secs() { date -d "$1" +%s.%N; }
for i in $(seq 1 "$runs"); do
  data=$work/data-$i
  "$emu" run --data-dir "$data" --image-map-file "$src/fixtures/image-map.local" "$work/td.json" \
    >"$work/run.out" 2>&1
  a=$(grep "container app STOPPED" "$work/run.out" | cut -c1-12)
  z=$(grep "task .* STOPPED" "$work/run.out" | tail -1 | cut -c1-12)
  copy=$(cat "$data"/tasks/*.out/app.log | wc -l)
  got=$(sed -n 's/.*\[engine\] records in \([0-9]*\),.*/\1/p' "$data"/tasks/*.out/log_router.log)
  awk -v i="$i" -v n="$n" -v c="$copy" -v g="${got:-0}" -v a="$(secs "$a")" -v z="$(secs "$z")" \
    'BEGIN { printf "{\"run\":%d,\"lines\":%d,\"copy_lines\":%d,\"router_received\":%d,\"copy_over_received\":%.3f,\"stop_to_stopped_s\":%.2f}\n", i, n, c, g, g ? c / g : 0, z - a }'
  rm -rf "$data"
done
