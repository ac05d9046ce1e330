#!/usr/bin/env bash
# Many tasks at once: N tasks (default 20) started together, each a busybox app writing L lines
# (default 50,000) of 100 bytes through the real Docker fluentd log driver into its own
# emu-router (`Name s3` output, total_file_size 1M, upload_timeout 5s, its own bucket) and the
# local S3 shim of its supervisor; the app stays up after its last line. Waits until every
# task's bucket holds L records or nothing moved for 60 s, then stops the tasks and counts again.
# Prints per task: sent, delivered before and after stop, peak RSS of its supervisor and router
# (VmHWM); dockerd's VmHWM; the wall time from the first start to the last delivery. No
# farm-bench needed.
# Usage: bench/load_tasks.sh [BUILD_DIR] [N] [L]   (BUILD_DIR: default build-bench; a private
# dockerd is started when $DOCKER_HOST and the system one are absent)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build-bench}
ntasks=${2:-20}
lines=${3:-50000}
fe_bin=$build/emu/cli/fargate-emu
export EMU_ROUTER=$build/emu/router/emu-router
[ -x "$fe_bin" ] && [ -x "$EMU_ROUTER" ] || {
  echo "load_tasks: build fargate-emu and emu-router in $build first" >&2
  exit 2
}
work=$(mktemp -d /tmp/fe-load-tasks.XXXXXX)
data=$work/data
dockerd_dir=
ids=()
cleanup() {
  local id
  for id in "${ids[@]}"; do "$fe_bin" stop --data-dir "$data" "$id" >/dev/null 2>&1 || true; done
  [ -n "$dockerd_dir" ] && "$repo/tests/support/dockerd.sh" stop "$dockerd_dir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${DOCKER_HOST:-}" ] && ! docker version >/dev/null 2>&1; then
  dockerd_dir=/tmp/fe-load-tasks-dockerd
  export DOCKER_HOST=unix://$("$repo/tests/support/dockerd.sh" start "$dockerd_dir")
fi
"$repo/docker/build-local-images.sh" "${DOCKER_HOST:-unix:///var/run/docker.sock}" >/dev/null
if [ -n "$dockerd_dir" ]; then dpid=$(cat "$dockerd_dir/dockerd.pid"); else dpid=$(pidof dockerd | cut -d' ' -f1); fi
fe() { "$fe_bin" "$@" --data-dir "$data"; }
now() { date +%s%N; }
hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo n/a; }
count() { local c; c=$(fe logs --count "s3://fe-load-$1" 2>/dev/null || true); echo "${c:-0}"; }

for i in $(seq 1 "$ntasks"); do
  /usr/bin/python3 - "$work/t$i.json" "$i" "$lines" <<'PY'
import json, sys
path, i, n = sys.argv[1:]
cmd = ("awk 'BEGIN { for (i = 1; i <= %s; i++) printf \"%%-99s\\n\", \"line-\" i }'; sleep 3600" % n)
opts = {"Name": "s3", "bucket": "fe-load-" + i, "region": "us-east-1",
        "total_file_size": "1M", "upload_timeout": "5s", "use_put_object": "On"}
td = {"family": "load-" + i, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}},
          {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
           "command": ["sh", "-c", cmd],
           "dependsOn": [{"containerName": "log_router", "condition": "START"}],
           "logConfiguration": {"logDriver": "awsfirelens", "options": opts}}]}
json.dump(td, open(path, "w"))
PY
done
dhwm0=$(hwm "$dpid")
t0=$(now)
# Start them all at once (each `run --detach` returns once its task is up).
for i in $(seq 1 "$ntasks"); do
  (fe run --detach "$work/t$i.json" > "$work/id$i" 2> "$work/run$i.log" || echo FAILED >> "$work/id$i") &
done
wait
for i in $(seq 1 "$ntasks"); do
  id=$(head -n1 "$work/id$i")
  if [ "$id" = FAILED ] || [ -z "$id" ]; then
    echo "task $i: run failed: $(tail -n 2 "$work/run$i.log" | tr '\n' ' ')"; id=
  fi
  ids+=("$id")
done
t_started=$(now)
declare -A got last_t
last_change=$(now) end=$t0
while :; do
  total=0 done_n=0 moved=0
  for i in $(seq 1 "$ntasks"); do
    c=$(count "$i")
    [ "$c" != "${got[$i]:-0}" ] && { moved=1; got[$i]=$c; last_t[$i]=$(now); }
    total=$((total + c)); [ "$c" -ge "$lines" ] && done_n=$((done_n + 1))
  done
  t=$(now)
  [ "$moved" = 1 ] && { last_change=$t; end=$t; }
  [ "$done_n" -eq "$ntasks" ] && break
  [ $(( (t - last_change) / 1000000000 )) -ge 60 ] && break
  sleep 1
done
echo "start of $ntasks tasks: $(( (t_started - t0) / 1000000 )) ms; last delivery $(awk -v a="$t0" -v b="$end" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s after the first start"
sum_before=0 sum_after=0
for i in $(seq 1 "$ntasks"); do
  id=${ids[$((i - 1))]}
  [ -n "$id" ] || continue
  spid=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['supervisorPid'])" "$data/tasks/$id.json" 2>/dev/null || echo 0)
  rpid=$(docker inspect -f '{{.State.Pid}}' "fe-$id-log_router" 2>/dev/null || echo 0)
  echo "task $i: sent $lines, delivered ${got[$i]:-0} (last at $(awk -v a="$t0" -v b="${last_t[$i]:-$t0}" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s); supervisor VmHWM $(hwm "$spid") MiB; router VmHWM $(hwm "$rpid") MiB" >> "$work/per-task"
  sum_before=$((sum_before + ${got[$i]:-0}))
done
echo "dockerd VmHWM $(hwm "$dpid") MiB (before the tasks: $dhwm0 MiB); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for id in "${ids[@]}"; do [ -n "$id" ] && (fe stop "$id" >/dev/null 2>&1 || true) & done
wait
for i in $(seq 1 "$ntasks"); do
  a=$(count "$i"); sum_after=$((sum_after + a))
  sed -i "s/^task $i: \(.*\)$/task $i: \1; after stop $a/" "$work/per-task"
done
cat "$work/per-task"
echo "total: sent $((ntasks * lines)), delivered $sum_before before stop, $sum_after after stop, lost $((ntasks * lines - sum_after))"
ids=()
