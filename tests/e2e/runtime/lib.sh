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
# Sanitizer builds: every report of every fargate-emu process of the test (the detached
# supervisors whose stderr is <id>.log, `serve` in the background, commands run 2>/dev/null)
# goes to a file under $work/san as well as its usual place, and fails the test (san_check).
mkdir -p "$work/san"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:log_path=$work/san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$work/san/ubsan"
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
  san_check
}
# No sanitizer report (AddressSanitizer, LeakSanitizer, UBSan's runtime errors) from any process
# of the test: the log_path files above, the supervisors' <id>.log in case a process ran with
# other options, and the containers' output copies (a sanitized router in a task). Waits (5 s at
# most) for the supervisors to exit first: they check leaks then.
san_reports() {
  local i pid f
  for i in $(seq 50); do
    pid=
    for f in "$data"/tasks/*.json; do
      [ -f "$f" ] || continue
      pid=$(sed -n 's/.*"supervisorPid": *\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
      [ -n "$pid" ] && [ "$pid" -gt 0 ] && kill -0 "$pid" 2>/dev/null && break
      pid=
    done
    [ -z "$pid" ] && break
    sleep 0.1
  done
  for f in "$work"/san/*; do
    [ -s "$f" ] && { echo "== $f"; cat "$f"; }
  done
  san_grep "$data"/tasks/*.log "$data"/tasks/*.out/*.log
}
# Sanitizer reports in files $@: the supervisors' <id>.log, and the containers' output copies
# <id>.out/<name>.log, where a sanitized router's (fargate-emu/emu-router:asan) land.
san_grep() {
  local f re='ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:'
  for f in "$@"; do
    [ -f "$f" ] && grep -qE "$re" "$f" && { echo "== $f"; grep -A40 -E "$re" "$f"; }
  done
}
san_check() {
  local out
  out=$(san_reports)
  [ -z "$out" ] || { echo "$out" >&2; fail "sanitizer report(s) above"; }
}
cleanup() {
  local rc=$? id out
  for id in $(fe ps 2>/dev/null | awk 'NR>1{print $1}'); do fe stop "$id" >/dev/null 2>&1; done
  out=$(san_reports)
  if [ -n "$out" ]; then
    echo "$out" >&2
    echo "FAIL: sanitizer report(s) above" >&2
    [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] && rc=1
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
