#!/usr/bin/env bash
# FireLens to the local S3 end to end (issue 8): real dockerd fluentd log driver, the
# emu-router images, records read back with `fargate-emu logs s3://...`. Six tasks run at once
# and share the assertions: two seed S3 tasks (metadata, stdout/stderr `source`, the s3.conf key
# format, no mixing between tasks), include/exclude-pattern with enable-ecs-log-metadata false,
# config-file-type file and s3 (a 40000-byte line joined by a multiline partial_message filter),
# and N = ${FIRELENS_N:-100000} lines then `fargate-emu stop`: exactly N records in S3. Also
# `render --local` on the seed with the daemon (the baked config's diff).
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local
n=${FIRELENS_N:-100000}
fer() { fe run --detach --no-validate --image-map-file "$imap" "$@"; }
logs() { fe logs "$@" 2>/dev/null; }

# Task definition $1.json: family $1, router options $2 (JSON), app options $3 (JSON), app
# shell command $4.
taskdef() {
  python3 - "$work/$1.json" "$1" "$2" "$3" "$4" <<'PY'
import json, sys
path, fam, ropts, aopts, cmd = sys.argv[1:]
fl = {"type": "fluentbit"}
if json.loads(ropts):
    fl["options"] = json.loads(ropts)
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", cmd], "dependsOn": [{"containerName": "log_router",
       "condition": "START"}], "logConfiguration": {"logDriver": "awsfirelens"}}
if json.loads(aopts):
    app["logConfiguration"]["options"] = json.loads(aopts)
td = {"family": fam, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": fl}, app]}
json.dump(td, open(path, "w"))
PY
  echo "$work/$1.json"
}
s3out='"Name": "s3", "region": "us-east-1", "total_file_size": "1M", "upload_timeout": "10s",
       "use_put_object": "On"'
big_line='head -c 40000 /dev/zero | tr "\0" x; echo'

# render --local reads the seed router image's baked config through the daemon: the same diff
# run makes (the endpoint as GATEWAY:PORT).
"$FARGATE_EMU" render --local --image-map-file "$imap" "$src/fixtures/seed/task-s3-full.json" \
  >"$work/render.txt" 2>&1 || fail "render --local: $(cat "$work/render.txt")"
grep -qx -- '--- /fluent-bit/alt/fluent-bit.conf (router image)' "$work/render.txt" &&
  grep -qx -- '+    endpoint http://GATEWAY:PORT' "$work/render.txt" ||
  fail "render --local did not show the image config's diff: $(cat "$work/render.txt")"

# The external config (config-file-type s3): the baked e2e-partial.conf with its own bucket,
# uploaded to the local S3 through `fargate-emu serve` and boto3.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$FARGATE_EMU" serve --data-dir "$data" --s3 "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
sed 's/fe-e2e-file/fe-e2e-ext/' "$src/docker/emu-router/e2e-partial.conf" >"$work/external.conf"
python3 - "$port" "$work/external.conf" <<'PY' || { kill "$serve_pid"; fail "upload of external.conf"; }
import sys, time, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                  config=Config(s3={"addressing_style": "path"}))
for _ in range(100):
    try:
        s3.create_bucket(Bucket="fe-e2e-conf")
        break
    except Exception:
        time.sleep(0.1)
s3.put_object(Bucket="fe-e2e-conf", Key="external.conf", Body=open(sys.argv[2], "rb").read())
PY
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null

# Start every task.
p1=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
seed1=$(fer --publish "$p1:80" "$src/fixtures/seed/task-s3-full.json") || fail "seed 1 did not start"
seed2=$(fer --publish "$p2:80" "$src/fixtures/seed/task-s3-full.json") || fail "seed 2 did not start"
td=$(taskdef fe-filter '{"enable-ecs-log-metadata": "false"}' \
  "{$s3out, \"bucket\": \"fe-e2e-filter\", \"include-pattern\": \"^keep\", \"exclude-pattern\": \"drop\"}" \
  'for i in $(seq 1 10); do echo keep-out-$i; echo keep-err-$i >&2; echo keep-drop-$i; echo other-$i; done; sleep 600')
filt=$(fer "$td") || fail "filter task did not start"
cmd="echo small-1; $big_line; echo small-2; sleep 600"
td=$(taskdef fe-file '{"config-file-type": "file", "config-file-value": "/fluent-bit/configs/e2e-partial.conf"}' '{}' "$cmd")
file=$(fer "$td") || fail "config-file-type file task did not start"
td=$(taskdef fe-ext '{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::fe-e2e-conf/external.conf"}' '{}' "$cmd")
ext=$(fer "$td") || fail "config-file-type s3 task did not start"
td=$(taskdef fe-big '{}' "{$s3out, \"bucket\": \"fe-e2e-big\"}" \
  "seq 1 $n | sed 's/^/line-/'; touch /tmp/written; sleep 600")
big=$(fer "$td") || fail "big task did not start"
for t in "$seed1" "$seed2" "$filt" "$file" "$ext" "$big"; do wait_status "$t" RUNNING 60; done

