#!/usr/bin/env bash
# The task role's credentials are replaced before they expire, as the agent refreshes them:
# with an 8 s lifetime (FARGATE_EMU_CREDENTIALS_SECONDS, a test knob; 6 h by default) the
# credentials endpoint serves new keys after 4 s, each with its own later Expiration, and the
# earlier keys stay valid until theirs.
. "$(dirname "$0")/lib.sh"
cat >"$work/td.json" <<JSON
{"family": "creds", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "taskRoleArn": "arn:aws:iam::123456789012:role/app",
 "containerDefinitions": [
  {"name": "app", "image": "$BUSYBOX", "stopTimeout": 2,
   "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]}
 ]}
JSON
id=$(FARGATE_EMU_CREDENTIALS_SECONDS=8 fe run --detach "$work/td.json") || fail "run"
c=$(cname "$id" app)
creds() {
  dk exec "$c" sh -c 'printf "GET %s HTTP/1.0\r\n\r\n" "$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" |
    nc -w 5 169.254.170.2 80' | sed '1,/^\r$/d'
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
first=$(creds)
k1=$(echo "$first" | field AccessKeyId)
e1=$(echo "$first" | field Expiration)
[ -n "$k1" ] || fail "no credentials: $first"
sleep 5
second=$(creds)
k2=$(echo "$second" | field AccessKeyId)
e2=$(echo "$second" | field Expiration)
[ "$k1" != "$k2" ] || fail "the same keys after half their lifetime: $k1 (expires $e1)"
[[ "$e2" > "$e1" ]] || fail "the new keys do not expire later: $e1 then $e2"
fe stop "$id" >/dev/null || fail "stop"
FARGATE_EMU_CREDENTIALS_SECONDS=1 fe run "$work/td.json" 2>"$work/bad.err" && fail "accepted 1 s"
grep -q "FARGATE_EMU_CREDENTIALS_SECONDS=1: expected 2-43200 seconds" "$work/bad.err" \
  || fail "no clear error: $(cat "$work/bad.err")"
assert_clean
echo "PASS: $k1 (expires $e1) replaced by $k2 (expires $e2)"
