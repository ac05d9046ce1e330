#!/usr/bin/env bash
# Task metadata v4 and credentials inside a task, the way SDKs reach them on ECS: the agent's
# variables are set, http://169.254.170.2 answers from inside the task's namespace with the
# container's real Docker ID and the task's ARN, the task role's credentials are served (no
# static keys in the environment) and accepted by the STS shim, ECS's error bodies, a second
# task side by side with its own endpoint, and the address gone from the host at the end.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "md", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "taskRoleArn": "arn:aws:iam::123456789012:role/app",
 "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
 "containerDefinitions": [
  {"name": "app", "image": "$BUSYBOX", "stopTimeout": 2,
   "dockerLabels": {"team": "web"},
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/md",
     "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}},
   "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]}
 ]}
JSON
id=$(fe run --detach "$work/td.json") || fail "run"
c=$(cname "$id" app)
# GET path from inside the task with busybox nc (HTTP/1.0, headers stripped).
get() {
  dk exec "$c" sh -c "printf 'GET %s HTTP/1.0\r\n\r\n' '$1' | nc -w 5 169.254.170.2 80" |
    sed '1,/^\r$/d'
}
envs=$(dk exec "$c" env)
echo "$envs" | grep -q "^AWS_ACCESS_KEY_ID=" && fail "static keys with a task role: $envs"
v4=$(echo "$envs" | sed -n 's/^ECS_CONTAINER_METADATA_URI_V4=//p')
rel=$(echo "$envs" | sed -n 's/^AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=//p')
echo "$v4" | grep -Eq "^http://169\.254\.170\.2/v4/$id-[0-9]{10}$" || fail "v4 URI: $v4"
echo "$rel" | grep -Eq '^/v2/credentials/[0-9a-f-]{36}$' || fail "credentials URI: $rel"
echo "$envs" | grep -q "^ECS_CONTAINER_METADATA_URI=http://169.254.170.2/v3/$id-" || fail "v3"
path=${v4#http://169.254.170.2}
docker_id=$(dk inspect -f '{{.Id}}' "$c")
pyget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
doc=$(get "$path") || fail "no answer at $v4"
[ "$(echo "$doc" | pyget 'd["DockerId"]')" = "$docker_id" ] || fail "DockerId: $doc"
[ "$(echo "$doc" | pyget 'd["Labels"]["team"]')" = web ] || fail "labels: $doc"
[ "$(echo "$doc" | pyget 'd["ImageID"]')" = "$(dk inspect -f '{{.Image}}' "$c")" ] ||
  fail "ImageID: $doc"
[ "$(echo "$doc" | pyget 'd["LogDriver"] + d["LogOptions"]["awslogs-group"]')" = awslogs/ecs/md ] ||
  fail "log options: $doc"
ip=$(echo "$doc" | pyget 'd["Networks"][0]["IPv4Addresses"][0]')
[ "$ip" = "$(dk exec "$c" hostname -i | awk '{print $1}')" ] || fail "IPv4 $ip: $doc"
task=$(get "$path/task")
arn=$(desc "$id" "print(t['taskArn'])")
[ "$(echo "$task" | pyget 'd["TaskARN"]')" = "$arn" ] || fail "TaskARN: $task"
[ "$(echo "$task" | pyget 'd["Containers"][0]["DockerId"]')" = "$docker_id" ] || fail "$task"
[ "$(echo "$task" | pyget 'd["Limits"]["CPU"]')" = 0.25 ] || fail "task limits: $task"
# The Fargate fields: the zone, the image pull window and the host clock's drift.
[ "$(echo "$task" | pyget 'd["AvailabilityZone"]')" = us-east-1a ] || fail "AZ: $task"
# Compared as times, not strings: RFC3339Nano drops trailing zeros ("16.78Z" is before "16.781Z").
ts() { python3 -c "import calendar,sys,time; s=sys.argv[1].rstrip('Z'); w,_,f=s.partition('.'); print(calendar.timegm(time.strptime(w, '%Y-%m-%dT%H:%M:%S')) + float('0.' + (f or '0')))" "$1"; }
pull0=$(ts "$(echo "$task" | pyget 'd["PullStartedAt"]')")
pull1=$(ts "$(echo "$task" | pyget 'd["PullStoppedAt"]')")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$pull0" "$pull1" ||
  fail "pull: $task"
echo "$task" | pyget 'd["ClockDrift"]["ClockSynchronizationStatus"]' | grep -Eq '^(NOT_)?SYNCHRONIZED$' \
  || fail "ClockDrift: $task"
[ "$(desc "$id" "print(t['availabilityZone'], 'pullStartedAt' in t)")" = "us-east-1a True" ] \
  || fail "describe: no availabilityZone/pullStartedAt"
# Docker's stats, read in the background: the first answer may be the empty reading.
for i in $(seq 1 30); do
  get "$path/stats" | grep -q '"memory_stats"' && break
  sleep 0.2
done
get "$path/stats" | grep -q '"memory_stats"' || fail "stats: $(get "$path/stats")"
get "$path/task/stats" | grep -q "\"$docker_id\":{" || fail "task stats: $(get "$path/task/stats")"
get "$path/taskWithTags" | grep -q '"FaultInjectionEnabled":false' || fail "taskWithTags"
creds=$(get "$rel")
[ "$(echo "$creds" | pyget 'd["RoleArn"]')" = "arn:aws:iam::123456789012:role/app" ] ||
  fail "credentials: $creds"
get /v2/credentials/ | grep -q '"code":"NoIdInRequest"' || fail "NoIdInRequest"
get /v2/credentials/nope | grep -q '"code":"InvalidIdInRequest"' || fail "InvalidIdInRequest"
# The STS shim (on the task network's gateway) accepts the task's credentials.
sts=$(sed -n 's/.*STS \(http[^ ,]*\).*/\1/p' "$data/tasks/$id.log" | head -1)
ident=$(echo "$creds" | python3 -c "
import json, sys, boto3
d = json.load(sys.stdin)
c = boto3.client('sts', endpoint_url='$sts', region_name='us-east-1',
                 aws_access_key_id=d['AccessKeyId'], aws_secret_access_key=d['SecretAccessKey'],
                 aws_session_token=d['Token'])
print(c.get_caller_identity()['Arn'])" 2>&1) || fail "STS with task credentials: $ident"
echo "$ident" | grep -q "assumed-role/app/$id" || fail "identity: $ident"
# Safe defaults (issue 10): the minted credentials are in no file of the data dir, the state
# files are 0600, and no container of the task has the Docker socket.
secret=$(echo "$creds" | pyget 'd["SecretAccessKey"]')
[ -n "$secret" ] && ! grep -rqF -- "$secret" "$data" || fail "the task's secret key is in a file of the data dir"
for f in "$data/tasks/$id.json" "$data/tasks/$id.log" "$data/tasks/$id.taskdef.json"; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is mode $(stat -c %a "$f"), not 600"
done
for ctr in $(dk ps -q --filter label=fargate-emu.task-id="$id"); do
  dk inspect -f "{{range .Mounts}}{{.Source}} {{end}}" "$ctr" | grep -q docker.sock &&
    fail "container $ctr has the Docker socket mounted"
done
# A second task beside the first: its own 169.254.170.2 (the listeners are bound to each
# task's bridge), its own container in the answer, its own credentials; its endpoints tuned
# with --client-timeout and --max-connections.
id2=$(fe run --detach --client-timeout 2 --max-connections 4 "$work/td.json") || fail "second task"
c2=$(cname "$id2" app)
v4b=$(dk exec "$c2" sh -c 'echo $ECS_CONTAINER_METADATA_URI_V4')
doc2=$(dk exec "$c2" sh -c "printf 'GET %s HTTP/1.0\r\n\r\n' '${v4b#http://169.254.170.2}' |
  nc -w 5 169.254.170.2 80" | sed '1,/^\r$/d')
[ "$(echo "$doc2" | pyget 'd["DockerId"]')" = "$(dk inspect -f '{{.Id}}' "$c2")" ] ||
  fail "second task's document: $doc2"
[ "$(get "$path" | pyget 'd["DockerId"]')" = "$docker_id" ] || fail "first task after the second"
# The limits reach the second task's shims (and are kept for `resume`), not the first's: on
# each S3 endpoint 4 connections send part of a head, then a fifth asks for /. With 4 slots
# the one waiting longest is cut for the fifth, the others get 408 about 2 s after their first
# byte; with the defaults (1,024, 20 s) none is cut within 5 s.
python3 -c "import json; e = json.load(open('$data/tasks/$id2.json'))['endpoints']; \
  assert (e['clientTimeoutMs'], e['maxConnections']) == (2000, 4), e" || fail "limits not in the state"
s3of() { sed -n 's/.*endpoints for task.* S3 http:\/\/\([^ ,]*\).*/\1/p' "$data/tasks/$1.log" | head -1; }
limits=$(python3 - "$(s3of "$id")" "$(s3of "$id2")" <<'PY'
import select, socket, sys, time
def probe(hostport):
    host, port = hostport.rsplit(":", 1)
    t0 = time.monotonic()
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(4)]
    for s in idle:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    time.sleep(0.3)
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    fifth = s.recv(12).decode(errors="replace")[9:12]
    when = {}  # socket -> (seconds from the first connect, answer)
    while len(when) < len(idle) and time.monotonic() - t0 < 5:
        ready, _, _ = select.select([x for x in idle if x not in when], [], [], 0.05)
        for x in ready:
            data = x.recv(64)
            when[x] = (time.monotonic() - t0, "408" if data.startswith(b"HTTP/1.1 408") else "close")
    early = sum(1 for t, _ in when.values() if t < 1.2)
    late = sum(1 for t, a in when.values() if 1.2 <= t and a == "408")
    return "fifth=%s early=%d late408=%d unanswered=%d" % (fifth, early, late, len(idle) - len(when))
print(probe(sys.argv[1]), "|", probe(sys.argv[2]))
PY
) || fail "limits probe: $limits"
default=${limits%% | *}; tuned=${limits##* | }
echo "$default" | grep -Eq '^fifth=[0-9]{3} early=0 late408=0 unanswered=4$' ||
  fail "default limits on the first task: $default"
echo "$tuned" | grep -Eq '^fifth=[0-9]{3} early=1 late408=3 unanswered=0$' ||
  fail "--client-timeout 2 --max-connections 4 on the second task: $tuned"
bridges=$(for t in "$id" "$id2"; do
  n=$(dk network ls -q --filter "label=fargate-emu.task-id=$t" | head -1)
  [ -n "$n" ] && echo "br-${n:0:12}"
done)
fe stop "$id2" >/dev/null || fail "stop second"
fe stop "$id" >/dev/null || fail "stop"
# Neither task's bridge keeps the address, and it never lands on a non-bridge interface (other
# tasks on this host, e.g. parallel test runs, may hold it on their own bridges).
for b in $bridges; do
  ip -o addr show dev "$b" 2>/dev/null | grep -q '169\.254\.170\.2' && fail "169.254.170.2 left on $b"
done
ip -o addr | grep '169\.254\.170\.2' | grep -vq ' br-' && fail "169.254.170.2 left: $(ip -o addr)"
assert_clean
echo "ok: metadata v4 and credentials at 169.254.170.2 inside the task"
