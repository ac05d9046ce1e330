#!/usr/bin/env bash
# The audit's Mem_Buf_Limit case with emu-router (issue 12): a router with memoryReservation 6
# gets ECS's generated `Mem_Buf_Limit 3MB`; a running container bursts 100,000 lines of 100
# bytes (about 10 MB) into it through Docker's fluentd driver (fluentd-async=true) and stays
# up. emu-router pauses its forward input at the limit (it logs Fluent Bit's "paused (mem buf
# overlimit)") instead of resetting connections, so the driver waits and nothing is lost: the
# audit counts every line delivered and exits 0. (Fluent Bit resets at the limit: that case is
# e2e_run_audit_reset.sh, against a fake router that resets as Fluent Bit does.)
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
n=${AUDIT_BP_N:-30000}
python3 - "$work/bp.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
pad = "x" * 80
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", "seq 1 %d | sed 's/^/bp-%s-/'; sleep 8" % (n, pad)],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": {
           "Name": "s3", "region": "us-east-1", "bucket": "au-bp", "total_file_size": "1M",
           "upload_timeout": "2s", "use_put_object": "On"}}}
td = {"family": "au-bp", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 6, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(path, "w"))
PY
fe render "$work/bp.json" | grep -q "Mem_Buf_Limit 3MB" || fail "generated Mem_Buf_Limit: $(fe render "$work/bp.json")"
fe run --audit --no-validate --image-map-file "$src/fixtures/image-map.local" "$work/bp.json" \
  >"$work/bp.out" 2>"$work/bp.err"
rc=$?
[ "$rc" = 0 ] || fail "run --audit exited $rc: $(cat "$work/bp.out" "$work/bp.err")"
id=$(sed -n 's/^Delivery audit of task \([0-9a-f]*\).*/\1/p' "$work/bp.out")
# Every line arrived: matched to the output copy, or (when Docker's dual-logging cache, a
# non-blocking ring buffer, dropped some of the burst) arrived as records the copy lacks, which
# the audit then notes.
fe audit --json "$id" >"$work/bp.json" || fail "audit --json: $(cat "$work/bp.json")"
python3 - "$work/bp.json" "$n" <<'PY' || fail "audit: $(cat "$work/bp.out")"
import json, sys
c = json.load(open(sys.argv[1]))["containers"][0]
n = int(sys.argv[2])
assert c["lost"] == 0 and c["duplicated"] == 0 and c["delivered"] == c["written"], c
assert c["delivered"] + c["unexpected"] == n, c
assert (c["unexpected"] > 0) == ("writtenNote" in c), c
print("audit: %d delivered, %d more not in Docker's copy" % (c["delivered"], c["unexpected"]))
PY
pauses=$(grep -c "paused (mem buf overlimit" "$data/tasks/$id.out/log_router.log")
[ "$pauses" -ge 1 ] || fail "the router never reached its Mem_Buf_Limit: $(tail -20 "$data/tasks/$id.out/log_router.log")"
assert_clean
echo "ok: $n lines through Mem_Buf_Limit 3MB, the input paused $pauses times, all delivered"
