#!/bin/bash
# What-if figures of the delivery audit: RUNS times (default 3) a burst-and-exit task (LINES
# lines, default 100,000, then the container exits at once; emu-router, the local S3, ECS's
# options) is run with `run --audit --json`, then each what-if reruns that task's definition
# with `audit --json --what-if SETTING TASK`; prints, per what-if, the baseline's and the
# what-if's delivered lines and loss, as ratios within each repetition.
# Usage: bench/audit_whatif_bench.sh path/to/fargate-emu [LINES] [RUNS]
# Uses DOCKER_HOST when it answers, else starts a private dockerd (tests/support/dockerd.sh)
# and builds the local images (docker/build-local-images.sh).
set -eu
emu=$(realpath "${1:?usage: audit_whatif_bench.sh FARGATE_EMU [LINES] [RUNS]}")
n=${2:-100000}
runs=${3:-3}
. "$(dirname "$0")/dockerd_env.sh"
/usr/bin/python3 - "$work/burst.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
app = {"name": "app", "image": "fargate-emu/busybox:local", "essential": True,
       "command": ["sh", "-c", "seq 1 %d | sed 's/^/bench-burst-/'" % n],
       "dependsOn": [{"containerName": "log_router", "condition": "START"}],
       "logConfiguration": {"logDriver": "awsfirelens", "options": {
           "Name": "s3", "region": "us-east-1", "bucket": "bench-whatif", "total_file_size": "1M",
           "upload_timeout": "2s", "use_put_object": "On"}}}
td = {"family": "bench-whatif", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
      "cpu": "256", "memory": "512", "containerDefinitions": [
          {"name": "log_router", "image": "fargate-emu/emu-router:local", "essential": True,
           "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"}}, app]}
json.dump(td, open(path, "w"))
PY
whatifs="fluentd-async=false log-driver-buffer-limit=1000 router-memory=200 storage.type=filesystem app-stop-timeout=120"
: >"$work/results"
for r in $(seq 1 "$runs"); do
  "$emu" run --audit --json --no-validate --data-dir "$work/data" "$work/burst.json" \
    >"$work/base.json" 2>"$work/base.err" || true
  base=$(/usr/bin/python3 -c 'import json,sys; print(json.JSONDecoder().raw_decode(open(sys.argv[1]).read())[0]["tasks"][0]["taskArn"].rsplit("/",1)[1])' "$work/base.json")
  for w in $whatifs; do
    "$emu" audit --json --what-if "$w" --data-dir "$work/data" "$base" >"$work/w.json" \
      2>"$work/w.err" || true
    [ -s "$work/w.json" ] || { echo "audit --what-if $w $base failed:" >&2; grep -v '^[-+@]' "$work/w.err" >&2; exit 1; }
    /usr/bin/python3 - "$work/w.json" "$w" "$r" >>"$work/results" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
b, w = j["baseline"]["containers"][0], j["whatIf"]["containers"][0]
print(json.dumps({"run": int(sys.argv[3]), "whatif": sys.argv[2], "b": b, "w": w}))
PY
  done
done
/usr/bin/python3 - "$work/results" "$n" "$runs" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n, runs = int(sys.argv[2]), int(sys.argv[3])
print("burst of %d lines then exit, %d runs; per run: delivered (lost %% of written) as ECS "
      "runs it -> with the what-if" % (n, runs))
for wi in dict.fromkeys(r["whatif"] for r in rows):
    cells = []
    for r in (x for x in rows if x["whatif"] == wi):
        b, w = r["b"], r["w"]
        cells.append("%d (%.1f %%) -> %d (%.1f %%), written %d" % (
            b["delivered"], 100.0 * b["lost"] / max(b["written"], 1), w["delivered"],
            100.0 * w["lost"] / max(w["written"], 1), w["written"]))
    print("%-28s %s" % (wi, "; ".join(cells)))
PY
