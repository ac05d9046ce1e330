#!/usr/bin/env bash
# Zero-loss scenarios at full size (docs/reliability.md): the e2e scenarios of
# tests/e2e/runtime/e2e_run_zeroloss_*.sh with bigger bursts, plus the two losses that are by
# design (Docker's async fluentd driver dropping its queue at container exit, and beyond
# `log-driver-buffer-limit` while the router does not read). Every row counts records sent,
# delivered and duplicated (tests/e2e/runtime/zeroloss_count.py) and, where it applies, the time
# to recover. Real dockerd, real Docker fluentd driver, emu-router images, local shims.
# Usage: bench/zeroloss_bench.sh [BUILD_DIR] [SCENARIO...]   (BUILD_DIR default build; scenarios:
# s3-503 cwl-throttle s3-down router-term router-kill router-kill-fs async-exit buffer-limit,
# default all; a private dockerd is started when $DOCKER_HOST is unset and the system one is
# unreachable)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
shift || true
scenarios=${*:-s3-503 cwl-throttle s3-down router-term router-kill router-kill-fs async-exit buffer-limit}
export FARGATE_EMU=$build/emu/cli/fargate-emu
[ -x "$FARGATE_EMU" ] || { echo "zeroloss_bench: build $FARGATE_EMU first" >&2; exit 2; }
if [ -z "${DOCKER_HOST:-}" ] && ! docker version >/dev/null 2>&1; then
  sock=$("$repo/tests/support/dockerd.sh" start /tmp/fe-zeroloss-bench-dockerd) || exit 2
  export DOCKER_HOST=unix://$sock
