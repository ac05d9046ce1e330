#!/usr/bin/env bash
# The delivery audit with the router's metrics (issue 12): the router's config turns Fluent
# Bit's HTTP_Server on (config-file-type file: the image's built-in
# /fluent-bit/configs/output-metrics-healthcheck.conf), so the supervisor polls
# /api/v1/metrics and keeps the last reading, taken after the app stopped, in
# <id>.out/.router.metrics.json; the audit uses it as evidence. Two `run --audit` tasks at once:
# a clean one (the inputs' records = lines written = delivered) and one whose S3 endpoint
# answers the first three PutObjects 503 SlowDown (`run --fault ... count=3`, --fault-seed)
# with retry_limit 1: the first upload (100 lines) fails twice and is given up, the second (100
# lines) fails once and is delivered by its retry (three, not two: now and then the shim
# counts a fault the router never sees, see docs/reliability.md); the audit attributes exactly the 100 lost lines to the router's output,
# and the metrics agree (the router received all 200).
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local

taskdef() { # family bucket app-command [extra awsfirelens options as JSON]
  python3 - "$work/$1.json" "$1" "$2" "$3" "${4:-{\}}" <<'PY'
import json, sys
path, fam, bucket, cmd, extra = sys.argv[1:]
opts = {"Name": "s3", "region": "us-east-1", "bucket": bucket, "total_file_size": "1M",
        "upload_timeout": "1s", "use_put_object": "On"}
opts.update(json.loads(extra))
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", cmd], "dependsOn": [{"containerName": "log_router",
       "condition": "START"}], "logConfiguration": {"logDriver": "awsfirelens", "options": opts}}
if fam == "am-ok":  # a secret: a rerun needs --secrets-file as run did
    app["secrets"] = [{"name": "TOKEN", "valueFrom":
                       "arn:aws:ssm:us-east-1:123456789012:parameter/am/token"}]
router = {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
          "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit", "options": {
              "config-file-type": "file",
              "config-file-value": "/fluent-bit/configs/output-metrics-healthcheck.conf"}}}
td = {"family": fam, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [router, app]}
json.dump(td, open(path, "w"))
PY
  echo "$work/$1.json"
}

td_ok=$(taskdef am-ok am-ok 'for i in $(seq 1 150); do echo ok-$i; echo ok-err-$i >&2; done; sleep 3')
td_fault=$(taskdef am-fault am-fault \
  'for i in $(seq 1 100); do echo lost-$i; done; sleep 5; for i in $(seq 1 100); do echo kept-$i; done; sleep 4' \
  '{"retry_limit": "1"}')
echo '{"/am/token": "t0k"}' >"$work/secrets.json"
start=$(date +%s)
(fe run --audit --json --no-validate --image-map-file "$imap" --secrets-file "$work/secrets.json" \
   "$td_ok" >"$work/ok.out" \
   2>"$work/ok.err"; echo $? >"$work/ok.rc") &
(fe run --audit --json --no-validate --image-map-file "$imap" \
   --fault 's3:PutObject:count=3:status=503:code=SlowDown' --fault-seed 7 "$td_fault" \
   >"$work/fault.out" 2>"$work/fault.err"; echo $? >"$work/fault.rc") &
wait
echo "two audited runs in $(( $(date +%s) - start )) s"
for t in ok fault; do
  [ -s "$work/$t.rc" ] || fail "$t: run did not finish: $(cat "$work/$t.err")"
done

# The audit document is the last JSON document run --audit --json prints.
audit_doc() {
  python3 - "$1" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
dec, i, docs = json.JSONDecoder(), 0, []
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    d, i = dec.raw_decode(text, i)
    docs.append(d)
print(json.dumps([d for d in docs if "routerMetrics" in d][-1]))
PY
}

# Clean: 300 lines written, delivered, and counted by the router's inputs.
[ "$(cat "$work/ok.rc")" = 0 ] || fail "ok: exited $(cat "$work/ok.rc"): $(cat "$work/ok.out" "$work/ok.err")"
audit_doc "$work/ok.out" >"$work/ok.json" || fail "ok: no audit document: $(cat "$work/ok.out")"
python3 - "$work/ok.json" <<'PY' || fail "ok audit: $(cat "$work/ok.json")"
import json, sys
j = json.load(open(sys.argv[1]))
c = j["containers"][0]
assert (c["written"], c["delivered"], c["lost"]) == (300, 300, 0), c
m = j["routerMetrics"]
assert m["used"] and m["httpServer"] and m["final"], m
assert m["url"].endswith(":2020/api/v1/metrics") and m["time"].endswith("Z"), m
assert m["inputRecords"] == 300 and m["written"] == 300 and m["containers"] == 1, m
out = [o for o in m["outputs"] if o["name"] == c["metricsOutput"]]
assert c["metricsOutput"] == "s3.0" and len(out) == 1, (c, m)
assert out[0]["procRecords"] == 300 and out[0]["droppedRecords"] == 0, out
print("ok: 300 written, 300 delivered; metrics at %s: inputs 300 records, %s proc_records %d"
      % (m["time"], out[0]["name"], out[0]["procRecords"]))
