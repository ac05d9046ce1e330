#!/usr/bin/env bash
# run --enforce-iam with --tf-plan: the plan's task role policy (s3:PutObject on the logs
# bucket) lets the router deliver; an extra explicit Deny from --task-role-policy makes S3
# answer AccessDenied, the supervisor reports the denied call and nothing is delivered.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
plan=$src/fixtures/terraform/plan-s3.json

burst() { # port marker count
  local ok=0 i
  for i in $(seq 1 "$3"); do
    curl -s -o /dev/null "http://127.0.0.1:$1/?$2-$i" && ok=$((ok + 1))
  done
  [ "$ok" -eq "$3" ] || fail "nginx answered $ok of $3 requests"
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. The plan's own policy allows the router's PutObject.
port=$(free_port)
id=$(fe run --detach --image-map-file "$src/fixtures/image-map.local" --publish "$port:80" \
        --tf-plan "$plan" --enforce-iam 2>"$work/run1.err") \
  || fail "run --tf-plan --enforce-iam did not start: $(tail -5 "$work/run1.err")"
burst "$port" allowed 20
fe stop "$id" >/dev/null || fail "stop failed"
fe logs s3://fargate-firelens-s3-logs >"$work/allowed.jsonl" 2>/dev/null \
  || fail "nothing delivered with the plan's policy"
n=$(grep -c "allowed-" "$work/allowed.jsonl")
[ "$n" -eq 20 ] || fail "$n of 20 records delivered with the plan's policy"
if grep -q "IAM: denied" "$data/tasks/$id.log" 2>/dev/null; then
  fail "a call was denied under the plan's policy: $(grep 'IAM: denied' "$data/tasks/$id.log")"
fi

# 2. An explicit Deny beside it wins, as IAM evaluates it.
cat >"$work/deny.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Sid": "NoLogs", "Effect": "Deny",
  "Action": "s3:PutObject", "Resource": "arn:aws:s3:::fargate-firelens-s3-logs/*"}]}
JSON
port=$(free_port)
id=$(fe run --detach --keep --image-map-file "$src/fixtures/image-map.local" --publish "$port:80" \
        --tf-plan "$plan" --enforce-iam --task-role-policy "$work/deny.json" \
        2>"$work/run2.err") || fail "run with a deny policy did not start: $(tail -5 "$work/run2.err")"
burst "$port" denied 20
fe stop "$id" >/dev/null || fail "stop failed"
grep -q "IAM: denied s3:PutObject on arn:aws:s3:::fargate-firelens-s3-logs/.* (explicit deny)" \
  "$data/tasks/$id.log" || fail "the supervisor log does not report the denied PutObject"
if fe logs s3://fargate-firelens-s3-logs 2>/dev/null | grep -q "denied-"; then
  fail "records were delivered although the task role denies s3:PutObject"
fi

# 3. The execution role: the router's awslogs stream needs logs:CreateLogStream; denying it
# fails the task start with the reason ECS gives.
cat >"$work/deny-logs.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "logs:CreateLogStream",
  "Resource": "*"}]}
JSON
fe run --wait --image-map-file "$src/fixtures/image-map.local" --tf-plan "$plan" --enforce-iam \
   --execution-role-policy "$work/deny-logs.json" >"$work/run3.out" 2>"$work/run3.err" \
  && fail "the task started although its execution role cannot create its log stream"
grep -q "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/fargate-firelens-s3-execution/[0-9a-f]* is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/fargate-firelens-s3:log-stream:firelens/log_router/[0-9a-f]* with an explicit deny in an identity-based policy : exit status 1" \
  "$work/run3.out" "$work/run3.err" \
  || fail "no ECS-worded AccessDenied for the awslogs stream: $(tail -5 "$work/run3.err")"

# 4. Usage errors name what is missing.
fe run --enforce-iam "$src/fixtures/seed/task-s3-full.json" 2>"$work/usage.err" && fail "accepted"
grep -q -- "--enforce-iam needs the task role's policies" "$work/usage.err" \
  || fail "no clear usage error: $(cat "$work/usage.err")"
rm -rf "$data/tasks/$id"
assert_clean
echo "PASS"
