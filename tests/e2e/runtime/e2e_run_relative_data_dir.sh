#!/usr/bin/env bash
# A relative --data-dir works: the FireLens bind mounts get absolute host paths (Docker takes a
# relative source for a volume name and refuses it), and the records land in that data dir.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "rel", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "containerDefinitions": [
  {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": true,
   "firelensConfiguration": {"type": "fluentbit"}},
  {"name": "app", "image": "$BUSYBOX", "essential": true,
   "command": ["sh", "-c", "echo relative-data-dir; sleep 1"],
   "logConfiguration": {"logDriver": "awsfirelens",
     "options": {"Name": "s3", "bucket": "rel", "region": "us-east-1"}}}]}
JSON
cd "$work" || fail "cd"
"$FARGATE_EMU" run --wait --data-dir rel-data td.json >run.out 2>run.err \
  || fail "run with a relative --data-dir: $(tail -3 run.err)"
"$FARGATE_EMU" logs --data-dir rel-data s3://rel 2>/dev/null | grep -q relative-data-dir \
  || fail "the record is not in ./rel-data"
data=$work/rel-data
assert_clean
echo "PASS"
