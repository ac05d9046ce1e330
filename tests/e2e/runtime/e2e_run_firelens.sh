#!/usr/bin/env bash
# FireLens end to end through the real dockerd fluentd log driver: the emu-router image as the
# router (file output on a host directory, since the generated config's inputs and
# record_modifier are what is under test), an app writing to stdout and stderr. Checks every
# record's metadata and `source`, the HEALTHY dependency on the `nc 127.0.0.1 8877` check, the
# router stopped last, a Java stack trace, a Go panic and a custom block arriving as one
# record each (multiline filter, config-file-type file), and N lines written vs delivered
# (N = ${FIRELENS_N:-100000}).
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
out=$work/out
mkdir -p "$out"

# The fixture with the output directory and the line count filled in.
taskdef() { # N file
  sed -e "s|/tmp/fe-fl-out|$out|" -e "s|\${N:-10}|$1|" \
      -e "s|\"File\": \"app.jsonl\"|\"File\": \"$2\"|" "$src/fixtures/e2e/firelens-file.json" \
      >"$work/$2.json"
  echo "$work/$2.json"
}

# Replaces the app's shell command of a task definition file.
setcmd() {
  python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["containerDefinitions"][1]["command"] = ["sh", "-c", sys.argv[2]]
json.dump(d, open(sys.argv[1], "w"))
PY
}

# 1. Ten lines on each stream: every record with its metadata and source.
td=$(taskdef 10 small.jsonl)
fe run --wait --no-validate "$td" >"$work/run1.log" 2>&1 || fail "run failed: $(tail -5 "$work/run1.log")"
grep -q "log_router RUNNING (HEALTHY)" "$work/run1.log" || fail "router never HEALTHY"
python3 - "$out/small.jsonl" <<'PY' || fail "records of the small run"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 20, len(recs)
for r in recs:
    for k in ("ecs_cluster", "ecs_task_arn", "ecs_task_definition", "container_id",
              "container_name", "source", "log"):
        assert k in r, (k, r)
    assert r["ecs_task_definition"] == "firelens-file:1", r
    assert len(r["container_id"]) == 64
want = {("stdout", "out-%d" % i) for i in range(1, 11)} | {("stderr", "err-%d" % i) for i in range(1, 11)}
assert {(r["source"], r["log"]) for r in recs} == want
print("small run: 20 records, stdout and stderr, metadata on each")
PY
# The router stopped after the app (stop order, router last).
app_stop=$(grep -n "container app STOPPED" "$work/run1.log" | cut -d: -f1)
rtr_stop=$(grep -n "container log_router STOPPED" "$work/run1.log" | cut -d: -f1)
[ "$app_stop" -lt "$rtr_stop" ] || fail "router stopped before the app"

# 1b. A Java stack trace, a Go panic and a custom block written by the app arrive as one
# record each: the baked /fluent-bit/configs/e2e-multiline.conf (config-file-type file) runs
# the multiline filter with the built-in java and go parsers and its own [MULTILINE_PARSER].
td=$(taskdef 1 ml.jsonl)
python3 - "$td" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["containerDefinitions"][0]["firelensConfiguration"]["options"] = {
    "config-file-type": "file", "config-file-value": "/fluent-bit/configs/e2e-multiline.conf"}
d["containerDefinitions"][1]["command"] = ["sh", "-c",
    "echo before; "
    "printf 'Exception in thread \"main\" java.lang.IllegalStateException: boom\\n"
    "\\tat com.example.App.run(App.java:10)\\n\\tat com.example.App.main(App.java:4)\\n"
    "Caused by: java.lang.NullPointerException\\n\\tat com.example.Dao.get(Dao.java:7)\\n"
    "\\t... 2 more\\n'; sleep 0.3; echo between; sleep 0.3; "
    "printf 'panic: bad\\ngoroutine 1 [running]:\\nmain.main()\\n"
    "\\t/app/main.go:5 +0x1d\\n' >&2; sleep 0.3; echo after; "
    "printf 'BEGIN one\\n  two\\n  three\\n'; echo last; sleep 2"]
json.dump(d, open(sys.argv[1], "w"))
PY
fe run --wait --no-validate "$td" >"$work/runml.log" 2>&1 || fail "multiline run failed: $(tail -5 "$work/runml.log")"
python3 - "$out/ml.jsonl" <<'PY' || fail "multiline records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
logs = [r["log"] for r in recs]
java = ('Exception in thread "main" java.lang.IllegalStateException: boom\n'
        "\tat com.example.App.run(App.java:10)\n\tat com.example.App.main(App.java:4)\n"
        "Caused by: java.lang.NullPointerException\n\tat com.example.Dao.get(Dao.java:7)\n"
        "\t... 2 more")
go = "panic: bad\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d"
block = "BEGIN one\n  two\n  three"
for want in (java, go, block, "before", "between", "after", "last"):
    assert logs.count(want) == 1, (want, logs)
assert len(recs) == 7, logs
for r in recs:
    assert r["container_name"] and len(r["container_id"]) == 64 and "ecs_task_arn" in r, r
src = {r["log"]: r["source"] for r in recs}
assert src[java] == "stdout" and src[go] == "stderr", src
print("multiline run: Java trace, Go panic and a custom block as one record each")
PY

# 2. N lines on stdout, the app stays up; `fargate-emu stop` stops the app (SIGTERM) and then
# the router, which flushes what it holds: every line must arrive.
n=${FIRELENS_N:-100000}
td=$(taskdef "$n" big.jsonl)
setcmd "$td" "seq 1 $n | sed 's/^/line-/'; sleep 600"
id=$(fe run --detach --no-validate "$td") || fail "big run did not start"
# Wait until Docker's driver has handed everything over (the output stops growing).
prev=-1
for _ in $(seq 1 120); do
  sleep 1
  cur=$(wc -l <"$out/big.jsonl" 2>/dev/null || echo 0)
  [ "$cur" -ge "$n" ] && break
  [ "$cur" -eq "$prev" ] && [ "$cur" -gt 0 ] && break
  prev=$cur
done
fe stop "$id" >/dev/null || fail "stop failed"
got=$(wc -l <"$out/big.jsonl")
echo "stop run: $n lines written to stdout, $got delivered, $((n - got)) lost"
[ "$got" -eq "$n" ] || fail "$((n - got)) of $n records lost"

# 3. The same lines, but the app exits right after its last line: ECS's fluentd-async driver
# drops what it still queues when the container exits (spec 9). Measured and reported, not
# hidden; this run does not fail the test.
td=$(taskdef "$n" exit.jsonl)
setcmd "$td" "seq 1 $n | sed 's/^/line-/'"
fe run --wait --no-validate "$td" >"$work/run3.log" 2>&1 || fail "exit-at-once run failed"
got=$(wc -l <"$out/exit.jsonl" 2>/dev/null || echo 0)
echo "exit-at-once run: $n lines written, $got delivered, $((n - got)) lost" \
     "(fluentd-async=true, as ECS sets it)"
assert_clean
echo PASS
