#!/bin/bash
# Times `fargate-emu audit` on a synthetic stopped task whose app wrote N lines (default
# 1,000,000, ~100 bytes each) and measures its peak RSS (bench/peak_rss.c): once against the
# S3 store (N records as gzip JSON-lines objects of 100,000 records, uploaded through
# `fargate-emu serve` with boto3), once against the CloudWatch Logs store (one stream file).
# 1 % of the lines are missing from the destinations (a block in the middle and the tail), so
# the lost-line pass runs too. Usage: bench/audit_bench.sh path/to/fargate-emu [LINES]
# Build a Release binary for figures: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
# -DEMU_TESTS=OFF && cmake --build build-bench --target fargate-emu
set -eu
emu=${1:?usage: audit_bench.sh FARGATE_EMU [LINES]}
n=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -o "$work/peak_rss" "$here/peak_rss.c"

"$emu" serve --s3 127.0.0.1:0 --data-dir "$work/data" >"$work/ready" 2>/dev/null &
serve_pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
endpoint=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["s3"]["endpoint"])' "$work/ready")

# Two tasks (S3 and CloudWatch destinations) with the same output copy.
/usr/bin/python3 - "$work/data" "$n" "$endpoint" <<'PY'
import gzip, io, json, os, sys
import boto3
from botocore.config import Config
data, n, endpoint = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lost = set(range(n // 2, n // 2 + n // 200)) | set(range(n - n // 200, n))
def line(i):
    return "seq=%09d " % i + "x" * 86
def task(tid, out_conf):
    d = os.path.join(data, "tasks")
    os.makedirs(os.path.join(d, tid + ".out", ".router", "fluent-bit", "etc"), exist_ok=True)
    ctrs = []
    for name, image in (("log_router", "fargate-emu/emu-router:local"), ("app", "busybox")):
        ctrs.append({"name": name, "dockerName": "fe-%s-%s" % (tid, name), "dockerId": "",
                     "image": image, "ports": "", "essential": True, "hasHealthCheck": False,
                     "status": "STOPPED", "created": True, "desiredStatus": "STOPPED",
                     "healthStatus": "UNKNOWN", "exitCode": 0, "reason": "",
                     "createdMs": 1700000000000, "startedMs": 1700000000000,
                     "stoppedMs": 1700000100000, "stopTimeout": 30})
    st = {"id": tid, "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/default/" + tid,
          "cluster": "default", "region": "us-east-1", "family": "bench", "revision": 1,
          "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/bench:1",
          "taskDefinitionPath": "/dev/null", "launchType": "FARGATE", "cpu": "256",
          "memory": "512", "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
          "stopCode": "EssentialContainerExited", "stoppedReason": "Essential container in task exited",
          "createdMs": 1700000000000, "startedMs": 1700000000000, "stoppingMs": 1700000100000,
          "stoppedMs": 1700000100000, "supervisorPid": 0, "keep": False, "networkName": "",
          "networkId": "", "pauseName": "", "pauseId": "", "exitCode": 0, "containers": ctrs}
    json.dump(st, open(os.path.join(d, tid + ".json"), "w"))
    out = os.path.join(d, tid + ".out")
    json.dump({"containers": [
        {"name": "log_router", "router": True, "firelens": False, "memoryReservation": 50, "logOptions": {}},
        {"name": "app", "router": False, "firelens": True, "logOptions": {"fluentd-async": "true"}}]},
        open(os.path.join(out, ".task.json"), "w"))
    conf = "\n[INPUT]\n    Name forward\n    Mem_Buf_Limit 25MB\n    unix_path /var/run/fluent.sock\n" + out_conf
    open(os.path.join(out, ".router", "fluent-bit", "etc", "fluent-bit.conf"), "w").write(conf)
    with open(os.path.join(out, "app.log"), "w") as f:
        for i in range(n):
            f.write("2023-11-14T22:13:%02d.%09dZ stdout %s\n" % (20 + i * 60 // n, i, line(i)))
    open(os.path.join(out, "log_router.log"), "w").write("")
def record(tid, i):
    return json.dumps({"container_id": "c" * 64, "container_name": "/fe-%s-app" % tid,
                       "source": "stdout", "log": line(i), "ecs_cluster": "default"})
s3_id, cw_id = "a" * 32, "b" * 32
task(s3_id, "\n[OUTPUT]\n    Name s3\n    Match app-firelens*\n    bucket bench\n    s3_key_format /$TAG/$UUID.gz\n")
task(cw_id, "\n[OUTPUT]\n    Name cloudwatch_logs\n    Match app-firelens*\n    log_group_name bench\n    log_stream_prefix from-\n")
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                  config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="bench")
per = 100000
for k in range(0, n, per):
    body = "\n".join(record(s3_id, i) for i in range(k, min(n, k + per)) if i not in lost) + "\n"
    s3.put_object(Bucket="bench", Key="app-firelens-%s/%09d.gz" % (s3_id, k),
                  Body=gzip.compress(body.encode(), 1))
g = os.path.join(data, "logs", "bench")
os.makedirs(g, exist_ok=True)
with open(os.path.join(g, "from-app-firelens-%s.stream.jsonl" % cw_id), "w") as f:
    f.write(json.dumps({"logStreamName": "from-app-firelens-" + cw_id, "creationTime": 0, "id": 1}) + "\n")
    for i in range(n):
        if i not in lost:
            f.write(json.dumps({"timestamp": 1700000000000, "ingestionTime": 1700000000000,
                                "message": record(cw_id, i)}) + "\n")
print("generated %d lines, %d missing from each destination" % (n, len(lost)))
PY
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true

for dest in s3:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa cloudwatch:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb; do
  id=${dest#*:}
  start=$(date +%s%N)
  "$work/peak_rss" "$emu" audit --data-dir "$work/data" "$id" >"$work/audit.txt" 2>"$work/rss" ||
    true
  end=$(date +%s%N)
  grep -E "written|total" "$work/audit.txt" | sed 's/^ */  /'
  echo "audit ${dest%%:*}: lines=$n seconds=$(( (end - start) / 1000000 ))e-3" \
       "peak_rss_kb=$(tail -1 "$work/rss")"
done
