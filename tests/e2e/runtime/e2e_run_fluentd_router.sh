#!/usr/bin/env bash
# The `fluentd` router type wired end to end with the real Docker fluentd driver. No Fluentd
# image exists here, so the router is a stand-in (fixtures/fluentd-standin/standin.py in the
# python-aws image) that reads the config ECS generates at /fluentd/etc/fluent.conf, listens on
# the socket it names and prints what arrives; its output goes to CloudWatch Logs through
# awslogs. Checked: the generated Fluentd config (unix source, the app's <match> with the s3
# output pointed at the local S3), every line of the app arriving with the app's tag and
# Docker's fields, the router started first and stopped last (it saw every record).
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
"$src/docker/build-python-image.sh" "$EMU_E2E_DOCKER_HOST" >/dev/null \
  || fail "cannot build fargate-emu/python-aws:local"
n=50
python3 - "$src/fixtures/fluentd-standin/standin.py" "$work/task.json" "$BUSYBOX" "$n" <<'PY'
import json, sys
standin, out, busybox, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
json.dump({
    "family": "fluentd-router", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
    "cpu": "256", "memory": "512",
    "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
    "containerDefinitions": [
        {"name": "log_router", "image": "fargate-emu/python-aws:local", "essential": True,
         "firelensConfiguration": {"type": "fluentd"}, "memoryReservation": 50,
         "command": ["python3", "-u", "-c", open(standin).read()],
         "logConfiguration": {"logDriver": "awslogs", "options": {
             "awslogs-group": "fd-router", "awslogs-create-group": "true",
             "awslogs-region": "us-east-1", "awslogs-stream-prefix": "firelens"}}},
        {"name": "app", "image": busybox, "essential": True,
         "dependsOn": [{"containerName": "log_router", "condition": "START"}],
         "command": ["sh", "-c", "sleep 1; i=0; while [ $i -lt %d ]; do i=$((i+1)); "
                     "echo fd-line-$i; done; sleep 1" % n],
         "logConfiguration": {"logDriver": "awsfirelens", "options": {
             "@type": "s3", "s3_bucket": "fd-logs", "s3_region": "us-east-1",
             "path": "app/"}}}]},
    open(out, "w"))
PY
fe run --wait --timeout 120 "$work/task.json" >"$work/run.out" 2>"$work/run.err" \
  || fail "the task did not run to its end: $(tail -15 "$work/run.err"; fe logs cloudwatch://fd-router 2>&1 | tail -5)"
fe logs cloudwatch://fd-router >"$work/router.jsonl" 2>/dev/null || fail "no router output"
python3 - "$work/router.jsonl" "$n" <<'PY' || fail "fluentd router: $(head -c 3000 "$work/router.jsonl")"
import json, sys
facts = [json.loads(json.loads(l)["message"]) for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
conf = [f for f in facts if f["kind"] == "config"]
assert len(conf) == 1, conf
c = conf[0]
assert c["socket"] == "/var/run/fluent.sock" and c["unix_source"], c
assert any(m.startswith("<match app-firelens") for m in c["matches"]), c
assert c["s3_endpoint"] and c["s3_endpoint"][0].startswith("s3_endpoint http://"), c
recs = [f for f in facts if f["kind"] == "record"]
logs = [r["record"].get("log") for r in recs]
want = ["fd-line-%d" % i for i in range(1, n + 1)]
assert [l for l in logs if l and l.startswith("fd-line-")] == want, logs[:5]
r = recs[0]
assert r["tag"].startswith("app-firelens-"), r
assert r["record"]["source"] == "stdout" and r["record"]["container_name"].endswith("-app"), r
assert len(r["record"]["container_id"]) == 64, r
assert facts[-1]["kind"] == "stop", facts[-1]
print("fluentd router: config as ECS generates it, %d of %d records with tag %s, stopped last"
      % (len(want), n, r["tag"]))
PY
assert_clean
echo "PASS"
