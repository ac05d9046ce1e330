#!/usr/bin/env bash
# awslogs without credentials in the daemon: the supervisor follows an awslogs container's
# output through the Engine API into the CloudWatch Logs shim, group awslogs-group and stream
# <prefix>/<container>/<task ID>, stdout and stderr, lines joined on awslogs-datetime-format;
# a missing group without awslogs-create-group fails the start with ECS's reason.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "aw", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
 "containerDefinitions": [
  {"name": "app", "image": "$BUSYBOX",
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/aw",
     "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs",
     "awslogs-create-group": "true"}},
   "command": ["sh", "-c", "for i in 1 2 3; do echo out-\$i; echo err-\$i >&2; done; sleep 1"]},
  {"name": "trace", "image": "$BUSYBOX", "essential": false,
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/aw",
     "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs",
     "awslogs-datetime-format": "%Y-%m-%d %H:%M:%S"}},
   "command": ["sh", "-c", "echo '2026-11-24 10:00:00 boom'; echo '  at a'; echo '  at b'; echo '2026-11-24 10:00:01 next'"]}
 ]}
JSON
id=$(fe run --detach "$work/td.json") || fail "run"
fe wait "$id" >/dev/null
fe logs cloudwatch:///ecs/aw/ecs/app/$id >"$work/app" 2>"$work/app.err" || fail "no app events"
msgs=$(python3 -c "import json,sys; print(' '.join(sorted(json.loads(l)['message'] for l in open(sys.argv[1]))))" "$work/app")
[ "$msgs" = "err-1 err-2 err-3 out-1 out-2 out-3" ] || fail "app events: $msgs"
fe logs cloudwatch:///ecs/aw/ecs/trace/$id >"$work/trace" 2>/dev/null || fail "no trace events"
python3 - "$work/trace" <<'PY' || fail "multi-line events: $(cat "$work/trace")"
import json, sys
m = [json.loads(l)["message"] for l in open(sys.argv[1])]
assert m == ["2026-11-24 10:00:00 boom\n  at a\n  at b\n", "2026-11-24 10:00:01 next\n"], m
PY
[ "$(fe logs --count --task "$id" --container app 2>/dev/null)" = 6 ] || fail "logs --task"
# The group must exist unless awslogs-create-group is true: ECS's reason, nothing started.
sed -e 's|"/ecs/aw"|"/ecs/missing"|g' -e 's|"awslogs-create-group": "true"|"awslogs-create-group": "false"|' \
  "$work/td.json" >"$work/missing.json"
fe run --detach "$work/missing.json" >/dev/null 2>"$work/err" && fail "ran without its log group"
grep -q "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1" "$work/err" ||
  fail "missing group: $(cat "$work/err")"
assert_clean
echo "ok: awslogs into the CloudWatch Logs shim"
