#!/usr/bin/env bash
# The AWS SDK inside a task: boto3 (fargate-emu/python-aws:local, built from the host's
# python3-boto3) finds the task role's credentials through the container credentials endpoint
# by itself, reads the task metadata, and calls the local STS, S3 and CloudWatch Logs endpoints
# from inside the task network; the host then sees what it wrote.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
"$src/docker/build-python-image.sh" "$EMU_E2E_DOCKER_HOST" >/dev/null \
  || fail "cannot build fargate-emu/python-aws:local"
python3 - "$src/fixtures/sdk-in-task/check_sdk.py" "$work/task.json" <<'PY'
import json, sys
script = open(sys.argv[1]).read()
json.dump({
    "family": "sdk-in-task", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
    "cpu": "256", "memory": "512",
    "taskRoleArn": "arn:aws:iam::123456789012:role/sdk-app",
    "executionRoleArn": "arn:aws:iam::123456789012:role/sdk-app-execution",
    "containerDefinitions": [{
        "name": "app", "image": "fargate-emu/python-aws:local", "essential": True,
        "command": ["python3", "-c", script],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "sdk-app", "awslogs-create-group": "true",
            "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}}]},
    open(sys.argv[2], "w"))
PY
fe run --wait --timeout 120 "$work/task.json" >"$work/run.out" 2>"$work/run.err"
rc=$?
fe logs cloudwatch://sdk-app >"$work/app.jsonl" 2>/dev/null
[ "$rc" -eq 0 ] || fail "the SDK script exited $rc: $(cat "$work/app.jsonl") $(tail -5 "$work/run.err")"
grep -q "SDK-OK" "$work/app.jsonl" || fail "no SDK-OK in the app's output: $(cat "$work/app.jsonl")"
grep -q "credentials: container-role ASIA token" "$work/app.jsonl" \
  || fail "boto3 did not use the task role's temporary credentials: $(cat "$work/app.jsonl")"
grep -q "sts: caller arn:aws:sts::123456789012:assumed-role/sdk-app/" "$work/app.jsonl" \
  || fail "GetCallerIdentity did not name the task role: $(cat "$work/app.jsonl")"
fe logs s3://sdk-in-task | grep -q "written by boto3 inside the task" \
  || fail "the object boto3 put is not in the local S3"
fe logs cloudwatch://sdk-in-task | grep -q "put by boto3 inside the task" \
  || fail "the event boto3 put is not in the local CloudWatch Logs"
python3 -c "import json,sys; [print(' app:', json.loads(l)['message']) for l in sys.stdin if l.strip()]" \
  <"$work/app.jsonl"
assert_clean
echo "PASS"
