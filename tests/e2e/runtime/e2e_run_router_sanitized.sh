#!/usr/bin/env bash
# emu-router under ASan+UBSan+LSan inside the task containers (issue 10, "Valgrind or LSan clean
# on the e2e suite"): fargate-emu/emu-router:asan and fluent-bit-s3:asan, built by
# `docker/build-local-images.sh HOST asan` from this build's emu-router ($EMU_ROUTER_BIN), with
# reports on the router's stderr. lib.sh's check greps every container's output copy
# (<data-dir>/tasks/<id>.out/<name>.log) and fails the test on an AddressSanitizer or
# LeakSanitizer report or a UBSan `runtime error:`. Four tasks at once:
# (0) a canary, in its own data dir: the router with EMU_ROUTER_TEST_LEAK=123 leaks on purpose;
#     its LeakSanitizer report must be found in its output copy by the same grep (so the check
#     can fail, on every run);
# (1) the seed's S3 router image (s3.conf: Grace 30, upload_timeout 1m, awslogs for its own
#     output): a burst, then `stop`: the router flushes on SIGTERM within Grace, exits 0, and
#     every record is in S3 exactly once;
# (2) SIGKILL in the middle of a burst to a router buffering on the filesystem (router-fs:asan)
#     with restartPolicy: restarted in place, it loads its chunk files as backlog, and what it
#     had is delivered (as e2e_run_zeroloss_router.sh, smaller);
# (3) the seed's CloudWatch task: nginx through FireLens to the `cloudwatch` output with the task
#     role's credentials, the router's own output through awslogs.
# Each router must reach its exit path ("[engine] records in"), where LeakSanitizer checks; the
# restarted one's output is in the copy too (the runtime resumes the copy after a restart), once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zeroloss_lib.sh"
rbin=${EMU_ROUTER_BIN:-}
case $(ldd "$rbin" 2>/dev/null) in
  *libasan*) ;;
  *) echo "SKIP: EMU_ROUTER_BIN ($rbin) is not an ASan build of emu-router"; exit 77 ;;
esac
n1=${SAN_N:-6000}
nk=6000
nk2=1000
EMU_ROUTER=$rbin "$zl_src/docker/build-local-images.sh" "$DOCKER_HOST" asan >"$work/images.log" 2>&1 ||
  fail "cannot build the asan images: $(cat "$work/images.log")"
mkdir -p "$work/fs"
sed 's|^FROM .*|FROM fargate-emu/emu-router:asan|' "$zl_src/fixtures/e2e/router-fs/Dockerfile" \
  >"$work/fs/Dockerfile"
cp "$zl_src/fixtures/e2e/router-fs/fluent-bit.conf" "$work/fs/"
DOCKER_BUILDKIT=0 dk build -q -t fargate-emu/router-fs:asan "$work/fs" >"$work/fs.log" 2>&1 ||
  fail "cannot build fargate-emu/router-fs:asan"
imap=$work/image-map.asan
sed -e 's|=fargate-emu/emu-router:local$|=fargate-emu/emu-router:asan|' \
  -e 's|=fargate-emu/fluent-bit-s3:local$|=fargate-emu/fluent-bit-s3:asan|' "$zl_imap" >"$imap"
grep -q 'emu-router:asan' "$imap" || fail "image map: $(cat "$imap")"
fer() { fe run --detach --image-map-file "$imap" "$@"; }
# The router's output copy of task $1 (in data dir $2, default $data).
rlog() { echo "${2:-$data}/tasks/$1.out/log_router.log"; }

# (0) The canary: the app writes a line and exits, the task stops, the router exits and leaks.
zl_taskdef "$work/canary.json" san-canary 'echo zl=1; sleep 1' \
  '{"image": "fargate-emu/emu-router:asan", "environment": [{"name": "EMU_ROUTER_TEST_LEAK", "value": "123"}]}' \
  '{"Name": "null"}'
"$FARGATE_EMU" run --wait --image-map-file "$imap" --data-dir "$work/canary" "$work/canary.json" \
  >"$work/canary.out" 2>&1 &
canary_pid=$!

# (1) The seed's S3 router image, the app's records through it, metadata on.
zl_taskdef "$work/s3.json" san-s3 "$(zl_app "$n1" 100 20000)" \
  '{"image": "fargate-emu/fluent-bit-s3:asan", "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}}, "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/san-s3", "awslogs-region": "us-east-1", "awslogs-create-group": "true", "awslogs-stream-prefix": "firelens"}}}' \
  '{}'
/usr/bin/python3 - "$work/s3.json" <<'PY'
import json, sys
td = json.load(open(sys.argv[1]))
td["executionRoleArn"] = "arn:aws:iam::123456789012:role/san-s3-execution"
json.dump(td, open(sys.argv[1], "w"))
PY
# (2) Wait for /tmp/start, burst 1, wait for /tmp/go, burst 2 (e2e_run_zeroloss_router.sh's app,
# smaller).
appk="trap 'exit 0' TERM; while [ ! -e /tmp/start ]; do usleep 100000; done; i=1; while [ \$i -le $nk ]; do echo \"zl=\$i\"; \
[ \$((i % 100)) -eq 0 ] && usleep 50000; i=\$((i+1)); done; \
touch /tmp/half; while [ ! -e /tmp/go ]; do usleep 100000; done; \
while [ \$i -le $((nk + nk2)) ]; do echo \"zl=\$i\"; i=\$((i+1)); done; touch /tmp/written; sleep 600 & wait"
zl_taskdef "$work/kill.json" san-kill "$appk" \
  '{"image": "fargate-emu/router-fs:asan", "restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}}' '{}'
