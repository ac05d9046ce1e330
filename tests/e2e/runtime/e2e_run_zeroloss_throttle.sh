#!/usr/bin/env bash
# Zero-loss under throttling (issue 10): the seed's S3 task (fluent-bit-s3 router, its baked
# s3.conf) with 30% of PutObject answered 503 SlowDown, and the seed's CloudWatch task with 30%
# of PutLogEvents answered 400 ThrottlingException, both through `run --fault` with a fixed
# --fault-seed (15: the first PutObject fails, its retry passes; 14: the first PutLogEvents fails);
# N nginx requests each, then `fargate-emu stop`: every request's access line
# arrives exactly once, and the summary the supervisor logs shows faults were injected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zeroloss_lib.sh"
n=${ZL_N:-1500}
fer() { fe run --detach --image-map-file "$zl_imap" "$@"; }
p1=$(zl_port); p2=$(zl_port)
s3=$(fer --publish "$p1:80" --fault 's3:PutObject:rate=0.3:status=503:code=SlowDown' \
       --fault-seed "${ZL_SEED_S3:-15}" "$zl_src/fixtures/seed/task-s3-full.json") ||
  fail "seed S3 task did not start"
cwl=$(fer --publish "$p2:80" --fault 'logs:PutLogEvents:rate=0.3:code=ThrottlingException' \
        --fault-seed "${ZL_SEED_CWL:-14}" "$zl_src/fixtures/seed/firelens-example-cloudwatch.json") ||
  fail "seed CloudWatch task did not start"
wait_status "$s3" RUNNING 60
wait_status "$cwl" RUNNING 60
# The control socket of a run: --task names it; without it, two running tasks are ambiguous.
fe fault --task "$s3" list | grep -q 'SlowDown' || fail "fault list --task does not show the rule"
out=$(fe fault --task "$cwl" add 'logs:DescribeLogGroups:count=1') || fail "fault add --task"
[ "$out" = "fault 2 added: logs:DescribeLogGroups:count=1" ] || fail "fault add said: $out"
fe fault --task "$cwl" remove 2 >/dev/null || fail "fault remove --task"
fe fault list >"$work/ambiguous.txt" 2>&1 && fail "fault list without --task picked one of two tasks"
grep -q "name one with --task ID" "$work/ambiguous.txt" || fail "no hint: $(cat "$work/ambiguous.txt")"
# A bad spec is a usage error before anything starts.
fe run --detach --fault 's3:PutObjet:rate=0.3' "$zl_src/fixtures/seed/task-s3-full.json" \
  >/dev/null 2>"$work/bad.txt"
[ $? = 2 ] && grep -q "PutObjet" "$work/bad.txt" || fail "bad --fault: $(cat "$work/bad.txt")"
start=$(date +%s%N)
zl_http "$p1" 1 "$n" & h1=$!
zl_http "$p2" 1 "$n" & h2=$!
wait "$h1" || fail "requests to the S3 task"
wait "$h2" || fail "requests to the CloudWatch task"
echo "throttle: $n requests to each task in $(( ($(date +%s%N) - start) / 1000000 )) ms"
sleep 4 # the CloudWatch router flushes every second; let a few throttled batches retry
t0=$(date +%s%N)
fe stop "$s3" >/dev/null || fail "stop $s3"
fe stop "$cwl" >/dev/null || fail "stop $cwl"
echo "throttle: both tasks stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fe logs "s3://fargate-firelens-s3-logs/$s3/" 2>/dev/null |
  zl_count "S3 503 SlowDown 30%" "$n" --exact || fail "S3 records lost or duplicated"
fe logs "cloudwatch://fluent-bit-cloudwatch/from-fluent-bit-nginxapp-firelens-$cwl" 2>/dev/null |
  zl_count "CloudWatch ThrottlingException 30%" "$n" --exact ||
  fail "CloudWatch records lost or duplicated"
i1=$(zl_faults "$s3"); i2=$(zl_faults "$cwl")
echo "throttle: faults injected: S3 $i1, CloudWatch Logs $i2"
[ "$i1" -ge 1 ] && [ "$i2" -ge 1 ] || fail "no fault was injected (S3 $i1, CloudWatch $i2)"
assert_clean
echo PASS
