#!/usr/bin/env bash
# The aws-for-fluent-bit "init" variant end to end (issue 13): a router image built FROM
# fargate-emu/emu-router:init with one file config of its own (a parser filter and a modify
# filter using the metadata the init process exports), two S3 config objects put into the local
# S3 before the task starts (an extra s3 output, and a parsers file passed with -R), and the
# generated FireLens s3 output. Both buckets must hold every line, parsed, with the init keys.
# Also `render --local` showing the assembled config.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local
n=50
image=fargate-emu/e2e-router:init-e2e

# The user's image: the init variant plus a filter file, as the AWS README's Dockerfile does.
ctx=$work/image
mkdir -p "$ctx"
cat >"$ctx/filter.conf" <<'CONF'
[FILTER]
    Name parser
    Match *
    Key_Name log
    Parser e2e_kv
    Reserve_Data On
    Preserve_Key On

[FILTER]
    Name modify
    Match *
    Add init_family ${ECS_FAMILY}
    Add init_task_id ${ECS_TASK_ID}
    Add init_task_definition ${ECS_TASK_DEFINITION}
    Add init_az ${AWS_AVAILABILITY_ZONE}
CONF
printf 'FROM fargate-emu/emu-router:init\nCOPY filter.conf /e2e/filter.conf\n' >"$ctx/Dockerfile"
DOCKER_BUILDKIT=0 dk build -q -t "$image" "$ctx" >/dev/null 2>&1 || fail "docker build of $image"

# The S3 objects, through `fargate-emu serve` and boto3 into the data dir's store.
cat >"$work/extra-output.conf" <<'CONF'
[OUTPUT]
    Name s3
    Match *
    bucket fe-init-extra
    region ${AWS_REGION}
    total_file_size 1M
    upload_timeout 10s
    use_put_object On
    s3_key_format /extra/$TAG/%Y%m%d%H%M%S-$UUID
CONF
cat >"$work/e2e-parsers.conf" <<'CONF'
[PARSER]
    Name   e2e_kv
    Format regex
    Regex  ^(?<k>[a-z]+)=(?<v>\S+) (?<msg>.*)$
CONF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$FARGATE_EMU" serve --data-dir "$data" --s3 "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
/usr/bin/python3 - "$port" "$work" <<'PY' || { kill "$serve_pid"; fail "upload of the init configs"; }
import sys, time, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                  config=Config(s3={"addressing_style": "path"}))
for _ in range(100):
    try:
        s3.create_bucket(Bucket="fe-init-conf")
        break
    except Exception:
        time.sleep(0.1)
s3.create_bucket(Bucket="fe-init-extra")  # on AWS the extra output's bucket exists already
s3.put_object(Bucket="fe-init-conf", Key="extra-output.conf",
              Body=open(sys.argv[2] + "/extra-output.conf", "rb").read())
s3.put_object(Bucket="fe-init-conf", Key="parsers/e2e-parsers.conf",
              Body=open(sys.argv[2] + "/e2e-parsers.conf", "rb").read())
PY
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null

td=$work/fe-init.json
/usr/bin/python3 - "$td" "$image" "$n" <<'PY'
import json, sys
path, image, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = [{"name": "aws_fluent_bit_init_s3_1", "value": "arn:aws:s3:::fe-init-conf/extra-output.conf"},
       {"name": "aws_fluent_bit_init_file_1", "value": "/e2e/filter.conf"},
       {"name": "aws_fluent_bit_init_s3_2",
        "value": "arn:aws:s3:::fe-init-conf/parsers/e2e-parsers.conf"}]
td = {"family": "fe-init", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": image, "essential": True, "environment": env,
           "firelensConfiguration": {"type": "fluentbit"}},
          {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
           "command": ["sh", "-c", "for i in $(seq 1 %d); do echo user=alice-$i hello $i; done; "
                       "touch /tmp/written; sleep 600" % n],
           "dependsOn": [{"containerName": "log_router", "condition": "START"}],
           "logConfiguration": {"logDriver": "awsfirelens", "options": {
               "Name": "s3", "region": "us-east-1", "bucket": "fe-init-main",
               "total_file_size": "1M", "upload_timeout": "10s", "use_put_object": "On"}}}]}
json.dump(td, open(path, "w"))
PY

# render --local: the assembled main config, the -R file and the S3 objects from the store.
"$FARGATE_EMU" render --local --data-dir "$data" --image-map-file "$imap" "$td" \
  >"$work/render.txt" 2>&1 || fail "render --local: $(cat "$work/render.txt")"
[ -n "${E2E_SHOW:-}" ] && cat "$work/render.txt"
for want in '@INCLUDE /fluent-bit/etc/fluent-bit.conf' \
            '@INCLUDE /init/fluent-bit-init-s3-files/extra-output.conf' \
            '@INCLUDE /e2e/filter.conf' \
            '    bucket fe-init-extra' \
            '    Name   e2e_kv'; do
  grep -qxF -- "$want" "$work/render.txt" || fail "render --local lacks '$want': $(cat "$work/render.txt")"
done
grep -qF -- '-R /init/fluent-bit-init-s3-files/e2e-parsers.conf' "$work/render.txt" ||
  fail "render --local lacks the -R option: $(cat "$work/render.txt")"

id=$(fe run --detach --no-validate --image-map-file "$imap" "$td") || fail "the init task did not start"
wait_status "$id" RUNNING 60
for _ in $(seq 1 150); do
  dk exec "$(cname "$id" app)" test -e /tmp/written 2>/dev/null && break
  sleep 0.2
done
dk exec "$(cname "$id" app)" test -e /tmp/written || fail "the app did not finish writing"
rlog=$(dk logs "$(cname "$id" log_router)" 2>&1)
[ -n "${E2E_SHOW:-}" ] && echo "$rlog"
sleep 2
fe stop "$id" >/dev/null || fail "stop $id"
echo "$rlog" | grep -q 'Command is -> /fluent-bit/bin/fluent-bit -c /init/fluent-bit-init.conf -R /init/fluent-bit-init-s3-files/e2e-parsers.conf' ||
  fail "the init process did not start the router as expected: $rlog"

for b in fe-init-main fe-init-extra; do
  fe logs "s3://$b" >"$work/$b.jsonl" 2>"$work/$b.keys" || fail "no records in $b: $rlog"
  /usr/bin/python3 - "$work/$b.jsonl" "$b" "$id" "$n" <<'PY' || fail "$b records"
import json, sys
path, bucket, tid, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
recs = [json.loads(l) for l in open(path)]
assert len(recs) == n, (bucket, len(recs))
got = set()
for r in recs:
    # the parsers file (-R) and the parser filter of the file config took effect
    assert r["k"] == "user" and r["v"].startswith("alice-") and r["msg"].startswith("hello "), r
    assert r["log"] == "user=%s %s" % (r["v"], r["msg"]), r
    # the modify filter with the metadata the init process exported
    assert r["init_family"] == "fe-init" and r["init_task_id"] == tid, r
    assert r["init_task_definition"] == "fe-init:1" and r["init_az"] == "us-east-1a", r
    assert r["ecs_task_arn"].endswith("/" + tid), r
    got.add(r["msg"])
assert got == {"hello %d" % i for i in range(1, n + 1)}, sorted(got)[:5]
print("%s: %d records, parsed by the S3 parsers file, init metadata keys" % (bucket, len(recs)))
PY
done
grep -q '^s3://fe-init-extra/extra/' "$work/fe-init-extra.keys" ||
  fail "the extra output's key format: $(cat "$work/fe-init-extra.keys")"
assert_clean
echo PASS