fi
export EMU_E2E_DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
"$repo/docker/build-local-images.sh" "$EMU_E2E_DOCKER_HOST" >/dev/null || exit 2
. "$repo/tests/e2e/runtime/lib.sh"
. "$repo/tests/e2e/runtime/zeroloss_lib.sh"
fer() { fe run --detach --image-map-file "$zl_imap" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rows=()
# row NAME SENT COUNT_OUTPUT RECOVER
row() {
  local d u
  d=$(sed -n 's/.*delivered \([0-9]*\),.*/\1/p' <<<"$3")
  u=$(sed -n 's/.*duplicated \([0-9]*\),.*/\1/p' <<<"$3")
  rows+=("| $1 | $2 | $d | $u | $4 |")
  echo "zeroloss_bench: $1: sent $2, delivered $d, duplicated $u, recover $4"
}
count_s3() { fe logs "s3://$1" 2>/dev/null | zl_count "$2" "$3" || true; }

s3_503() { # the seed S3 task, 10,000 requests, two fault seeds
  local seed id p out
  for seed in 15 22; do
    p=$(zl_port)
    id=$(fer --publish "$p:80" --fault 's3:PutObject:rate=0.3:status=503:code=SlowDown' \
           --fault-seed "$seed" "$zl_src/fixtures/seed/task-s3-full.json") || return 1
    wait_status "$id" RUNNING 60
    zl_http "$p" 1 10000
    sleep 2
    fe stop "$id" >/dev/null
    out=$(fe logs "s3://fargate-firelens-s3-logs/$id/" 2>/dev/null | zl_count s3-503 10000)
    row "seed S3 task, 30% PutObject 503 SlowDown (--fault-seed $seed; $(zl_faults "$id") injected)" 10000 "$out" "-"
  done
}

cwl_throttle() { # the seed CloudWatch task, 10,000 requests, two fault seeds
  local seed id p out
  for seed in 14 8; do
    p=$(zl_port)
    id=$(fer --publish "$p:80" --fault 'logs:PutLogEvents:rate=0.3:code=ThrottlingException' \
           --fault-seed "$seed" "$zl_src/fixtures/seed/firelens-example-cloudwatch.json") || return 1
    wait_status "$id" RUNNING 60
    zl_http "$p" 1 10000
    sleep 5
    fe stop "$id" >/dev/null
    out=$(fe logs "cloudwatch://fluent-bit-cloudwatch/from-fluent-bit-nginxapp-firelens-$id" 2>/dev/null |
            zl_count cwl 10000)
    row "seed CloudWatch task, 30% PutLogEvents ThrottlingException (--fault-seed $seed; $(zl_faults "$id") injected)" 10000 "$out" "-"
  done
}

s3_down() { # 100,000 records while S3 is down for 20 s, no_limits and default Retry_Limit
  local n=100000 app a b t_end got rec out
  app=$(zl_app "$n" 1000 20000)
  zl_taskdef "$work/nl.json" zlb-down-nl "$app" '{}' "$(zl_s3opts zlb-down-nl 10s '"Retry_Limit": "no_limits"')"
  zl_taskdef "$work/df.json" zlb-down-df "$app" '{}' "$(zl_s3opts zlb-down-df 10s)"
  a=$(fer --fault 's3:down=20s' "$work/nl.json") || return 1
  b=$(fer --fault 's3:down=20s' "$work/df.json") || return 1
  wait_status "$a" RUNNING 60
  for _ in $(seq 1 600); do
    fe fault --task "$a" list --json | grep -q '"state":"over"' && break
    sleep 0.1
  done
  t_end=$(now_ms)
  for _ in $(seq 1 1200); do
    got=$(fe logs --count s3://zlb-down-nl 2>/dev/null)
    [ "$got" -ge "$n" ] && break
    sleep 0.1
  done
  rec="$(( $(now_ms) - t_end )) ms after the window"
  fe stop "$a" >/dev/null & fe stop "$b" >/dev/null & wait
  out=$(count_s3 zlb-down-nl down-nl "$n")
  row "S3 down 20 s (connections refused), \`Retry_Limit no_limits\`" "$n" "$out" "$rec"
  out=$(count_s3 zlb-down-df down-df "$n")
  row "S3 down 20 s, Fluent Bit's default \`Retry_Limit 1\` (the seed's s3.conf)" "$n" "$out" "never: given up"
}

router_term() { # SIGTERM to the router 2 s into a 100,000-line burst
  local n=100000 id code t0 ms out
  zl_taskdef "$work/term.json" zlb-term "$(zl_app "$n" 500 50000)" '{}' "$(zl_s3opts zlb-term 10m)"
  id=$(fer "$work/term.json") || return 1
  wait_status "$id" RUNNING 60
  sleep 2
  t0=$(now_ms)
  dk kill -s TERM "$(cname "$id" log_router)" >/dev/null
  code=$(dk wait "$(cname "$id" log_router)")
  ms=$(( $(now_ms) - t0 ))
  wait_status "$id" STOPPED 60
  out=$(fe logs s3://zlb-term 2>/dev/null | zl_count term "$n" --prefix && echo "prefix ok" ||
          echo "NOT a prefix")
  row "router SIGTERM 2 s into the burst (exit $code after $ms ms; delivered = records 1..k: $(tail -1 <<<"$out"))" "$n" "$out" "-"
}

router_kill() { # SIGKILL to a router with restartPolicy 2 s into a 100,000-line burst
  local n=100000 id t0 rc out
  zl_taskdef "$work/kill.json" zlb-kill "$(zl_app "$n" 500 50000)" \
    '{"restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}}' \
    "$(zl_s3opts zlb-kill 10m '"total_file_size": "50M"')"
  id=$(fer --restart-attempt-period 2 "$work/kill.json") || return 1
  wait_status "$id" RUNNING 60
  sleep 3
  t0=$(now_ms)
  dk kill -s KILL "$(cname "$id" log_router)" >/dev/null
  for _ in $(seq 1 100); do
    rc=$(desc "$id" "print([c.get('restartCount', 0) for c in t['containers'] if c['name'] == 'log_router'][0])")
    [ "$rc" = 1 ] && break
    sleep 0.05
  done
  local rec="restarted after $(( $(now_ms) - t0 )) ms"
  zl_wait_written "$id" 120
  sleep 3
  fe stop "$id" >/dev/null
  out=$(count_s3 zlb-kill kill "$n")
  row "router SIGKILL 3 s into the burst, restarted by restartPolicy" "$n" "$out" "$rec"
}

router_kill_fs() { # the same with the router's input on filesystem buffering (storage.path)
  local n=100000 id t0 rc out
  zl_build_fs_image || return 1
  zl_taskdef "$work/killfs.json" zlb-killfs "$(zl_app "$n" 500 50000)" \
    '{"image": "fargate-emu/router-fs:local", "restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}}' '{}'
  id=$(fer --restart-attempt-period 2 "$work/killfs.json") || return 1
  wait_status "$id" RUNNING 60
  sleep 3
  t0=$(now_ms)
  dk kill -s KILL "$(cname "$id" log_router)" >/dev/null
  for _ in $(seq 1 100); do
    rc=$(desc "$id" "print([c.get('restartCount', 0) for c in t['containers'] if c['name'] == 'log_router'][0])")
    [ "$rc" = 1 ] && break
    sleep 0.05
  done
  local rec="restarted after $(( $(now_ms) - t0 )) ms"
  zl_wait_written "$id" 120
  sleep 3
  fe stop "$id" >/dev/null
  out=$(count_s3 zl-router-fs killfs "$n")
  row "router SIGKILL 3 s into the burst, input on \`storage.type filesystem\` (router-fs image), restarted" "$n" "$out" "$rec"
}

async_exit() { # the app writes 200,000 lines and exits at once (essential: the task stops)
  local n=200000 id out
  zl_taskdef "$work/exit.json" zlb-exit "i=1; while [ \$i -le $n ]; do echo \"zl=\$i\"; i=\$((i+1)); done" \
    '{}' "$(zl_s3opts zlb-exit 10m)"
  id=$(fer "$work/exit.json") || return 1
  for _ in $(seq 1 600); do
    [ "$(desc "$id" "print(t['lastStatus'])")" = STOPPED ] && break
    sleep 0.2
  done
  out=$(count_s3 zlb-exit exit "$n")
  row "app writes the burst and exits at once (Docker's async fluentd driver drops its queue)" "$n" "$out" "-"
}

buffer_limit() { # the router frozen (docker pause) while the app writes 100,000 lines
  local n=100000 id out
  zl_taskdef "$work/buf.json" zlb-buf "while [ ! -e /tmp/go ]; do usleep 100000; done; $(zl_app "$n" 100000 1)" \
    '{}' "$(zl_s3opts zlb-buf 10m '"log-driver-buffer-limit": "10000"')"
  id=$(fer "$work/buf.json") || return 1
  wait_status "$id" RUNNING 60
  dk pause "$(cname "$id" log_router)" >/dev/null
  dk exec "$(cname "$id" app)" touch /tmp/go
  zl_wait_written "$id" 120
  sleep 2
  dk unpause "$(cname "$id" log_router)" >/dev/null
  sleep 5
  fe stop "$id" >/dev/null
  out=$(count_s3 zlb-buf buf "$n")
  row "router frozen while the app writes, \`log-driver-buffer-limit 10000\`" "$n" "$out" "-"
}

for s in $scenarios; do
  case $s in
    s3-503) s3_503 ;; cwl-throttle) cwl_throttle ;; s3-down) s3_down ;;
    router-term) router_term ;; router-kill) router_kill ;; router-kill-fs) router_kill_fs ;;
    async-exit) async_exit ;;
    buffer-limit) buffer_limit ;;
    *) echo "zeroloss_bench: unknown scenario $s" >&2; exit 2 ;;
  esac
done
echo
echo "| scenario | records sent | delivered | duplicated | time to recover |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
