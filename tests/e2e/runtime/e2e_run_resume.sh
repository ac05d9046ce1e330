#!/usr/bin/env bash
# `fargate-emu resume` (issue 10): the supervisors of two running S3 FireLens tasks are
# SIGKILLed mid-stream; the containers keep running, the routers' uploads fail while the
# endpoints are gone; `resume` brings S3/CWL/STS/metadata back on the same addresses and every
# record written before, during and after the outage reaches S3 exactly once. Tasks: the seed
# (nginx, upload_timeout 1m, requests sent with curl) and a steady writer whose router uploads
# every second (so uploads do fail during the outage) with Retry_Limit 10.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local
n=${RESUME_N:-12000}
fer() { fe run --detach --no-validate --image-map-file "$imap" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sup() { python3 -c "import json; print(json.load(open('$data/tasks/$1.json'))['supervisorPid'])"; }
eps() { python3 -c "import json; print(json.load(open('$data/tasks/$1.json')).get('endpoints'))"; }
requests() { # first last
  local i
  for i in $(seq "$1" "$2"); do curl -s -o /dev/null "http://127.0.0.1:$p1/?resume=$i" || fail "nginx request $i"; done
}

python3 - "$work/writer.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
cmd = ("for i in $(seq 1 %d); do echo line-$i; if [ $((i %% 200)) = 0 ]; then sleep 0.1; fi; done; "
       "touch /tmp/written; sleep 600" % n)
td = {"family": "fe-resume", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "firelensConfiguration": {"type": "fluentbit"}},
          {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
           "command": ["sh", "-c", cmd],
           "dependsOn": [{"containerName": "log_router", "condition": "START"}],
           "logConfiguration": {"logDriver": "awsfirelens", "options": {
               "Name": "s3", "region": "us-east-1", "bucket": "fe-e2e-resume",
               "total_file_size": "1M", "upload_timeout": "1s", "use_put_object": "On",
               "Retry_Limit": "10"}}}]}
json.dump(td, open(path, "w"))
PY

p1=$(free_port)
seed=$(fer --publish "$p1:80" "$src/fixtures/seed/task-s3-full.json") || fail "seed did not start"
wr=$(fer "$work/writer.json") || fail "writer did not start"
wait_status "$seed" RUNNING 60
wait_status "$wr" RUNNING 60
before_seed=$(eps "$seed"); before_wr=$(eps "$wr")
[ "$before_seed" != None ] && [ "$before_wr" != None ] || fail "no endpoints in the state files"
requests 1 50
sleep 2

# The emulator dies (SIGKILL: no cleanup at all); the tasks keep running and logging.
t0=$(date +%s%N)
kill -9 "$(sup "$seed")" "$(sup "$wr")"
sleep 0.3
fe ps | grep "$seed" | grep -q "(lost)" || fail "ps does not show the seed task lost: $(fe ps)"
requests 51 100
sleep 4 # the writer's router fails uploads every second now

# A new `run` must not sweep them: it names `resume` instead.
echo '{"family":"fe-short","networkMode":"awsvpc","cpu":"256","memory":"512","containerDefinitions":[{"name":"x","image":"fargate-emu/busybox:local","essential":true,"command":["true"]}]}' >"$work/short.json"
fe run --wait --no-validate "$work/short.json" >"$work/short.txt" 2>&1 || fail "short run: $(cat "$work/short.txt")"
grep -q "resume $seed" "$work/short.txt" || fail "run did not name resume: $(cat "$work/short.txt")"
dk inspect "$(cname "$wr" app)" >/dev/null 2>&1 || fail "run swept the lost writer task"
# The seed in the foreground (runs until the task stops), the writer detached.
fe resume "$seed" </dev/null >"$work/fg.txt" 2>&1 &
rp=$!
fe resume --detach "$wr" >"$work/resume.txt" 2>&1 || fail "resume writer: $(cat "$work/resume.txt")"
t1=$(date +%s%N)
for _ in $(seq 1 100); do
  [ "$(sup "$seed")" != "" ] && kill -0 "$(sup "$seed")" 2>/dev/null && break
  sleep 0.1
done
[ "$(eps "$seed")" = "$before_seed" ] || fail "seed endpoints moved: $before_seed -> $(eps "$seed")"
[ "$(eps "$wr")" = "$before_wr" ] || fail "writer endpoints moved: $before_wr -> $(eps "$wr")"
fe ps | grep "$wr" | grep -q "(lost)" && fail "ps still shows the writer lost"
fe resume "$wr" >/dev/null 2>&1 && fail "a second resume of a supervised task succeeded"
requests 101 150

for _ in $(seq 1 300); do
  dk exec "$(cname "$wr" app)" test -e /tmp/written 2>/dev/null && break
  sleep 0.2
done
dk exec "$(cname "$wr" app)" test -e /tmp/written || fail "the writer did not finish"
sleep 3
# The outage was real for the writer: its router saw uploads fail and retried them.
failed=$(dk logs "$(cname "$wr" log_router)" 2>&1 | grep -c "failed (.*), attempt")
[ "$failed" -gt 0 ] || fail "the writer's router never saw an upload fail during the outage"
fe stop "$seed" >/dev/null || fail "stop seed"
fe stop "$wr" >/dev/null || fail "stop writer"
wait "$rp" || fail "the foreground resume exited $?: $(cat "$work/fg.txt")"
fe resume "$wr" >/dev/null 2>&1 && fail "resume of a stopped task succeeded"

got=$(fe logs --count s3://fe-e2e-resume 2>/dev/null)
fe logs s3://fe-e2e-resume 2>/dev/null | python3 -c "
import collections, json, sys
c = collections.Counter(json.loads(l)['log'] for l in sys.stdin)
want = {'line-%d' % i for i in range($n + 1) if i}
missing, dup = want - set(c), sum(v - 1 for v in c.values())
print('writer: sent $n, delivered %d distinct, %d missing, %d duplicated' % (len(set(c) & want), len(missing), dup))
assert not missing and not dup, sorted(missing)[:5]" || fail "writer records ($got in S3)"
fe logs "s3://fargate-firelens-s3-logs/$seed/" 2>/dev/null | python3 -c "
import collections, json, re, sys
c = collections.Counter()
for l in sys.stdin:
    m = re.search(r'resume=(\d+) ', json.loads(l)['log'])
    if m: c[int(m.group(1))] += 1
missing = set(range(1, 151)) - set(c)
print('seed: sent 150 requests, delivered %d, %d missing, %d duplicated' % (len(c), len(missing), sum(v - 1 for v in c.values())))
assert not missing and all(v == 1 for v in c.values()), sorted(missing)[:5]" || fail "seed records"
echo "resume: supervisors down for $(( (t1 - t0) / 1000000 )) ms, $failed failed uploads retried"
assert_clean
echo PASS