# nginx: access lines on stdout, an error line (missing file) on stderr, per task.
for i in $(seq 1 10); do
  curl -s -o /dev/null "http://127.0.0.1:$p1/?task=one&i=$i" || fail "nginx of seed 1"
  curl -s -o /dev/null "http://127.0.0.1:$p2/?task=two&i=$i" || fail "nginx of seed 2"
done
curl -s -o /dev/null "http://127.0.0.1:$p1/missing-one"
curl -s -o /dev/null "http://127.0.0.1:$p2/missing-two"

# The big app wrote everything (marker), then the router's intake settles; then stop.
for _ in $(seq 1 300); do
  dk exec "$(cname "$big" app)" test -e /tmp/written 2>/dev/null && break
  sleep 0.2
done
dk exec "$(cname "$big" app)" test -e /tmp/written || fail "the big app did not finish writing"
sleep 3
for t in "$seed1" "$seed2" "$filt" "$file" "$ext" "$big"; do fe stop "$t" >/dev/null || fail "stop $t"; done

# (h) stop loses nothing.
got=$(fe logs --count s3://fe-e2e-big 2>/dev/null)
echo "stop run: $n lines written to stdout, $got records in S3, $((n - got)) lost"
[ "$got" -eq "$n" ] || fail "$((n - got)) of $n records lost at stop"
logs s3://fe-e2e-big | python3 -c "
import json, sys
seen = set(json.loads(l)['log'] for l in sys.stdin)
assert seen == {'line-%d' % i for i in range(1, $n + 1)}, len(seen)
print('stop run: every line once')" || fail "big run records"

# (a) (b) (g) the seed tasks: metadata, sources, key format, each task under its own prefix.
for k in 1 2; do
  id=$([ $k = 1 ] && echo "$seed1" || echo "$seed2")
  word=$([ $k = 1 ] && echo one || echo two)
  other=$([ $k = 1 ] && echo two || echo one)
  fe logs "s3://fargate-firelens-s3-logs/$id/" >"$work/seed$k.jsonl" 2>"$work/seed$k.keys" ||
    fail "no records for seed task $id"
  python3 - "$work/seed$k.jsonl" "$work/seed$k.keys" "$id" "$word" "$other" <<'PY' || fail "seed $k"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
keys = [re.sub(r"^s3://[^/]+/|: \d+ records?$", "", l.strip()) for l in open(sys.argv[2])
        if l.startswith("s3://")]
tid, word, other = sys.argv[3:]
assert keys, "no keys"
for k in keys:
    assert re.match(r"%s/nginx/\d{4}/\d\d/\d\d/\d\d/\d\d/\d\d/[0-9a-zA-Z-]+\.gz$" % tid, k), k
for r in recs:
    for f in ("ecs_cluster", "ecs_task_arn", "ecs_task_definition", "container_id",
              "container_name", "source", "log"):
        assert f in r, (f, r)
    assert r["ecs_task_arn"].endswith("/" + tid), r
    assert r["ecs_task_definition"] == "fargate-firelens-s3:1", r
    assert r["container_name"].endswith("nginx"), r
    assert "task=" + other not in r["log"] and "missing-" + other not in r["log"], ("mixed", r)
out = [r for r in recs if r["source"] == "stdout"]
err = [r for r in recs if r["source"] == "stderr"]
for i in range(1, 11):
    assert sum("task=%s&i=%d " % (word, i) in r["log"] for r in out) == 1, ("request", i)
assert any("missing-" + word in r["log"] for r in err), "no stderr line"
print("seed %s: %d records, %d keys, stdout %d, stderr %d" % (tid, len(recs), len(keys), len(out), len(err)))
PY
done

# (c) (d) include/exclude-pattern, no ecs_* keys, both sources.
logs s3://fe-e2e-filter >"$work/filter.jsonl" || fail "no filter records"
python3 - "$work/filter.jsonl" <<'PY' || fail "filter task"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
got = {(r["source"], r["log"]) for r in recs}
want = {("stdout", "keep-out-%d" % i) for i in range(1, 11)} | \
       {("stderr", "keep-err-%d" % i) for i in range(1, 11)}
assert got == want and len(recs) == 20, sorted(got)
for r in recs:
    assert not any(k.startswith("ecs_") for k in r), r
    assert "container_id" in r and "container_name" in r, r
print("filter: 20 records kept (include ^keep, exclude drop), no ecs_* keys")
PY

# (e) (f) config-file-type file and s3, the 40000-byte line joined.
for b in fe-e2e-file fe-e2e-ext; do
  logs "s3://$b" >"$work/$b.jsonl" || fail "no records in $b"
  python3 - "$work/$b.jsonl" "$b" <<'PY' || fail "$b"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
logs = [r["log"] for r in recs]
assert logs == ["small-1", "x" * 40000, "small-2"], [l[:20] + "(%d)" % len(l) for l in logs]
assert not any("partial_message" in r for r in recs), recs[1].keys()
assert all("ecs_task_arn" in r for r in recs)
print("%s: 3 records, the 40000-byte line joined" % sys.argv[2])
PY
done
assert_clean
echo PASS
