#!/usr/bin/env bash
# --json of the commands that start and stop tasks: `run --detach --json` prints RunTask's
# {"tasks": [...], "failures": []} once RUNNING, `stop --json` StopTask's {"task": ...},
# `wait --json` the exit summary, and a foreground `run --json` prints only the stopped task
# (no live view) on stdout, exiting with ECS's codes.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "js", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [
  {"name": "app", "image": "$BUSYBOX", "stopTimeout": 2, "command": ["sleep", "300"]}]}
JSON
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
out=$(fe run --detach --json "$work/td.json") || fail "run --detach --json failed: $out"
id=$(echo "$out" | py "print(d['tasks'][0]['taskArn'].rsplit('/',1)[1])") ||
  fail "run --detach --json: not RunTask's shape: $out"
[ "$(echo "$out" | py "print(d['tasks'][0]['lastStatus'], d['failures'])")" = "RUNNING []" ] ||
  fail "run --detach --json: $out"
out=$(fe stop --json "$id") || fail "stop --json failed: $out"
[ "$(echo "$out" | py "print(d['task']['lastStatus'], d['task']['taskArn'].endswith('$id'))")" = \
  "STOPPED True" ] || fail "stop --json: $out"
out=$(fe stop --json "$id") || fail "stop --json of a stopped task failed"
[ "$(echo "$out" | py "print(d['task']['lastStatus'])")" = STOPPED ] || fail "stop again: $out"
out=$(fe wait --json "$id")
[ "$(echo "$out" | py "print(sorted(d))")" = \
  "['exitCode', 'stopCode', 'stoppedReason', 'taskArn']" ] || fail "wait --json: $out"

cat >"$work/quick.json" <<JSON
{"family": "jq", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "app", "image": "$BUSYBOX", "command": ["sh", "-c", "exit 3"]}]}
JSON
fe run --wait --json "$work/quick.json" >"$work/out" 2>"$work/err"
code=$?
[ $code -eq 3 ] || fail "run --wait --json exited $code, want 3; $(cat "$work/err")"
[ "$(py "t=d['tasks'][0]; print(t['lastStatus'], t['containers'][0]['exitCode'])" <"$work/out")" = \
  "STOPPED 3" ] || fail "run --json: stdout is not only the stopped task: $(cat "$work/out")"
assert_clean
echo "ok: run --detach --json, stop --json, wait --json, run --wait --json"
