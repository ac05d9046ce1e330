#!/usr/bin/env bash
# Runs exactly what Terraform deploys: the task definition rendered from terraform/task.tftpl
# (S3 destination, the seed's fluent-bit-s3 router) with the local image map, sends requests to
# nginx, stops the task and checks that the access-log records reached the local S3 under the
# seed's key format with the ECS metadata.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
marker="tf-e2e-$$"

id=$(fe run --detach --image-map-file "$src/fixtures/image-map.local" --publish "$port:80" \
        --tftpl "$src/terraform/task.tftpl" \
        --var router_image=123456789012.dkr.ecr.us-east-1.amazonaws.com/fluent-bit-s3:2.32.4 \
        --var router_log_group=/ecs/fargate-firelens-s3 --var region=us-east-1 \
        --var app_image=nginx --var-json app_cpu=256 --var-json app_port=80 \
        --var log_destination=s3 --var app_log_group=unused --var log_stream_prefix=unused \
        --family fargate-firelens-s3 --cpu 256 --memory 512 --network-mode awsvpc \
        --requires-compatibilities FARGATE \
        --task-role-arn arn:aws:iam::123456789012:role/fargate-firelens-s3-task \
        --execution-role-arn arn:aws:iam::123456789012:role/fargate-firelens-s3-execution \
        2>"$work/run.err") || fail "run --tftpl did not start: $(tail -5 "$work/run.err")"
ok=0
for i in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/?$marker-$i" && ok=$((ok + 1))
done
[ "$ok" -eq 50 ] || fail "nginx answered $ok of 50 requests"
fe stop "$id" >/dev/null || fail "stop failed"

fe logs s3://fargate-firelens-s3-logs >"$work/records.jsonl" 2>"$work/keys.txt" \
  || fail "nothing in s3://fargate-firelens-s3-logs"
python3 - "$work/records.jsonl" "$work/keys.txt" "$id" "$marker" <<'PY' || fail "records"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
keys = open(sys.argv[2]).read()
task_id, marker = sys.argv[3], sys.argv[4]
# Keys as the seed's s3.conf lays them out: /$TAG[2]/$TAG[0]/%Y/%m/%d/%H/%M/%S/$UUID.gz
assert re.search(r"s3://fargate-firelens-s3-logs/%s/nginx/\d{4}/\d\d/\d\d/\d\d/\d\d/\d\d/"
                 r"[0-9A-Za-z]{8}\.gz" % task_id, keys), keys
hits = [r for r in recs if marker in r.get("log", "")]
assert len(hits) == 50, (len(hits), len(recs))
for r in hits:
    assert r["source"] == "stdout", r
    assert r["ecs_task_definition"] == "fargate-firelens-s3:1", r
    assert r["ecs_task_arn"].endswith("/" + task_id), r
    assert r["ecs_cluster"] and len(r["container_id"]) == 64, r
    assert r["container_name"].endswith("-nginx"), r
print("terraform task: 50 access-log records in S3 under the seed's key format")
PY
assert_clean
echo "PASS"
