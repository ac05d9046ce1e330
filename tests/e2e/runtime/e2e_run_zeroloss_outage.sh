#!/usr/bin/env bash
# Zero-loss across an S3 outage (issue 10): two emu-router tasks with the seed's s3.conf output
# (total_file_size 1M, PutObject, gzip, the seed's key format) write the same burst while the
# task's S3 endpoint is down for its first 20 s (`run --fault s3:down=20s`: connections
# refused). With `Retry_Limit no_limits` every record arrives exactly once after the window,
# and the time from the window's end to the last burst record in S3 is printed; with Fluent
# Bit's default Retry_Limit 1 an upload gets 2 tries a second apart, so the files of the burst
# are given up (quarantined in store_dir): that loss is measured and printed, by design.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zeroloss_lib.sh"
n=${ZL_N:-20000}
app=$(zl_app "$n" 1000 20000)
zl_taskdef "$work/nolimit.json" zl-outage-nolimit "$app" '{}' \
  "$(zl_s3opts zl-outage-nolimit 10s '"Retry_Limit": "no_limits"')"
zl_taskdef "$work/default.json" zl-outage-default "$app" '{}' "$(zl_s3opts zl-outage-default 10s)"
fer() { fe run --detach --image-map-file "$zl_imap" --fault 's3:down=20s' "$@"; }
a=$(fer "$work/nolimit.json") || fail "no_limits task did not start"
b=$(fer "$work/default.json") || fail "default task did not start"
t_start=$(date +%s%N)
wait_status "$a" RUNNING 60
wait_status "$b" RUNNING 60
zl_wait_written "$a" 30
zl_wait_written "$b" 30
state() { fe fault --task "$1" list --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"][0]["state"])'; }
[ "$(state "$a")" = down ] || fail "the S3 endpoint of $a is not down while the app writes"
for _ in $(seq 1 300); do [ "$(state "$a")" = over ] && break; sleep 0.1; done
[ "$(state "$a")" = over ] || fail "the outage did not end"
t_end=$(date +%s%N)
echo "outage: the window ended $(( (t_end - t_start) / 1000000 )) ms after the tasks started"
got=0
for _ in $(seq 1 400); do
  got=$(fe logs --count s3://zl-outage-nolimit 2>/dev/null)
  [ "$got" -ge "$n" ] && break
  sleep 0.1
done
echo "outage: no_limits: $got of $n records in S3 $(( ($(date +%s%N) - t_end) / 1000000 )) ms after the 20 s window ended"
t0=$(date +%s%N)
fe stop "$a" >/dev/null & s1=$!
fe stop "$b" >/dev/null & s2=$!
wait "$s1" || fail "stop $a"
wait "$s2" || fail "stop $b"
echo "outage: both tasks stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fe logs s3://zl-outage-nolimit 2>/dev/null |
  zl_count "S3 down 20 s, Retry_Limit no_limits" "$n" --exact || fail "records lost with no_limits"
fe logs s3://zl-outage-default 2>/dev/null |
  zl_count "S3 down 20 s, default Retry_Limit 1" "$n" || fail "duplicates with the default"
assert_clean
echo PASS