PY
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['taskId'])" "$work/ok.json")
f=$data/tasks/$id.out/.router.metrics.json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['final'] and d['readings']>=2 \
and d['metrics']['input'], d" "$f" || fail "metrics file: $(cat "$f")"
# The text report says the metrics were used, and when.
fe audit "$id" >"$work/ok.txt" || fail "audit $id: $(cat "$work/ok.txt")"
grep -q "router metrics: read http://.*:2020/api/v1/metrics at .* (after the app containers stopped" \
  "$work/ok.txt" || fail "text report: $(cat "$work/ok.txt")"
grep -q "inputs (2 forward) received 300 records; 1 container(s) feeding the router wrote 300 lines" \
  "$work/ok.txt" || fail "text report counts: $(cat "$work/ok.txt")"

# Fault: 100 lost at the router's output, 100 delivered; the metrics agree.
[ "$(cat "$work/fault.rc")" = 1 ] || fail "fault: exited $(cat "$work/fault.rc"): $(cat "$work/fault.out" "$work/fault.err")"
audit_doc "$work/fault.out" >"$work/fault.json" || fail "fault: no audit document: $(cat "$work/fault.out")"
python3 - "$work/fault.json" <<'PY' || fail "fault audit: $(cat "$work/fault.json")"
import json, sys
j = json.load(open(sys.argv[1]))
c = j["containers"][0]
assert (c["written"], c["delivered"], c["lost"]) == (200, 100, 100), c
assert [s["stage"] for s in c["stages"]] == ["router output (retries exhausted or output error)"], c
assert c["stages"][0]["lines"] == 100, c
assert "failed" in c["stages"][0]["evidence"] or "given up" in c["stages"][0]["evidence"], c
assert all(l["line"].startswith("lost-") for l in c["firstLost"]), c
m = j["routerMetrics"]
assert m["used"] and m["final"] and m["inputRecords"] == 200 and m["written"] == 200, m
assert "router's metrics" in c["stages"][0]["evidence"], c
print("fault: 200 written, 100 delivered, 100 lost at the router output; metrics: inputs "
      "received %d of %d" % (m["inputRecords"], m["written"]))
PY
grep -q "fault injection seed 7" "$work/fault.err" || fail "no fault summary: $(cat "$work/fault.err")"


# `audit --what-if` reruns with run's options: the secret (without --secrets-file the rerun
# cannot start), and by default the fault rules and seed the baseline ran with (kept in
# <id>.resume.json: the rerun loses the same 100 lines at its output). All at once.
fid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['taskId'])" "$work/fault.json")
fe audit --secrets-file "$work/secrets.json" "$id" >/dev/null 2>"$work/usage.err"
[ $? -eq 2 ] && grep -q "need --what-if" "$work/usage.err" || fail "rerun options without --what-if: $(cat "$work/usage.err")"
start=$(date +%s)
(fe audit --json --what-if app-stop-timeout=5 --image-map-file "$imap" \
   --secrets-file "$work/secrets.json" "$id" >"$work/wi-ok.json" 2>"$work/wi-ok.err"
 echo $? >"$work/wi-ok.rc") &
(fe audit --json --what-if app-stop-timeout=5 --image-map-file "$imap" "$fid" \
   >"$work/wi-fault.json" 2>"$work/wi-fault.err"; echo $? >"$work/wi-fault.rc") &
(fe audit --json --what-if app-stop-timeout=5 --image-map-file "$imap" "$id" \
   >"$work/wi-nosecret.json" 2>"$work/wi-nosecret.err"; echo $? >"$work/wi-nosecret.rc") &
wait
echo "two audit --what-if reruns in $(( $(date +%s) - start )) s"
[ "$(cat "$work/wi-ok.rc")" = 0 ] || fail "audit --what-if --secrets-file: $(cat "$work/wi-ok.err")"
ns=$(sed -n 's/.*what-if task \([0-9a-f]*\) failed to start.*/\1/p' "$work/wi-nosecret.err")
[ "$(cat "$work/wi-nosecret.rc")" = 1 ] && [ -n "$ns" ] ||
  fail "a rerun without --secrets-file: $(cat "$work/wi-nosecret.rc" "$work/wi-nosecret.err")"
desc "$ns" "print([c.get('reason', '') for c in t['containers']])" | grep -q "unable to pull secrets" ||
  fail "rerun without the secret: $(desc "$ns" "print(t)")"
[ "$(cat "$work/wi-fault.rc")" = 1 ] || fail "audit --what-if of the fault task: $(cat "$work/wi-fault.err")"
grep -q "the rerun takes the 1 --fault rule(s) task $fid ran with (seed 7" "$work/wi-fault.err" ||
  fail "the baseline's fault rules: $(cat "$work/wi-fault.err")"
python3 - "$work/wi-ok.json" "$work/wi-fault.json" <<'PY' || fail "what-if reruns: $(cat "$work/wi-ok.json" "$work/wi-fault.json")"
import json, sys
ok, fa = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c = ok["whatIf"]["containers"][0]
assert (c["written"], c["delivered"], c["lost"]) == (300, 300, 0), c
assert ok["whatIf"]["routerMetrics"]["inputRecords"] == 300, ok["whatIf"]["routerMetrics"]
c = fa["whatIf"]["containers"][0]
assert (c["written"], c["delivered"], c["lost"]) == (200, 100, 100), c
assert c["stages"][0]["stage"].startswith("router output") and c["stages"][0]["lines"] == 100, c
print("audit --what-if carried --secrets-file (300 of 300 delivered) and the baseline's fault rules (100 lost at the output again)")
PY
assert_clean
echo PASS
