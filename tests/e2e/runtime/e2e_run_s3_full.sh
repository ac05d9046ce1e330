#!/usr/bin/env bash
# The local S3 store full (issue 10): `run --s3-max-bytes` on a store already near its cap; the
# router's uploads get 500 InternalError and are retried; no partial object shows; once space
# is freed (a filler object deleted through `serve`) every record is delivered exactly once.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local
n=${S3FULL_N:-1000}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
s3py() { # port, python body using `s3`
  python3 - "$1" <<PY
import sys, time, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
for _ in range(100):
    try:
        s3.list_buckets(); break
    except Exception:
        time.sleep(0.1)
$2
PY
}

port=$(free_port)
"$FARGATE_EMU" serve --data-dir "$data" --s3 "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
s3py "$port" 's3.create_bucket(Bucket="fe-e2e-full"); s3.put_object(Bucket="fe-e2e-full", Key="filler", Body=b"f" * (1900 * 1024))' ||
  { kill "$serve_pid"; fail "filler"; }

python3 - "$work/full.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
td = {"family": "fe-full", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "firelensConfiguration": {"type": "fluentbit"}},
          {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
           "command": ["sh", "-c", "seq 1 %d | sed 's/^/full-line-/'; touch /tmp/written; sleep 600" % n],
           "dependsOn": [{"containerName": "log_router", "condition": "START"}],
           "logConfiguration": {"logDriver": "awsfirelens", "options": {
               "Name": "s3", "region": "us-east-1", "bucket": "fe-e2e-full",
               "total_file_size": "1M", "upload_timeout": "1s", "use_put_object": "On",
               "Retry_Limit": "no_limits"}}}]}
json.dump(td, open(path, "w"))
PY
id=$(fe run --detach --no-validate --image-map-file "$imap" --s3-max-bytes 2M "$work/full.json") ||
  { kill "$serve_pid"; fail "task did not start"; }
wait_status "$id" RUNNING 60
for _ in $(seq 1 100); do
  [ "$(dk logs "$(cname "$id" log_router)" 2>&1 | grep -c "failed (.*), attempt")" -ge 2 ] && break
  sleep 0.2
done
failed=$(dk logs "$(cname "$id" log_router)" 2>&1 | grep -c "failed (.*), attempt")
[ "$failed" -ge 2 ] || { kill "$serve_pid"; fail "uploads did not fail on the full store"; }
grep -q "No space left on device" "$data/tasks/$id.log" ||
  { kill "$serve_pid"; fail "the supervisor did not log the full store"; }
# Nothing partial: only the filler is in the bucket.
s3py "$port" 'keys = [o["Key"] for o in s3.list_objects_v2(Bucket="fe-e2e-full").get("Contents", [])]
assert keys == ["filler"], keys
s3.delete_object(Bucket="fe-e2e-full", Key="filler")' || { kill "$serve_pid"; fail "partial objects"; }
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
for _ in $(seq 1 200); do
  [ "$(fe logs --count s3://fe-e2e-full 2>/dev/null)" -ge "$n" ] && break
  sleep 0.2
done
fe stop "$id" >/dev/null || fail "stop"
fe logs s3://fe-e2e-full 2>/dev/null | python3 -c "
import collections, json, sys
c = collections.Counter(json.loads(l)['log'] for l in sys.stdin)
want = {'full-line-%d' % i for i in range(1, $n + 1)}
missing, dup = want - set(c), sum(v - 1 for v in c.values())
print('s3 full: sent $n, delivered %d, %d missing, %d duplicated, $failed failed uploads retried' % (len(set(c) & want), len(missing), dup))
assert not missing and not dup" || fail "records"
assert_clean
echo PASS
