#!/usr/bin/env bash
# `fargate-emu report` after a real run (issue 11): the seed's S3 task with the local image
# map, N requests to nginx, then `report` while it runs (containers' output read from Docker
# when the runtime kept no copy) and `report --last --json` after `stop`: the S3 destination
# holds the N marked records (checked against `fargate-emu logs`), latency samples match
# records, percentiles are ordered, gzip shrank the objects, the cost figures follow from the
# measured rate, and a container's recorded lines equal the records delivered for it.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
n=25
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
marker="report-e2e-$$"
id=$(fe run --detach --image-map-file "$src/fixtures/image-map.local" --publish "$port:80" \
        "$src/fixtures/seed/task-s3-full.json" 2>"$work/run.err") ||
  fail "seed did not start: $(tail -5 "$work/run.err")"
for _ in $(seq 1 100); do # RUNNING is not yet listening: wait for nginx (unmarked requests)
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
ok=0
for i in $(seq 1 $n); do
  curl -s -o /dev/null "http://127.0.0.1:$port/?$marker-$i" && ok=$((ok + 1))
done
[ "$ok" -eq $n ] || fail "nginx answered $ok of $n requests"

# While running: every container's output is known (output file or Docker's logs). The copy
# of the output is written as Docker streams it, so poll until it has caught up.
for try in $(seq 1 50); do
  fe report "$id" --json >"$work/running.json" 2>"$work/err" ||
    fail "report (running): $(cat "$work/err")"
  python3 - "$work/running.json" "$n" "$id" >"$work/running.out" 2>&1 <<'PY' && break
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in r["containers"]}
assert c["nginx"]["recordedFrom"] in ("output-file", "docker-logs"), c["nginx"]
assert c["nginx"]["stdoutLines"] >= int(sys.argv[2]), c["nginx"]
# The runtime's one snapshot of the router config, written when the task started; the s3
# output is in the seed image's own config (the router's -c), loaded from .router.main.
assert r["routerConfig"] == "tasks/%s.out/.router" % sys.argv[3], r["routerConfig"]
assert any(d["config"].startswith("tasks/%s.out/.router/fluent-bit/alt/fluent-bit.conf:" %
           sys.argv[3]) for d in r["destinations"]), r["destinations"]
print("running: nginx wrote %d lines (%s)" % (c["nginx"]["lines"], c["nginx"]["recordedFrom"]))
PY
  [ "$try" -lt 50 ] || fail "running report: $(cat "$work/running.out")"
  sleep 0.2
done
cat "$work/running.out"

sleep 1
fe stop "$id" >/dev/null || fail "stop"
fe logs "s3://fargate-firelens-s3-logs/$id/" >"$work/records.jsonl" 2>/dev/null || fail "no records in S3"
fe report --last --json --tasks 50 --html "$work/report.html" >"$work/report.json" 2>"$work/err" ||
  fail "report --last: $(cat "$work/err")"
grep -q 'id="chart-latency"' "$work/report.html" || fail "no latency chart in the HTML page"
python3 - "$work/report.json" "$work/records.jsonl" "$id" "$n" "$marker" <<'PY' || fail "report"
import json, sys
path, recs_path, tid, n, marker = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
r = json.load(open(path))
recs = [json.loads(l) for l in open(recs_path) if l.strip()]
assert r["task"]["taskId"] == tid and r["task"]["lastStatus"] == "STOPPED", r["task"]
assert r["routerConfig"] == "tasks/%s.out/.router" % tid, r["routerConfig"]
d = [x for x in r["destinations"] if x["name"] == "s3://fargate-firelens-s3-logs"]
assert len(d) == 1, r["destinations"]
d = d[0]
marked = sum(marker in x.get("log", "") for x in recs)
assert marked == n, ("marked records in S3", marked, n)
# Delivered = what `logs` reads for the task, and at least the lines the test caused.
assert d["found"] and d["records"] == len(recs) >= n, (d["records"], len(recs))
assert d["objects"] >= 1 and d["compressed"] and d["storedBytes"] < d["rawBytes"], d
assert d["retries"] == 0 and d["rejectedRecords"] is None, d  # a clean run: journal, no failures
lat = d["latencyMs"]
assert lat["samples"] == d["records"] and d["recordsWithoutTime"] == 0, (lat, d["records"])
assert lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"], lat
assert 0 <= lat["min"] and lat["max"] < 120000, lat
c = {x["name"]: x for x in r["containers"]}
if c["nginx"]["recordedFrom"] == "output-file":  # the runtime's copy (issue 12) is present
    assert c["nginx"]["lines"] == d["records"], (c["nginx"], d["records"])
cost = r["cost"]
m = cost["measured"]
want_bps = d["rawBytes"] / cost["durationSeconds"]
assert abs(m["bytesPerSecond"] - want_bps) < 0.01, (m, want_bps)
gb = m["bytesPerSecond"] * 730 * 3600 * 50 / 2**30
assert abs(cost["monthly"]["gbIngested"] - gb) < 1e-5, (cost["monthly"], gb)
puts = d["objects"] / cost["durationSeconds"] * 730 * 3600 * 50
assert abs(cost["monthly"]["putRequests"] - puts) / puts < 1e-5, (cost["monthly"], puts)
usd = cost["usd"]
assert abs(usd["cloudwatchLogs"]["ingestion"] - gb * 0.5) < 1e-5, usd
assert abs(usd["s3"]["put"] - puts / 1000 * 0.005) < 1e-4, usd
print("report: %d records (%d marked) in %d objects, %d -> %d bytes, latency p50 %d p99 %d ms; "
      "50 tasks: CloudWatch $%.2f, S3 $%.2f a month" % (d["records"], marked, d["objects"],
      d["rawBytes"], d["storedBytes"], lat["p50"], lat["p99"], usd["cloudwatchLogs"]["total"],
      usd["s3"]["total"]))
PY
assert_clean
echo PASS
