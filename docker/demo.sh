#!/usr/bin/env bash
# The demo of README command 1: builds fargate-emu, starts a private dockerd when none is
# reachable, builds the local images, runs the seed's S3 task (router from the fluent-bit-s3
# image, nginx published on 127.0.0.1), sends HTTP requests to nginx, stops the task (the router
# flushes) and prints the S3 keys and the decompressed records. With --cloudwatch it runs the
# seed's CloudWatch variant instead and prints the log group, stream and events.
# Usage: docker/demo.sh [--cloudwatch] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
variant=s3
if [ "${1:-}" = "--cloudwatch" ]; then
  variant=cloudwatch
  shift
fi
n=${1:-20}
port=${DEMO_PORT:-18080}
build=${BUILD_DIR:-build}
data=${DEMO_DATA_DIR:-$PWD/build-demo}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target fargate-emu emu-router >/dev/null
fe=$build/emu/cli/fargate-emu
export EMU_ROUTER=$PWD/$build/emu/router/emu-router

if [ -z "${DOCKER_HOST:-}" ] && ! docker version >/dev/null 2>&1; then
  sock=$(tests/support/dockerd.sh start /tmp/fargate-emu-demo-dockerd)
  export DOCKER_HOST=unix://$sock
  echo "demo: private dockerd at $DOCKER_HOST"
fi
docker/build-local-images.sh "${DOCKER_HOST:-unix:///var/run/docker.sock}" >/dev/null
echo "demo: local images built (fixtures/image-map.local maps the seed's names to them)"

mkdir -p "$data"
if [ "$variant" = s3 ]; then
  taskdef=fixtures/seed/task-s3-full.json
  rm -rf "$data/s3/buckets/fargate-firelens-s3-logs"
else
  taskdef=fixtures/seed/firelens-example-cloudwatch.json
fi
id=$("$fe" run --detach --data-dir "$data" --image-map-file fixtures/image-map.local \
       --publish "$port:80" "$taskdef")
echo "demo: task $id RUNNING ($taskdef), nginx on http://127.0.0.1:$port/"
for i in $(seq 1 "$n"); do
  curl -s -o /dev/null "http://127.0.0.1:$port/?request=$i"
done
curl -s -o /dev/null "http://127.0.0.1:$port/missing-page" || true
echo "demo: $((n + 1)) requests sent; stopping the task (nginx first, the router last)"
"$fe" stop --data-dir "$data" "$id" >/dev/null
if [ "$variant" = s3 ]; then
  echo "demo: what arrived in the local S3 (keys on stderr, records on stdout):"
  "$fe" logs --data-dir "$data" s3://fargate-firelens-s3-logs
else
  # The cloudwatch plugin names the stream log_stream_prefix + tag (<container>-firelens-<id>).
  echo "demo: what arrived in the local CloudWatch Logs (group/stream on stderr, events on stdout):"
  "$fe" logs --data-dir "$data" "cloudwatch://fluent-bit-cloudwatch/from-fluent-bit-nginxapp-firelens-$id"
fi
