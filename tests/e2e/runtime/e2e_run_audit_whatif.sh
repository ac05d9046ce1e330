#!/usr/bin/env bash
# `--what-if` of the delivery audit (issue 12), real dockerd and Docker's fluentd driver: a burst
# from a container that exits at once, `run --audit --what-if fluentd-async=false` (the baseline
# keeps ECS's fluentd-async=true and loses lines at the driver; the what-if run, with the
# driver synchronous, must deliver more and lose less: the direction is asserted, not numbers),
# then `audit --json --what-if router-memory=100,storage.type=filesystem` on the stored task
# (its rerun gets the changed Mem_Buf_Limit and filesystem buffering; the baseline's config
# snapshot stays ECS's), and the usage errors.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
imap=$src/fixtures/image-map.local
n=${AUDIT_BURST_N:-50000}

python3 - "$work/burst.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", "seq 1 %d | sed 's/^/wi-burst-/'" % n],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": {
           "Name": "s3", "region": "us-east-1", "bucket": "wi-burst", "total_file_size": "1M",
           "upload_timeout": "2s", "use_put_object": "On"}}}
td = {"family": "wi-burst", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(path, "w"))
PY

# Usage: an unknown setting, and --what-if without --audit.
fe run --what-if fluentd-async=false "$work/burst.json" >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q -- "--what-if needs --audit" "$work/err" || fail "run --what-if without --audit: $(cat "$work/err")"
fe run --audit --what-if mem=1 "$work/burst.json" >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q "expected one of router-memory=MiB" "$work/err" || fail "bad --what-if: $(cat "$work/err")"

start=$(date +%s)
fe run --audit --no-validate --image-map-file "$imap" --what-if fluentd-async=false \
  "$work/burst.json" >"$work/run.out" 2>"$work/run.err"
rc=$?
echo "run --audit --what-if: baseline and what-if in $(( $(date +%s) - start )) s"
[ $rc -eq 1 ] || fail "run --audit --what-if exited $rc (want 1: the baseline lost lines): $(tail -5 "$work/run.err")"
python3 - "$work/run.out" "$n" <<'PY' || fail "what-if comparison: $(cat "$work/run.out") stderr: $(cat "$work/run.err")"
import re, sys
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
base, _, cmp_ = text.partition("\nWhat-if fluentd-async=false: task ")
assert cmp_, "no comparison"
m = re.search(r"written (\d+)  filtered 0  delivered (\d+)  lost (\d+)", base)
assert m and int(m.group(1)) == n and int(m.group(3)) > 0, "baseline audit"
def pair(label):
    m = re.search(r"^    %s +(\d+)(?: \([\d.]+ %%\))? +(\d+)" % re.escape(label), cmp_, re.M)
    assert m, label
    return int(m.group(1)), int(m.group(2))
(dw_a, dw_b), (d_a, d_b), (l_a, l_b) = pair("written"), pair("delivered"), pair("lost")
assert dw_a == n and d_a == int(m.group(2)) and l_a == int(m.group(3)), "baseline column"
# The synchronous driver's last lines reach Docker's copy after the follow stream of the
# stopped container ended: the runtime's re-read from the last timestamp keeps them.
assert dw_b == n, ("what-if written", dw_b)
# Direction, not numbers: the synchronous driver delivers more and loses less.
assert d_b > d_a and l_b < l_a, ("what-if", d_a, d_b, l_a, l_b)
st = re.search(r"lost at log driver \(queue discarded when the container exited\)\n +(\d+) +(\d+)",
               cmp_)
assert st and int(st.group(1)) == l_a and int(st.group(2)) < l_a, "stage row"
assert "ECS_ENABLE_FIRELENS_ASYNC" in cmp_, "agent-setting note"
print("what-if fluentd-async=false: delivered %d -> %d, lost %d (%.1f %%) -> %d (%.1f %%)" % (
    d_a, d_b, l_a, 100.0 * l_a / dw_a, l_b, 100.0 * l_b / max(dw_b, 1)))
PY
ids=$(sed -n 's/^What-if fluentd-async=false: task \([0-9a-f]*\) (as ECS runs it) against task \([0-9a-f]*\).*/\1 \2/p' "$work/run.out")
base_id=${ids% *}
alt_id=${ids#* }
[ -n "$base_id" ] && [ "$base_id" != "$alt_id" ] || fail "task IDs: $ids"
# The baseline ran with ECS's options, the what-if with the driver synchronous.
grep -q '"fluentd-async": "true"' "$data/tasks/$base_id.out/.task.json" || fail "baseline not faithful"
grep -q '"fluentd-async": "false"' "$data/tasks/$alt_id.out/.task.json" || fail "what-if not applied"

# audit --what-if on the stored task: router memory and filesystem buffering, JSON.
fe audit --json --what-if router-memory=100,storage.type=filesystem "$base_id" \
  >"$work/audit.json" 2>"$work/audit.err"
rc=$?
[ $rc -eq 1 ] || fail "audit --what-if exited $rc: $(tail -5 "$work/audit.err")"
alt2=$(python3 - "$work/audit.json" "$base_id" <<'PY'
import json, sys
j, base_id = json.load(open(sys.argv[1])), sys.argv[2]
assert j["settings"] == ["router-memory=100", "storage.type=filesystem"], j["settings"]
b, w = j["baseline"], j["whatIf"]
assert b["taskId"] == base_id and w["taskId"] != base_id, (b["taskId"], w["taskId"])
assert b["memBufLimit"] == "25MB" and w["memBufLimit"] == "50MB", (b["memBufLimit"], w["memBufLimit"])
for a in (b, w):
    c = a["containers"][0]
    assert c["name"] == "app" and c["written"] == c["delivered"] + c["lost"], c
assert j["change"]["lost"] == w["lost"] - b["lost"], j["change"]
print(w["taskId"])
PY
) || fail "audit --what-if JSON: $(head -c 2000 "$work/audit.json")"
conf=$data/tasks/$alt2.out/.router/fluent-bit/etc/fluent-bit.conf
grep -q "storage.type filesystem" "$conf" && grep -q "storage.path" "$conf" ||
  fail "what-if router config: $(cat "$conf")"
! grep -q "storage" "$data/tasks/$base_id.out/.router/fluent-bit/etc/fluent-bit.conf" ||
  fail "the baseline's config snapshot changed"
grep -q '"memoryReservation": 100' "$data/tasks/$alt2.taskdef.json" || fail "what-if task definition"
echo "audit --what-if router-memory=100,storage.type=filesystem: Mem_Buf_Limit 25MB -> 50MB, filesystem buffering"
assert_clean
echo PASS
