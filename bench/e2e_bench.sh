#!/usr/bin/env bash
# End-to-end FireLens bench: a busybox app writes LINES lines of 100 bytes (99 + newline) to
# stdout through the real Docker fluentd log driver into emu-router (plain `Name s3` output,
# total_file_size 1M, upload_timeout 5s) and the local S3 shim of the supervisor. Case `stay`:
# the app stays up; the time runs from the app's StartedAt until `fargate-emu logs --count`
# sees every record (or stalls for 30 s: the loss is reported). Prints lines/s, records lost,
# router peak RSS (its cgroup's max usage and the process's VmHWM) and the supervisor's VmHWM.
# Case `exit`: the app exits right after its last line (the task stops with it), lost records
# are counted after the run. Case `cwl`: as `stay`, through the router's `cloudwatch_logs`
# output (the seed's CloudWatch variant) into the local CloudWatch Logs shim. No farm-bench needed.
# Usage: bench/e2e_bench.sh [BUILD_DIR] [LINES]   (BUILD_DIR: a Release build, default
# build-bench; a private dockerd is started when $DOCKER_HOST and the system one are absent)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build-bench}
lines=${2:-200000}
fe_bin=$build/emu/cli/fargate-emu
export EMU_ROUTER=$build/emu/router/emu-router
[ -x "$fe_bin" ] && [ -x "$EMU_ROUTER" ] || {
  echo "e2e_bench: build fargate-emu and emu-router in $build first (Release)" >&2
  exit 2
}
work=$(mktemp -d /tmp/fe-e2e-bench.XXXXXX)
data=$work/data
dockerd_dir=
cleanup() {
  local id
  for id in $("$fe_bin" ps --data-dir "$data" 2>/dev/null | awk 'NR>1{print $1}'); do
    "$fe_bin" stop --data-dir "$data" "$id" >/dev/null 2>&1 || true
  done
  [ -n "$dockerd_dir" ] && "$repo/tests/support/dockerd.sh" stop "$dockerd_dir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${DOCKER_HOST:-}" ] && ! docker version >/dev/null 2>&1; then
  dockerd_dir=/tmp/fe-e2e-bench-dockerd
  export DOCKER_HOST=unix://$("$repo/tests/support/dockerd.sh" start "$dockerd_dir")
fi
"$repo/docker/build-local-images.sh" "${DOCKER_HOST:-unix:///var/run/docker.sock}" >/dev/null
fe() { "$fe_bin" "$@" --data-dir "$data"; }
now() { date +%s%N; }
count() { # records at $1, s3://BUCKET or cloudwatch://GROUP (0 when there are none)
  local c
  c=$(fe logs --count "$1" 2>/dev/null || true)
  echo "${c:-0}"
}

# Task definition for case $1 (bucket or log group fe-bench-$1); the app prints the lines.
taskdef() {
  local tail=""
  [ "$1" != exit ] && tail="; sleep 3600"
  python3 - "$work/$1.json" "$1" "$lines" "$tail" <<'PY'
import json, sys
path, case, n, tail = sys.argv[1:]
cmd = ("awk 'BEGIN { for (i = 1; i <= %s; i++) printf \"%%-99s\\n\", \"line-\" i }'" % n) + tail
opts = {"Name": "s3", "bucket": "fe-bench-" + case, "region": "us-east-1",
        "total_file_size": "1M", "upload_timeout": "5s", "use_put_object": "On"}
if case == "cwl":  # the seed's CloudWatch output options
    opts = {"Name": "cloudwatch_logs", "region": "us-east-1", "auto_create_group": "true",
            "log_group_name": "fe-bench-cwl", "log_stream_prefix": "from-fluent-bit-"}
td = {"family": "e2e-bench-" + case, "networkMode": "awsvpc",
      "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
      "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}},
          {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
           "command": ["sh", "-c", cmd],
           "dependsOn": [{"containerName": "log_router", "condition": "START"}],
           "logConfiguration": {"logDriver": "awsfirelens", "options": opts}}]}
json.dump(td, open(path, "w"))
PY
}

# Peak memory of a container: the memory cgroup's max usage (v1) or memory.peak (v2), MiB.
cgroup_peak() {
  local pid=$1 rel f
  rel=$(awk -F: '$2 == "memory" || $2 == "" { print $3; exit }' "/proc/$pid/cgroup")
  for f in "/sys/fs/cgroup/memory$rel/memory.max_usage_in_bytes" "/sys/fs/cgroup$rel/memory.peak"; do
    [ -r "$f" ] && { awk '{ printf "%.1f", $1 / 1048576 }' "$f"; return; }
  done
  echo n/a
}
hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo n/a; }

# Cases stay and cwl: $1 the case, $2 where its records arrive.
steady() {
  local case=$1 dest=$2
  taskdef "$case"
  id=$(fe run --detach "$work/$case.json")
  app=fe-$id-app
  router=fe-$id-log_router
  start=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$app")" +%s%N)
  rpid=$(docker inspect -f '{{.State.Pid}}' "$router")
  spid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['supervisorPid'])" \
         "$data/tasks/$id.json")
  got=0 last=0 last_change=$(now) end=0
  while :; do
    got=$(count "$dest")
    t=$(now)
    if [ "$got" -ne "$last" ]; then last=$got last_change=$t end=$t; fi
    [ "$got" -ge "$lines" ] && break
    [ $(( (t - last_change) / 1000000000 )) -ge 30 ] && break
    sleep 0.2
  done
  rpeak_cg=$(cgroup_peak "$rpid")
  rpeak=$(hwm "$rpid")
  speak=$(hwm "$spid")
  fe stop "$id" >/dev/null
  after=$(count "$dest")
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  rate=$(awk -v n="$got" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
  echo "$case: $lines lines of 100 B; $got at $dest after ${secs} s from the app's start" \
       "($rate lines/s); lost before stop: $((lines - got)), after stop: $((lines - after));" \
       "router peak RSS ${rpeak} MiB (VmHWM), cgroup max usage ${rpeak_cg} MiB;" \
       "supervisor VmHWM ${speak} MiB"
}
steady stay s3://fe-bench-stay
steady cwl cloudwatch://fe-bench-cwl

# Case exit: the app exits at once, the task stops with it.
taskdef exit
t0=$(now)
fe run --wait "$work/exit.json" >"$work/exit.log" 2>&1 || true
t1=$(now)
got=$(count s3://fe-bench-exit)
echo "exit: $lines lines of 100 B, the app exits at once; $got in S3 after the task stopped" \
     "($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }') s for the whole" \
     "run); lost: $((lines - got)) ($(awk -v l="$((lines - got))" -v n="$lines" \
     'BEGIN { printf "%.1f", 100 * l / n }') %, fluentd-async true as ECS sets it)"
