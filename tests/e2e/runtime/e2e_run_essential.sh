#!/usr/bin/env bash
# Essential semantics: an essential container exiting stops the task, the others stop in reverse
# dependency order with SIGTERM first, and `run --wait` exits with its code; a non-essential exit
# does not stop the task; a dependency that can never be met stops it with a reason.
. "$(dirname "$0")/lib.sh"
# Each trap appends "<name> TERM" to a host file, so the order of the lines is the stop order.
loop="trap 'echo \$N TERM >> /shared/order; exit 0' TERM; while true; do sleep 0.1; done"
cat >"$work/td.json" <<JSON
{"family": "ess", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "volumes": [{"name": "shared"}],
 "containerDefinitions": [
  {"name": "base", "image": "$BUSYBOX", "stopTimeout": 5, "environment": [{"name": "N", "value": "base"}],
   "command": ["sh", "-c", "$loop"], "mountPoints": [{"sourceVolume": "shared", "containerPath": "/shared"}]},
  {"name": "mid", "image": "$BUSYBOX", "stopTimeout": 5, "environment": [{"name": "N", "value": "mid"}],
   "command": ["sh", "-c", "$loop"], "mountPoints": [{"sourceVolume": "shared", "containerPath": "/shared"}],
   "dependsOn": [{"containerName": "base", "condition": "START"}]},
  {"name": "quick", "image": "$BUSYBOX", "essential": false, "command": ["true"]},
  {"name": "top", "image": "$BUSYBOX", "command": ["sh", "-c", "sleep 3; exit 5"],
   "dependsOn": [{"containerName": "mid", "condition": "START"}]}
 ]}
JSON
# --keep leaves the task dir (and its task-scoped volume) for the checks below.
out=$(fe run --wait --keep "$work/td.json" 2>"$work/err")
code=$?
[ $code -eq 5 ] || fail "run --wait exited $code, want top's 5; $(cat "$work/err")"
echo "$out" | grep -q "container quick STOPPED exit code 0" || fail "no transition line for quick"
echo "$out" | grep -q "container top STOPPED exit code 5" || fail "no transition line for top"
# quick (not essential) exited at once; the task ran on until top exited 3 s later.
echo "$out" | grep -q "task .* RUNNING" || fail "task never RUNNING: $out"
id=$(fe ps --all | awk 'NR==2{print $1}')
order=$data/tasks/$id/volumes/shared/order
[ "$(tr '\n' ' ' <"$order")" = "mid TERM base TERM " ] ||
  fail "stop order: $(cat "$order"), want mid then base, each by SIGTERM"
rm -rf "${data:?}/tasks/$id"
grep -q "Essential container in task exited (EssentialContainerExited)" "$work/err" ||
  fail "stoppedReason: $(cat "$work/err")"
[ "$(desc "$id" "print([c.get('exitCode') for c in t['containers']])")" = "[0, 0, 0, 5]" ] ||
  fail "exit codes: $(desc "$id" "print([c.get('exitCode') for c in t['containers']])")"
assert_clean

# A SUCCESS dependency that exits 1: app can never start, so the task stops with a reason.
cat >"$work/never.json" <<JSON
{"family": "never", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [
  {"name": "migrate", "image": "$BUSYBOX", "essential": false, "command": ["sh", "-c", "exit 1"]},
  {"name": "app", "image": "$BUSYBOX", "command": ["sleep", "100"],
   "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}]}
 ]}
JSON
fe run --wait "$work/never.json" >"$work/out2" 2>&1
code=$?
[ $code -eq 1 ] || fail "never: exit $code, want 1"
grep -q "DependencyError: dependency migrate exited with code 1, so SUCCESS can never be met" \
  "$work/out2" || fail "never: no reason: $(cat "$work/out2")"
id=$(fe ps --all | awk 'NR==3{print $1}')
[ "$(desc "$id" "print(t['stoppedReason'])")" = "Essential container in task exited" ] ||
  fail "never: stoppedReason $(desc "$id" "print(t['stoppedReason'])")"
[ "$(desc "$id" "print('exitCode' in t['containers'][1])")" = False ] ||
  fail "never: app has an exit code but never ran"
assert_clean
echo "ok: essential exit, reverse-order SIGTERM stop, --wait code, non-essential exit, never-met"
