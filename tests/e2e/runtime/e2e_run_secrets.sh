#!/usr/bin/env bash
# Secrets (issue 10, safe defaults): a container secret reaches the app's environment and a
# log-driver secretOption reaches the router's as `<name>_<idx>` with its VALUE (as the ECS
# agent resolves it through SSM), where the generated config's `${content_type_0}` picks it up
# (checked on the objects the router uploaded: their Content-Type is the secret); no secret
# value is written anywhere under the data dir, in the supervisor's log, or printed by
# describe, ps, logs or render (which masks it unless --show-secrets).
. "$(dirname "$0")/lib.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
db=db-pass-7Hq2vX9
ct=application/x-secret-ct-5Zr8
cat >"$work/secrets.json" <<JSON
{"/db/pass": "$db", "arn:aws:ssm:us-east-1:123456789012:parameter/log/ct": "$ct"}
JSON
python3 - "$work/td.json" "$(printf %s "$db" | md5sum | cut -d' ' -f1)" <<'PY'
import json, sys
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "secrets": [{"name": "DB_PASS",
                    "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db/pass"}],
       # The app proves it got the secret without printing it (or the task definition holding it).
       "command": ["sh", "-c", "[ \"$(printf %s \"$DB_PASS\" | md5sum | cut -d' ' -f1)\" = " +
                   sys.argv[2] + " ] && r=has-secret || r=no-secret; "
                   "i=0; while [ $i -lt 20 ]; do i=$((i+1)); echo $r-$i; done; sleep 2"],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": {
           "Name": "s3", "region": "us-east-1", "bucket": "fe-secrets", "total_file_size": "1M",
           "upload_timeout": "1s", "use_put_object": "On"},
           "secretOptions": [{"name": "content_type",
                              "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/log/ct"}]}}
td = {"family": "fe-secrets", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "executionRoleArn":
      "arn:aws:iam::123456789012:role/ecsTaskExecutionRole", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(sys.argv[1], "w"))
PY

# render: masked by default, in clear with --show-secrets.
fe render --what containers --secrets-file "$work/secrets.json" "$work/td.json" >"$work/r.txt" ||
  fail "render --secrets-file"
grep -q "  secret DB_PASS=\*\*\*\*\*\*\*\* (from arn:aws:ssm:us-east-1:123456789012:parameter/db/pass)" \
  "$work/r.txt" || fail "render: $(cat "$work/r.txt")"
grep -q "  env content_type_1=\*\*\*\*\*\*\*\* (from arn:" "$work/r.txt" || fail "render: $(cat "$work/r.txt")"
grep -q -e "$db" -e "$ct" "$work/r.txt" && fail "render printed a secret value"
fe render --what containers --secrets-file "$work/secrets.json" --show-secrets "$work/td.json" |
  grep -q "env content_type_1=$ct (from" || fail "render --show-secrets"

id=$(fe run --detach --secrets-file "$work/secrets.json" "$work/td.json" 2>"$work/run.err") ||
  fail "run: $(cat "$work/run.err")"
router=$(cname "$id" log_router)
dk inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$router" | grep -qx "content_type_1=$ct" ||
  fail "router env: $(dk inspect -f '{{.Config.Env}}' "$router")"
grep -q 'content_type ${content_type_1}' "$data/tasks/$id.out/.router/fluent-bit/etc/fluent-bit.conf" ||
  fail "generated config: $(cat "$data/tasks/$id.out/.router/fluent-bit/etc/fluent-bit.conf")"
sleep 3
{ fe describe --json "$id"; fe describe "$id"; fe ps; fe logs --task "$id" --container app; } >"$work/shown.txt" 2>&1
fe stop "$id" >/dev/null || fail "stop"
grep -q "has-secret-20" "$work/shown.txt" || fail "app did not get its secret: $(cat "$work/shown.txt")"
grep -q -e "$db" -e "$ct" "$work/shown.txt" && fail "describe/ps/logs printed a secret value"
# Nothing under the data dir holds a value: state files, the supervisor's log, output copies,
# config snapshots, and (compressed or not) the S3 store, except the objects' Content-Type.
left=$(grep -rl -e "$db" "$data" 2>/dev/null)
[ -z "$left" ] || fail "the DB secret is written in: $left"
port=$(free_port)
"$FARGATE_EMU" serve --data-dir "$data" --s3 "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
python3 - "$port" "$ct" <<'PY' || { kill "$serve_pid"; fail "objects"; }
import sys, time, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                  config=Config(s3={"addressing_style": "path"}))
for _ in range(100):
    try:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="fe-secrets").get("Contents", [])]
        break
    except Exception:
        time.sleep(0.1)
assert keys, "no object"
for k in keys:
    got = s3.head_object(Bucket="fe-secrets", Key=k)["ContentType"]
    assert got == sys.argv[2], (k, got)
print("%d objects with the secret Content-Type" % len(keys))
PY
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
grep -q -e "$ct" "$data/tasks/$id.log" "$data/tasks/$id.json" 2>/dev/null && fail "state or log holds the secret"
assert_clean
echo "ok: secrets resolved for the app and the router, masked by render, never written or printed"