k=$(fer --restart-attempt-period 2 "$work/kill.json") || fail "SIGKILL task did not start"
s=$(fer "$work/s3.json") || fail "S3 task did not start"
# (3) The seed's CloudWatch task as it is, its images mapped to the asan ones.
c=$(fer "$zl_src/fixtures/seed/firelens-example-cloudwatch.json") ||
  fail "CloudWatch task did not start"
wait_status "$k" RUNNING 60
wait_status "$s" RUNNING 60
wait_status "$c" RUNNING 60

# (2) SIGKILL in the middle of burst 1 (100 lines every 50 ms: 3 s).
dk exec "$(cname "$k" app)" touch /tmp/start || fail "cannot start burst 1"
sleep 1.2
dk exec "$(cname "$k" app)" test -e /tmp/half 2>/dev/null && fail "burst 1 ended before SIGKILL"
dk kill -s KILL "$(cname "$k" log_router)" >/dev/null || fail "SIGKILL to the router"
rcount() { desc "$k" "print([c.get('restartCount', 0) for c in t['containers'] if c['name'] == 'log_router'][0])"; }
for _ in $(seq 1 100); do [ "$(rcount)" = 1 ] && break; sleep 0.1; done
[ "$(rcount)" = 1 ] || fail "the router was not restarted (restartCount $(rcount))"
echo "router SIGKILL: restarted (restartCount 1)"

# (3) 20 requests to nginx from inside its container (busybox wget; no published port, so no
# dependence on the host's iptables), to the cloudwatch output.
for i in $(seq 1 20); do
  dk exec "$(cname "$c" app)" wget -q -O /dev/null "http://127.0.0.1/?san=$i" ||
    fail "nginx did not answer request $i"
done

# (1) The burst ends, then stop: the router flushes on SIGTERM.
zl_wait_written "$s" 60
t0=$(date +%s%N)
fe stop "$s" >/dev/null || fail "stop $s"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
code=$(desc "$s" "print([c.get('exitCode') for c in t['containers'] if c['name'] == 'log_router'][0])")
echo "S3 task: stopped in $ms ms, router exit code $code (Grace 30 s)"
[ "$code" = 0 ] || fail "the sanitized router exited with $code: $(tail -40 "$(rlog "$s")")"
[ "$ms" -lt 30000 ] || fail "stop took $ms ms, more than the router's Grace"
fe logs s3://fargate-firelens-s3-logs 2>/dev/null | zl_count "asan router, seed S3, stop" "$n1" --exact ||
  fail "records lost or duplicated through the sanitized router"

# (2) Burst 2 after the restart, then stop.
for _ in $(seq 1 150); do dk exec "$(cname "$k" app)" test -e /tmp/half 2>/dev/null && break; sleep 0.2; done
dk exec "$(cname "$k" app)" touch /tmp/go || fail "cannot start the second burst"
zl_wait_written "$k" 30
sleep 2
fe stop "$k" >/dev/null || fail "stop $k"
fe logs s3://zl-router-fs 2>/dev/null |
  zl_count "asan router, SIGKILL, storage.path, restarted" "$((nk + nk2))" --max-lost 500 ||
  fail "records lost across the SIGKILL and restart"
grep -E 'chunk files in the backlog' "$(rlog "$k")" ||
  fail "the restarted router loaded no backlog: $(tail -20 "$(rlog "$k")")"

# (3) Stop, then the 20 records in CloudWatch.
fe stop "$c" >/dev/null || fail "stop $c"
n=$(fe logs "cloudwatch://fluent-bit-cloudwatch/from-fluent-bit-nginxapp-firelens-$c" 2>/dev/null |
  grep -c 'GET /?san=[0-9]* ')
echo "CloudWatch task: $n of 20 requests' access log lines"
[ "$n" = 20 ] || fail "the sanitized router delivered $n of 20 access log lines to CloudWatch"

# Every router went through its exit path, where LeakSanitizer runs (the restarted one of (2)
# included: its copy has two starts).
for id in "$s" "$k" "$c"; do
  grep -q 'records in [0-9]' "$(rlog "$id")" ||
    fail "router of $id did not reach its exit: $(tail -20 "$(rlog "$id")")"
done
[ "$(grep -c 'engine\] started' "$(rlog "$k")")" = 2 ] ||
  fail "the output copy of $k lacks the restarted router: $(grep engine "$(rlog "$k")")"
dups=$(sort "$(rlog "$k")" | uniq -d | head -3)
[ -z "$dups" ] || fail "lines copied twice across the restart: $dups"

# (0) The canary's report is found by the grep of lib.sh's check.
wait "$canary_pid" || true
out=$(san_grep "$work/canary/tasks/"*.out/*.log)
echo "$out" | grep -q 'ERROR: LeakSanitizer: detected memory leaks' &&
  echo "$out" | grep -q 'test_leak' ||
  fail "the canary's leak was not found in its output copy: $(cat "$work/canary.out"; tail -30 "$work/canary/tasks/"*.out/log_router.log)"
echo "canary: LeakSanitizer report found in the router's output copy"
assert_clean
echo PASS
