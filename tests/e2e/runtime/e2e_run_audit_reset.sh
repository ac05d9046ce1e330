#!/usr/bin/env bash
# The audit's Mem_Buf_Limit case (issue 12): Fluent Bit's forward input resets its connections
# at Mem_Buf_Limit and loses what was sent but not read; emu-router pauses instead, so the case
# is built from a fake router (tests/support/fw_reset_server.py) that resets like Fluent Bit
# and logs its "paused (mem buf overlimit)" warning. A busybox container writes 20,000 lines
# through the real Docker fluentd driver (fluentd-async=true, as ECS sets it) to it and stays
# up (no loss at exit); its output copy, router log and config are laid out as the runtime lays
# them out, and `fargate-emu audit` must find the loss mid-stream and put it at the router
# input, with the memoryReservation advice.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
id=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
out=$data/tasks/$id.out
mkdir -p "$out/.router/fluent-bit/etc" "$data/logs/fake"
stream="$data/logs/fake/from-app-firelens-$id.stream.jsonl"
/usr/bin/python3 "$src/tests/support/fw_reset_server.py" "$work/port" "$stream" "$out/log_router.log" \
  1000 60 &
srv=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
name=fe-$id-app
dk run -d --name "$name" --log-driver fluentd --log-opt "fluentd-address=tcp://127.0.0.1:$port" \
  --log-opt fluentd-async=true --log-opt fluentd-sub-second-precision=true \
  --log-opt "tag=app-firelens-$id" "$BUSYBOX" \
  sh -c 'seq 1 20000 | sed "s/^/reset-line-/"; touch /tmp/done; sleep 600' >/dev/null ||
  fail "docker run"
for _ in $(seq 300); do dk exec "$name" test -e /tmp/done 2>/dev/null && break; sleep 0.1; done
# The driver's queue drains (the container is still up): wait until the fake router has
# received nothing new for 3 s.
last=-1 same=0
for _ in $(seq 100); do
  now=$(wc -l <"$stream")
  if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
  [ $same -ge ${RESET_STABLE:-6} ] && break
  last=$now
  sleep 0.5
done
started=$(ts_ns "$name" StartedAt)
# The output copy as the runtime writes it: "<timestamp> stdout <line>".
dk logs --timestamps "$name" 2>/dev/null | sed 's/^\([^ ]*\) /\1 stdout /' >"$out/app.log"
dk rm -f "$name" >/dev/null
stopped_ms=$(( $(date +%s%N) / 1000000 ))
kill "$srv"; wait "$srv" 2>/dev/null
printf '\n[INPUT]\n    Name forward\n    Mem_Buf_Limit 25MB\n    unix_path /var/run/fluent.sock\n\n[OUTPUT]\n    Name cloudwatch_logs\n    Match app-firelens*\n    log_group_name fake\n    log_stream_prefix from-\n' \
  >"$out/.router/fluent-bit/etc/fluent-bit.conf"
python3 - "$data/tasks" "$id" "$(( started / 1000000 ))" "$stopped_ms" <<'PY'
import json, os, sys
d, tid, started, stopped = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def ctr(name, image):
    return {"name": name, "dockerName": "fe-%s-%s" % (tid, name), "dockerId": "", "image": image,
            "ports": "", "essential": True, "hasHealthCheck": False, "status": "STOPPED",
            "created": True, "desiredStatus": "STOPPED", "healthStatus": "UNKNOWN",
            "exitCode": 0, "reason": "", "createdMs": started, "startedMs": started,
            "stoppedMs": stopped, "stopTimeout": 30}
st = {"id": tid, "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/default/" + tid,
      "cluster": "default", "region": "us-east-1", "family": "reset", "revision": 1,
      "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/reset:1",
      "taskDefinitionPath": "/dev/null", "launchType": "FARGATE", "cpu": "256", "memory": "512",
      "lastStatus": "STOPPED", "desiredStatus": "STOPPED", "stopCode": "UserInitiated",
      "stoppedReason": "Task stopped by user", "createdMs": started, "startedMs": started,
      "stoppingMs": stopped, "stoppedMs": stopped, "supervisorPid": 0, "keep": False,
      "networkName": "", "networkId": "", "pauseName": "", "pauseId": "", "exitCode": 0,
      "containers": [ctr("log_router", "amazon/aws-for-fluent-bit:2.32.0"), ctr("app", "busybox")]}
json.dump(st, open(os.path.join(d, tid + ".json"), "w"))
json.dump({"containers": [
    {"name": "log_router", "router": True, "firelens": False, "memoryReservation": 50, "logOptions": {}},
    {"name": "app", "router": False, "firelens": True, "stopTimeout": 30,
     "logOptions": {"fluentd-async": "true"}}]}, open(os.path.join(d, tid + ".out", ".task.json"), "w"))
PY
resets=$(grep -c "paused (mem buf overlimit)" "$out/log_router.log")
fe audit "$id" >"$work/audit.txt" 2>"$work/audit.err"
rc=$?
cat "$work/audit.txt"
[ "$resets" -ge 1 ] || fail "the fake router reset only $resets times"
python3 - "$work/audit.txt" "$rc" <<'PY' || fail "audit: $(cat "$work/audit.txt" "$work/audit.err")"
import re, sys
text, rc = open(sys.argv[1]).read(), int(sys.argv[2])
m = re.search(r"written (\d+)  filtered 0  delivered (\d+)  lost (\d+)", text)
w, d, l = map(int, m.groups())
assert w == 20000 and d + l == w, (w, d, l)
assert l > 0 and rc == 1, ("no loss seen", l, rc)
st = re.search(r"lost at router input \(connections reset at Mem_Buf_Limit\): (\d+)", text)
assert st and int(st.group(1)) == l, "loss not put at the router input"
assert "memoryReservation of log_router" in text and "backpressure" in text, "advice"
first = int(re.search(r"stdout reset-line-(\d+)", text.split("first lost lines:")[1]).group(1))
assert first < 20000, "the first lost line should be mid-stream"
print("reset: %d written, %d delivered, %d lost (%.2f %%) at the router input" % (w, d, l, 100.0 * l / w))
PY
assert_clean
echo PASS
