#!/usr/bin/env bash
# The delivery audit end to end (issue 12): real dockerd, Docker's fluentd driver with ECS's
# options (fluentd-async=true), the emu-router image, the local S3. Four `run --audit` tasks at
# once: a burst of 100,000 lines from a container that exits at once (loss attributed to the
# log driver at exit, exit 1), a steady writer (clean, exit 0), include/exclude-pattern (the
# excluded lines are "filtered", not lost) and an S3 output whose uploads fail until Retry_Limit
# is used up (loss attributed to the router's output). Then `audit --last --json`.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local
n=${AUDIT_BURST_N:-100000}

# Task definition $1.json: family $1, app awsfirelens options $2 (JSON), app shell command $3.
taskdef() {
  python3 - "$work/$1.json" "$1" "$2" "$3" <<'PY'
import json, sys
path, fam, aopts, cmd = sys.argv[1:]
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", cmd], "dependsOn": [{"containerName": "log_router",
       "condition": "START"}], "logConfiguration": {"logDriver": "awsfirelens",
       "options": json.loads(aopts)}}
td = {"family": fam, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(path, "w"))
PY
  echo "$work/$1.json"
}
s3() { echo "\"Name\": \"s3\", \"region\": \"us-east-1\", \"bucket\": \"$1\", \"total_file_size\": \"1M\", \"upload_timeout\": \"2s\", \"use_put_object\": \"On\""; }
audit_run() { # name taskdef: runs in the background, output in $work/name.{out,err,rc}
  (fe run --audit --no-validate --image-map-file "$imap" "$2" >"$work/$1.out" 2>"$work/$1.err"
   echo $? >"$work/$1.rc") &
}

td_burst=$(taskdef au-burst "{$(s3 au-burst)}" "seq 1 $n | sed 's/^/burst-/'")
td_steady=$(taskdef au-steady "{$(s3 au-steady)}" \
  'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo steady-$i; echo steady-err-$i >&2; sleep 0.05; done; sleep 2')
td_filter=$(taskdef au-filter "{$(s3 au-filter), \"include-pattern\": \"^keep\", \"exclude-pattern\": \"drop\"}" \
  'for i in $(seq 1 30); do echo keep-$i; echo keep-drop-$i; echo other-$i; done; sleep 3')
# An invalid bucket name: the local S3 refuses every PutObject, the s3 output retries once
# (retry_limit 1) and gives the buffer up.
td_fail=$(taskdef au-fail "{$(s3 Au-Fail), \"retry_limit\": \"1\"}" \
  'for i in $(seq 1 200); do echo fail-$i; done; sleep 8')
start=$(date +%s)
audit_run burst "$td_burst"
audit_run steady "$td_steady"
audit_run filter "$td_filter"
audit_run fail "$td_fail"
wait
echo "four audited runs in $(( $(date +%s) - start )) s"
for t in burst steady filter fail; do
  [ -s "$work/$t.rc" ] || fail "$t: run did not finish: $(cat "$work/$t.err")"
done

# Burst and exit: loss, at the log driver, exit 1.
[ "$(cat "$work/burst.rc")" = 1 ] || fail "burst: run --audit exited $(cat "$work/burst.rc"), want 1"
python3 - "$work/burst.out" "$n" <<'PY' || fail "burst audit: $(cat "$work/burst.out")"
import re, sys
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
m = re.search(r"written (\d+)  filtered 0  delivered (\d+)  lost (\d+)", text)
assert m, "no counts"
w, d, l = map(int, m.groups())
# Docker's dual-logging copy may lack a few lines of a burst (its cache drops under load).
assert 0.9 * n <= w <= n and d + l == w and l > 0, (w, d, l)
st = re.search(r"lost at log driver \(queue discarded when the container exited\): (\d+)", text)
assert st and int(st.group(1)) == l, "loss not attributed to the driver"
assert "first lost lines:" in text and re.search(r"stdout burst-\d+", text), "first lost line"
assert "stopTimeout" in text and "API_ContainerDefinition.html" in text, "recommendation"
print("burst: %d written, %d delivered, %d lost (%.1f %%) at the log driver" % (w, d, l, 100.0 * l / w))
PY

# Steady writer: clean.
[ "$(cat "$work/steady.rc")" = 0 ] || fail "steady: exited $(cat "$work/steady.rc"): $(cat "$work/steady.out")"
grep -q "written 80  filtered 0  delivered 80  lost 0 (0.00 %)  duplicated 0  reordered 0" \
  "$work/steady.out" || fail "steady audit: $(cat "$work/steady.out")"
echo "steady: 80 lines (stdout and stderr) delivered, none lost"

# Grep filters: 30 kept, 60 filtered (include ^keep drops other-*, exclude drop drops keep-drop-*).
[ "$(cat "$work/filter.rc")" = 0 ] || fail "filter: exited $(cat "$work/filter.rc"): $(cat "$work/filter.out")"
grep -q "written 90  filtered 60  delivered 30  lost 0 (0.00 %)" "$work/filter.out" ||
  fail "filter audit: $(cat "$work/filter.out")"
echo "filter: 90 written, 60 filtered by the grep rules, 30 delivered, none lost"

# Output failing beyond its retries: everything lost, at the router's output.
[ "$(cat "$work/fail.rc")" = 1 ] || fail "fail: exited $(cat "$work/fail.rc"): $(cat "$work/fail.out")"
grep -q "lost at router output (retries exhausted or output error): 200" "$work/fail.out" ||
  fail "fail audit: $(cat "$work/fail.out")"
grep -q "Retry_Limit of the output" "$work/fail.out" || fail "no Retry_Limit advice"
echo "fail: 200 lines lost at the router's output (upload failed past retry_limit 1)"

# `audit --last --json` is the task created last; `audit TASK` agrees with `run --audit`.
fe audit --last --json >"$work/last.json"
[ $? -le 1 ] || fail "audit --last: $(cat "$work/last.json")"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); c=j['containers'][0]; \
assert c['name']=='app' and c['written']==c['delivered']+c['lost']+c['filtered'], c" \
  "$work/last.json" || fail "audit --json: $(cat "$work/last.json")"
id=$(sed -n 's/^Delivery audit of task \([0-9a-f]*\).*/\1/p' "$work/steady.out")
fe audit "$id" >"$work/again.txt" || fail "audit $id: $(cat "$work/again.txt")"
grep -q "delivered 80  lost 0" "$work/again.txt" || fail "audit $id differs: $(cat "$work/again.txt")"
[ -f "$data/tasks/$id.out/app.log" ] && [ -f "$data/tasks/$id.out/log_router.log" ] ||
  fail "the output copies were not kept"
assert_clean
echo PASS
