#!/usr/bin/env bash
# dependsOn START, COMPLETE, SUCCESS and HEALTHY as Docker's own StartedAt/FinishedAt show them:
# app starts only after init exited 0, comp exited (any code) and db turned healthy; early
# starts as soon as db runs.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "order", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [
  {"name": "init", "image": "$BUSYBOX", "essential": false, "command": ["sh", "-c", "sleep 1"]},
  {"name": "comp", "image": "$BUSYBOX", "essential": false,
   "command": ["sh", "-c", "sleep 1; exit 3"]},
  {"name": "db", "image": "$BUSYBOX", "stopTimeout": 2,
   "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 2; touch /tmp/ready; while true; do sleep 0.1; done"],
   "healthCheck": {"command": ["CMD-SHELL", "test -f /tmp/ready"], "interval": 5, "timeout": 2,
                   "retries": 3}},
  {"name": "early", "image": "$BUSYBOX", "stopTimeout": 2,
   "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"],
   "dependsOn": [{"containerName": "db", "condition": "START"}]},
  {"name": "app", "image": "$BUSYBOX", "stopTimeout": 2,
   "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"],
   "dependsOn": [{"containerName": "init", "condition": "SUCCESS"},
                 {"containerName": "comp", "condition": "COMPLETE"},
                 {"containerName": "db", "condition": "HEALTHY"}]}
 ]}
JSON
id=$(fe run --detach "$work/td.json") || fail "run --detach failed"
[ ${#id} -eq 32 ] || fail "run --detach printed '$id', not a task ID"
[ "$(desc "$id" "print(t['lastStatus'])")" = RUNNING ] || fail "detach returned before RUNNING"
n() { cname "$id" "$1"; }
init_end=$(ts_ns "$(n init)" FinishedAt)
comp_end=$(ts_ns "$(n comp)" FinishedAt)
db_start=$(ts_ns "$(n db)" StartedAt)
early_start=$(ts_ns "$(n early)" StartedAt)
app_start=$(ts_ns "$(n app)" StartedAt)
[ "$(dk inspect -f '{{.State.ExitCode}}' "$(n comp)")" = 3 ] || fail "comp should exit 3"
[ "$app_start" -gt "$init_end" ] || fail "app started before init completed (SUCCESS)"
[ "$app_start" -gt "$comp_end" ] || fail "app started before comp completed (COMPLETE)"
# db turns healthy at its first check, 5 s after it started.
[ $(( app_start - db_start )) -ge 4500000000 ] || fail "app started before db was healthy"
[ "$early_start" -ge "$db_start" ] || fail "early started before db (START)"
[ $(( early_start - db_start )) -lt 4000000000 ] || fail "early waited for more than START"
[ "$(desc "$id" "print(t['containers'][2]['healthStatus'])")" = HEALTHY ] ||
  fail "db is not HEALTHY in describe"
fe stop "$id" >/dev/null || fail "stop failed"
[ "$(desc "$id" "print(t['stoppedReason'])")" = "Task stopped by user" ] || fail "stop reason"
[ "$(desc "$id" "print(t['stopCode'])")" = UserInitiated ] || fail "stop code"
# wait --json on the stopped task; a task ID that names nothing is an input error (exit 2).
fe wait --json "$id" >"$work/wait.json"
fe_code=$?
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['stopCode'] == 'UserInitiated' and d['taskArn'].endswith('$id') and isinstance(d['exitCode'], int), d" "$work/wait.json" ||
  fail "wait --json: $(cat "$work/wait.json")"
[ "$fe_code" -eq "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['exitCode'] & 255)" "$work/wait.json")" ] ||
  fail "wait --json exited $fe_code, not its exitCode"
fe describe ffffffffffffffffffffffffffffffff >/dev/null 2>&1
[ $? -eq 2 ] || fail "describe of no such task should exit 2"
assert_clean
echo "ok: START/COMPLETE/SUCCESS/HEALTHY order in Docker timestamps"
