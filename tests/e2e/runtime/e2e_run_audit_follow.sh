#!/usr/bin/env bash
# `audit --follow` (issue 12), real dockerd and Docker's fluentd driver: a detached task writes
# 60 lines over 3 s to an s3 output that uploads every 2 s; two followers at once (--json and
# text, every 0.5 s) see the lines written grow, the undelivered ones "in flight" while the task
# runs (written = delivered + lost so far + in flight at every refresh), and end, when the task
# stops, with the final audit: all 60 delivered, exit 0.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
python3 - "$work/follow.json" <<'PY'
import json, sys
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", "i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo follow-$i; "
                   "sleep 0.05; done; sleep 3"],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": {
           "Name": "s3", "region": "us-east-1", "bucket": "au-follow", "total_file_size": "1M",
           "upload_timeout": "2s", "use_put_object": "On"}}}
td = {"family": "au-follow", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(sys.argv[1], "w"))
PY
fe audit --follow --interval 0 "$work/follow.json" >/dev/null 2>"$work/err"
[ $? -eq 2 ] || fail "--interval 0 accepted"
id=$(fe run --detach --no-validate "$work/follow.json" 2>"$work/run.err") || fail "run: $(cat "$work/run.err")"
(fe audit --follow --interval 0.5 --json "$id" >"$work/f.json" 2>"$work/f.err"; echo $? >"$work/f.rc") &
(fe audit --follow --interval 0.5 "$id" >"$work/f.txt" 2>"$work/t.err"; echo $? >"$work/t.rc") &
wait
[ "$(cat "$work/f.rc")" = 0 ] || fail "follow --json exited $(cat "$work/f.rc"): $(cat "$work/f.err")"
[ "$(cat "$work/t.rc")" = 0 ] || fail "follow exited $(cat "$work/t.rc"): $(cat "$work/t.err")"
python3 - "$work/f.json" "$id" <<'PY' || fail "follow --json: $(cat "$work/f.json")"
import json, sys
text, tid = open(sys.argv[1]).read(), sys.argv[2]
dec, docs, i = json.JSONDecoder(), [], 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    doc, i = dec.raw_decode(text, i)
    docs.append(doc)
live, final = docs[:-1], docs[-1]
assert len(live) >= 3, "refreshes: %d" % len(live)
prev = 0
for d in live:
    assert d["taskId"] == tid and d["lastStatus"] != "STOPPED", d
    c = d["containers"][0]
    assert c["name"] == "app" and c["written"] == c["delivered"] + c["lostSoFar"] + c["inFlight"], c
    assert c["written"] >= prev, (c, prev)
    prev = c["written"]
assert any(d["containers"][0]["inFlight"] > 0 for d in live), "nothing ever in flight"
c = final["containers"][0]
assert final["taskId"] == tid and c["written"] == 60 and c["delivered"] == 60 and c["lost"] == 0, final
print("follow --json: %d refreshes, in flight up to %d, then the final audit: 60 delivered" % (
    len(live), max(d["containers"][0]["inFlight"] for d in live)))
PY
grep -Eq "RUNNING +app -> s3://au-follow .*: written [0-9]+, delivered [0-9]+, lost so far 0, in flight [1-9]" \
  "$work/f.txt" || fail "follow text: $(cat "$work/f.txt")"
grep -q "written 60  filtered 0  delivered 60  lost 0 (0.00 %)" "$work/f.txt" ||
  fail "follow text, final audit: $(cat "$work/f.txt")"
echo "follow text: $(grep -c 'in flight' "$work/f.txt") refreshes, then the final audit"
assert_clean
echo PASS
