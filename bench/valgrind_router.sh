#!/usr/bin/env bash
# Valgrind memcheck over the non-sanitized emu-router on the host: Docker-shaped Forward records
# (tests/support/fw_send.py, Message mode, as Docker's fluentd driver sends them) into the forward input on a unix
# socket, routed to the s3 output (the seed's s3.conf options: gzip, PutObject) and to the
# cloudwatch_logs output, both against `fargate-emu serve`; then SIGTERM (the Grace drain
# uploads the rest) and memcheck's leak check at exit. Prints the error count, the leak
# figures, the records that arrived, and the wall time; exits 1 on any memcheck error or a
# "definitely lost" byte. Figures: docs/reliability.md, "Valgrind".
# Usage: bench/valgrind_router.sh [path/to/emu-router] [records] [path/to/fargate-emu]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
router=${1:-$here/build/emu/router/emu-router}
count=${2:-20000}
fargate=${3:-$(dirname "$router")/../cli/fargate-emu}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
case $(ldd "$router") in
  *libasan*) echo "$router is an ASan build; memcheck needs one without sanitizers" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The fargate-emu of an ASan build would report its own leaks at exit: not what is measured.
ASAN_OPTIONS=detect_leaks=0 "$fargate" serve --s3 127.0.0.1:0 --logs 127.0.0.1:0 \
  --data-dir "$tmp/data" >"$tmp/ready" 2>"$tmp/serve.log" &
serve_pid=$!
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
read -r s3 logs < <(/usr/bin/python3 -c \
  "import json,sys; j=json.load(open(sys.argv[1])); print(j['s3']['endpoint'], j['logs']['endpoint'])" \
  "$tmp/ready")
/usr/bin/python3 "$here/tests/support/s3_check.py" "$s3" vg-bucket create
cat >"$tmp/vg.conf" <<CONF
[SERVICE]
    Flush 1
    Grace 60
    Log_Level warn

[INPUT]
    Name forward
    unix_path $tmp/fluent.sock

[OUTPUT]
    Name                         s3
    Match                        *
    bucket                       vg-bucket
    region                       us-east-1
    endpoint                     $s3
    store_dir                    $tmp/store
    total_file_size              1M
    upload_timeout               1m
    use_put_object               On
    compression                  gzip
    s3_key_format                /\$TAG[2]/\$TAG[0]/%Y/%m/%d/%H/%M/%S/\$UUID.gz
    s3_key_format_tag_delimiters .-

[OUTPUT]
    Name              cloudwatch_logs
    Match             *
    region            us-east-1
    endpoint          $logs
    log_group_name    vg-group
    log_stream_prefix vg-
    auto_create_group true
CONF
t0=$(date +%s.%N)
AWS_ACCESS_KEY_ID=fargate-emu AWS_SECRET_ACCESS_KEY=fargate-emu-secret \
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite --track-origins=yes --log-file="$tmp/vg.log" \
  "$router" -c "$tmp/vg.conf" -q &
pid=$!
/usr/bin/python3 "$here/tests/support/fw_send.py" "$tmp/fluent.sock" "$count" message \
  "app-firelens-0123456789abcdef0123456789abcdef" 200 2>>"$tmp/send.log"
sleep 2
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
t1=$(date +%s.%N)
s3n=$(/usr/bin/python3 "$here/tests/support/s3_check.py" "$s3" vg-bucket check "$count" \
  '[0-9a-f]{32}/app/\d{4}/\d\d/\d\d/\d\d/\d\d/\d\d/[0-9A-Za-z]{8}\.gz' 2>&1 || true)
cwn=$(ASAN_OPTIONS=detect_leaks=0 "$fargate" logs --count --data-dir "$tmp/data" \
  cloudwatch://vg-group 2>/dev/null || echo "?")
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/vg.log" | tail -1)
lost() { sed -n "s/.*$1: \\([0-9,]*\\) bytes in \\([0-9,]*\\) blocks.*/\\1 bytes in \\2 blocks/p" "$tmp/vg.log" | tail -1; }
definite=$(lost "definitely lost")
echo "valgrind memcheck, emu-router forward -> s3 (gzip) + cloudwatch_logs, $count records:"
echo "  router exit $rc, wall $(echo "$t1 - $t0" | bc) s"
grep -q 'HEAP SUMMARY' "$tmp/vg.log" || { cat "$tmp/vg.log" >&2; echo "no memcheck summary" >&2; exit 1; }
echo "  errors: ${errors:-?}; $(sed -n 's/.*\(in use at exit: .*\)/\1/p' "$tmp/vg.log" | tail -1);" \
  "$(sed -n 's/.*total heap usage: \(.*\)/heap usage: \1/p' "$tmp/vg.log" | tail -1)"
if grep -q 'All heap blocks were freed' "$tmp/vg.log"; then
  echo "  leaks: none (all heap blocks were freed)"
else
  echo "  definitely lost: ${definite:-0}; indirectly lost: $(lost "indirectly lost");" \
    "possibly lost: $(lost "possibly lost"); still reachable: $(lost "still reachable")"
fi
echo "  s3: $s3n; cloudwatch events: $cwn"
if [ "${errors:-1}" != 0 ] || { [ -n "$definite" ] && [ "${definite%% *}" != 0 ]; }; then
  grep -A14 -E 'definitely lost in|Invalid (read|write|free)|uninitialised|Mismatched' \
    "$tmp/vg.log" | head -80
  exit 1
fi
