#!/usr/bin/env bash
# Shared by the runtime e2e scripts: the private dockerd of the e2e fixture, a scratch data dir,
# helpers to run fargate-emu and docker, and the final check that nothing was left behind.
set -u
: "${FARGATE_EMU:?path of the fargate-emu binary}"
: "${EMU_E2E_DOCKER_HOST:?the private dockerd (tests/e2e fixture)}"
if [ -n "${EMU_E2E_DOCKER_DIR:-}" ] && [ -e "$EMU_E2E_DOCKER_DIR.skip" ]; then
  echo "SKIP: $(cat "$EMU_E2E_DOCKER_DIR.skip")"
  exit 77
fi
export DOCKER_HOST=$EMU_E2E_DOCKER_HOST
work=$(mktemp -d /tmp/fe-rt-XXXXXX)
data=$work/data
BUSYBOX=fargate-emu/busybox:local

fe() { "$FARGATE_EMU" "$@" --data-dir "$data"; }
dk() { docker "$@"; }
fail() { echo "FAIL: $*" >&2; dump; exit 1; }
dump() {
  for f in "$data"/tasks/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done >&2
}
# Unix nanoseconds of a container's State.<field> (StartedAt, FinishedAt).
ts_ns() { date -d "$(dk inspect -f "{{.State.$2}}" "$1")" +%s%N; }
# The Docker name of container $2 of task $1.
cname() { echo "fe-$1-$2"; }
# Field of the task's describe --json (jq-free: python3).
desc() {
  fe describe --json "$1" | python3 -c "import json,sys; t=json.load(sys.stdin)['tasks'][0]; $2"
}
wait_status() { # task status timeout_s
  local i
  for i in $(seq 1 $(( $3 * 10 ))); do
    [ "$(desc "$1" "print(t['lastStatus'])")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "task $1 did not reach $2 within $3 s (now $(desc "$1" "print(t['lastStatus'])"))"
}
# Nothing of ours may remain: containers, networks (by label) and task dirs (the containers'
# output copies and the router config snapshot, <id>.out, stay on purpose for audit and report).
assert_clean() {
  local left
  left=$(dk ps -a -q --filter label=fargate-emu.task-id)
  [ -z "$left" ] || fail "containers left behind: $(dk ps -a --filter label=fargate-emu.task-id)"
  left=$(dk network ls -q --filter label=fargate-emu.task-id)
  [ -z "$left" ] || fail "networks left behind: $left"
  left=$(find "$data/tasks" -mindepth 1 -maxdepth 1 -type d ! -name '*.out' 2>/dev/null)
  [ -z "$left" ] || fail "task dirs left behind: $left"
}
cleanup() {
  local id
  for id in $(fe ps 2>/dev/null | awk 'NR>1{print $1}'); do fe stop "$id" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
