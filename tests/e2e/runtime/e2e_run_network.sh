#!/usr/bin/env bash
# awsvpc as Fargate has it, and secrets: a secret reaches the environment, the container port is
# published on 127.0.0.1, localhost reaches the other container of the task, a second task of
# the same definition runs beside the first (--publish moves its port), a taken port and a
# missing secret fail clearly with nothing started, a crashed supervisor is swept by stop.
. "$(dirname "$0")/lib.sh"
port=$(( 20000 + RANDOM % 20000 ))
cat >"$work/td.json" <<JSON
{"family": "net", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [
  {"name": "web", "image": "$BUSYBOX", "stopTimeout": 2,
   "portMappings": [{"containerPort": $port, "protocol": "tcp"}],
   "secrets": [{"name": "DB_PASS", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db/pass"}],
   "command": ["sh", "-c", "mkdir -p /tmp/www && echo \"pass=\$DB_PASS\" > /tmp/www/index.html && exec httpd -f -p $port -h /tmp/www"]},
  {"name": "probe", "image": "$BUSYBOX", "essential": false,
   "command": ["sh", "-c", "for i in \$(seq 100); do wget -q -O- http://localhost:$port/ && exit 0; sleep 0.1; done; exit 1"],
   "dependsOn": [{"containerName": "web", "condition": "START"}]}
 ]}
JSON
echo '{"/db/pass": "hunter2"}' >"$work/secrets.json"

# Validation comes first: errors as validate prints them, nothing started.
sed 's/"cpu": "256"/"cpu": "3"/' "$work/td.json" >"$work/bad.json"
fe run "$work/bad.json" >/dev/null 2>"$work/err" && fail "invalid task definition ran"
grep -q "not run: ECS would refuse this task definition" "$work/err" || fail "$(cat "$work/err")"
# A missing secret: ECS's wording, nothing started.
echo '{}' >"$work/none.json"
fe run --detach --secrets-file "$work/none.json" "$work/td.json" >/dev/null 2>"$work/err" &&
  fail "ran without its secret"
grep -q "ResourceInitializationError: unable to pull secrets or registry auth" "$work/err" ||
  fail "missing secret: $(cat "$work/err")"
[ -z "$(dk ps -a -q --filter label=fargate-emu.task-id)" ] || fail "containers after a failed start"

a=$(fe run --detach --secrets-file "$work/secrets.json" "$work/td.json") || fail "task A"
[ "$(curl -s -m 5 "http://127.0.0.1:$port/")" = "pass=hunter2" ] || fail "secret or port: $(curl -s -m 5 "http://127.0.0.1:$port/")"
# The same definition again: its port is taken, so it fails clearly; --publish moves it.
fe run --detach --secrets-file "$work/secrets.json" "$work/td.json" >/dev/null 2>"$work/err" &&
  fail "second task took a taken port"
grep -q "move one with --publish HOSTPORT:CONTAINERPORT" "$work/err" || fail "taken: $(cat "$work/err")"
b=$(fe run --detach --secrets-file "$work/secrets.json" --publish $(( port + 1 )):$port \
  "$work/td.json") || fail "task B with --publish"
[ "$(curl -s -m 5 "http://127.0.0.1:$(( port + 1 ))/")" = "pass=hunter2" ] || fail "task B port"
[ "$(curl -s -m 5 "http://127.0.0.1:$port/")" = "pass=hunter2" ] || fail "task A after B"
[ "$(fe ps | grep -c '^[0-9a-f]\{32\} .* RUNNING ')" -eq 2 ] || fail "two tasks should run: $(fe ps)"
# localhost reaches the other container of the same task.
for t in "$a" "$b"; do
  for _ in $(seq 50); do [ "$(desc "$t" "print(t['containers'][1]['lastStatus'])")" = STOPPED ] && break; sleep 0.1; done
  [ "$(desc "$t" "print(t['containers'][1].get('exitCode'))")" = 0 ] || fail "probe of $t could not reach localhost"
done
[ "$(dk inspect -f '{{.HostConfig.NetworkMode}}' "$(cname "$a" web)")" = \
  "container:$(dk inspect -f '{{.Id}}' "fe-$a.pause")" ] || fail "web does not share the pause namespace"
[ "$(dk inspect -f '{{index .Config.Labels "com.amazonaws.ecs.task-arn"}}' "$(cname "$a" web)")" = \
  "$(desc "$a" "print(t['taskArn'])")" ] || fail "agent labels"

# Crash recovery: the supervisor of B dies; ps shows it lost, stop sweeps its objects.
kill -9 "$(python3 -c "import json; print(json.load(open('$data/tasks/$b.json'))['supervisorPid'])")"
sleep 0.2
fe ps | grep "$b" | grep -q "(lost)" || fail "ps does not flag the lost supervisor: $(fe ps)"
fe stop "$b" >/dev/null || fail "stop of a lost task"
[ -z "$(dk ps -a -q --filter label=fargate-emu.task-id="$b")" ] || fail "sweep left containers"
fe stop "$a" >/dev/null || fail "stop A"
assert_clean
echo "ok: secrets, 127.0.0.1 ports, localhost, side by side, --publish, failures, sweep"
