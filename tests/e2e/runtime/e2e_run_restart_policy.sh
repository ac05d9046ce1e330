#!/usr/bin/env bash
# The container restart policy in the runtime (issue 10): an essential container that keeps
# exiting 3 is restarted in place each time (restartCount grows, the task stays RUNNING), one
# that exits with an ignored code (0) stops for good, one that exits before restartAttemptPeriod
# is not restarted and says why; `--restart-attempt-period 2` stands in for ECS's 60 s minimum.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "restart-policy", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "containerDefinitions": [
  {"name": "flaky", "image": "$BUSYBOX", "essential": true, "command": ["sh", "-c", "sleep 2.2; exit 3"],
   "restartPolicy": {"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60}},
  {"name": "done", "image": "$BUSYBOX", "essential": false, "command": ["sh", "-c", "sleep 1.2; exit 0"],
   "restartPolicy": {"enabled": true, "ignoredExitCodes": [0]}},
  {"name": "early", "image": "$BUSYBOX", "essential": false, "command": ["sh", "-c", "exit 5"],
   "restartPolicy": {"enabled": true}},
  {"name": "plain", "image": "$BUSYBOX", "essential": false, "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]}]}
JSON
id=$(fe run --detach --restart-attempt-period 2 "$work/td.json") || fail "the task did not start"
ctr() { # name field
  desc "$id" "print([c.get('$2', '') for c in t['containers'] if c['name'] == '$1'][0])"
}
for _ in $(seq 1 200); do
  [ "$(ctr flaky restartCount)" -ge 2 ] 2>/dev/null && break
  sleep 0.1
done
[ "$(ctr flaky restartCount)" -ge 2 ] || fail "flaky was not restarted twice: $(ctr flaky restartCount)"
[ "$(ctr flaky lastStatus)" = RUNNING ] || fail "flaky is not RUNNING between restarts"
[ "$(desc "$id" "print(t['lastStatus'])")" = RUNNING ] || fail "the task did not stay RUNNING"
[ "$(ctr done lastStatus)" = STOPPED ] && [ "$(ctr done exitCode)" = 0 ] &&
  [ "$(ctr done restartCount)" = 0 ] || fail "done: $(ctr done lastStatus) $(ctr done exitCode)"
[ "$(ctr early lastStatus)" = STOPPED ] && [ "$(ctr early exitCode)" = 5 ] &&
  [ "$(ctr early restartCount)" = 0 ] || fail "early: $(ctr early lastStatus) $(ctr early exitCode)"
[ -z "$(ctr plain restartCount)" ] || fail "plain has a restartCount without a policy"
grep -Eq "container early exited with code 5 and is not restarted: it ran [01] s since its start, less than the restartAttemptPeriod of 2 s" \
  "$data/tasks/$id.log" || fail "no reason for early: $(grep early "$data/tasks/$id.log")"
grep -q "container done exited with code 0 and is not restarted: exit code 0 is in ignoredExitCodes" \
  "$data/tasks/$id.log" || fail "no reason for done"
fe stop "$id" >/dev/null || fail "stop"
echo "restart policy: flaky restarted $(grep -c 'container flaky exited with code 3; restarting' "$data/tasks/$id.log") times, done and early not, task stopped by the user"
assert_clean
echo PASS
