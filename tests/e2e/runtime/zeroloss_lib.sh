#!/usr/bin/env bash
# Shared by the zero-loss e2e scenarios (e2e_run_zeroloss_*.sh) and bench/zeroloss_bench.sh, after
# lib.sh: free ports, HTTP bursts to a published nginx, task definitions of an emu-router task,
# the fault summary a run logs, and the record counter (zeroloss_count.py).
zl_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
zl_imap=$zl_src/fixtures/image-map.local
zl_count() { /usr/bin/python3 "$zl_src/tests/e2e/runtime/zeroloss_count.py" "$@"; }
zl_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# zl_http PORT FIRST LAST: GET /?zl=i for i in FIRST..LAST on one keep-alive connection.
zl_http() {
  /usr/bin/python3 - "$@" <<'PY'
import http.client, sys, time
port, first, last = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for i in range(first, last + 1):
    for attempt in range(50):
        try:
            c.request("GET", "/?zl=%d" % i)
            r = c.getresponse()
            r.read()
            break
        except (OSError, http.client.HTTPException):
            c.close()
            time.sleep(0.1)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        sys.exit("request %d never answered" % i)
PY
}
# zl_faults ID: the "injected" count of the fault summary task ID's supervisor logged at exit.
zl_faults() {
  sed -n "s/^fargate-emu: faults of task $1: //p" "$data/tasks/$1.log" |
    /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["injected"])'
}
# zl_taskdef FILE FAMILY APP_CMD ROUTER_EXTRA_JSON APP_OPTIONS_JSON: an emu-router + busybox
# task; ROUTER_EXTRA_JSON is merged into the router's container definition (restartPolicy...).
zl_taskdef() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, fam, cmd, rextra, aopts = sys.argv[1:]
router = {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
          "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}
router.update(json.loads(rextra))
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", cmd],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": json.loads(aopts)}}
td = {"family": fam, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [router, app]}
json.dump(td, open(path, "w"))
PY
}
# The seed's s3.conf output (fixtures/seed, docker/fluent-bit-s3) as awsfirelens options for
# bucket $1, with upload_timeout $2 and any extra "key": "value" pairs in $3.
zl_s3opts() {
  echo "{\"Name\": \"s3\", \"bucket\": \"$1\", \"region\": \"us-east-1\", \"total_file_size\": \"1M\",
    \"upload_timeout\": \"$2\", \"use_put_object\": \"On\", \"compression\": \"gzip\",
    \"s3_key_format\": \"/\$TAG[2]/\$TAG[0]/%Y/%m/%d/%H/%M/%S/\$UUID.gz\",
    \"s3_key_format_tag_delimiters\": \".-\"${3:+, $3}}"
}
# zl_app N BATCH PAUSE_US: a shell loop printing zl=1..N, sleeping PAUSE_US after every BATCH
# lines, then touching /tmp/written and sleeping; SIGTERM ends it at once (as an app that handles
# it: a shell as PID 1 would otherwise ignore it and wait for the stopTimeout's SIGKILL).
zl_app() {
  echo "trap 'exit 0' TERM; i=1; while [ \$i -le $1 ]; do echo \"zl=\$i\"; [ \$((i % $2)) -eq 0 ] && usleep $3; i=\$((i+1)); done; touch /tmp/written; sleep 600 & wait"
}
# zl_wait_written TASK TIMEOUT_S: until the app container touched /tmp/written.
zl_wait_written() {
  local i
  for i in $(seq 1 $(( $2 * 5 ))); do
    dk exec "$(cname "$1" app)" test -e /tmp/written 2>/dev/null && return 0
    sleep 0.2
  done
  fail "the app of task $1 did not finish writing within $2 s"
}
# fargate-emu/router-fs:local: emu-router with its own main config whose FireLens forward input
# buffers on the filesystem (fixtures/e2e/router-fs), built FROM fargate-emu/emu-router:local.
zl_build_fs_image() {
  DOCKER_BUILDKIT=0 docker build -q -t fargate-emu/router-fs:local "$zl_src/fixtures/e2e/router-fs" \
    >/dev/null || fail "cannot build fargate-emu/router-fs:local"
}
