#!/usr/bin/env bash
# The seed's CloudWatch task (fixtures/seed/firelens-example-cloudwatch.json) with the local
# image map: nginx's access log goes through FireLens to the router's Go-named `cloudwatch`
# output, authenticated with the task role's credentials from 169.254.170.2 (no static keys in
# its environment), into group fluent-bit-cloudwatch, stream from-fluent-bit-nginx<tag>; the
# router's own output (awslogs) lands in firelens-container/firelens/log_router/<task ID>.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
marker="cw-e2e-$$"
id=$(fe run --detach --image-map-file "$src/fixtures/image-map.local" --publish "$port:80" \
        "$src/fixtures/seed/firelens-example-cloudwatch.json" 2>"$work/run.err") ||
  fail "seed did not start: $(tail -5 "$work/run.err")"
renv=$(dk exec "$(cname "$id" log_router)" env)
echo "$renv" | grep -q '^AWS_ACCESS_KEY_ID=' && fail "static keys in the router: $renv"
echo "$renv" | grep -q '^AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/' ||
  fail "no credentials URI in the router: $renv"
ok=0
for i in $(seq 1 20); do
  curl -s -o /dev/null "http://127.0.0.1:$port/?$marker-$i" && ok=$((ok + 1))
done
[ "$ok" -eq 20 ] || fail "nginx answered $ok of 20 requests"
stream="from-fluent-bit-nginxapp-firelens-$id"
for i in $(seq 1 100); do
  n=$(fe logs --count "cloudwatch://fluent-bit-cloudwatch/$stream" 2>/dev/null)
  [ "${n:-0}" -ge 20 ] && break
  sleep 0.2
done
fe stop "$id" >/dev/null || fail "stop"
fe logs "cloudwatch://fluent-bit-cloudwatch/$stream" >"$work/ev" 2>"$work/streams" ||
  fail "nothing in fluent-bit-cloudwatch: $(tail -20 "$data/tasks/$id.log")"
grep -q "cloudwatch://fluent-bit-cloudwatch/$stream:" "$work/streams" || fail "$(cat "$work/streams")"
python3 - "$work/ev" "$id" "$marker" <<'PY' || fail "events"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
task_id, marker = sys.argv[2], sys.argv[3]
recs = [json.loads(e["message"]) for e in evs]
hits = [r for r in recs if marker in r.get("log", "")]
assert len(hits) == 20, (len(hits), len(recs))
for r in hits:
    assert r["ecs_task_arn"].endswith("/" + task_id) and r["source"] == "stdout", r
PY
n=$(fe logs --count --task "$id" --container app 2>/dev/null)
[ "${n:-0}" -ge 20 ] || fail "logs --task found $n records of app"
fe logs --count "cloudwatch://firelens-container/firelens/log_router/$id" >/dev/null 2>&1 ||
  fail "no router output under firelens-container"
assert_clean
echo "ok: seed CloudWatch task delivered to fluent-bit-cloudwatch/$stream"
