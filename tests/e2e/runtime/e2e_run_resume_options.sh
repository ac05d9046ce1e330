#!/usr/bin/env bash
# `fargate-emu resume` keeps what shaped the endpoints (issue 10): a task run with a counted
# --fault rule and a fixed --fault-seed, a rule added live with `fault --task`, and
# --enforce-iam with a --task-role-policy file has its supervisor SIGKILLed and resumed; the
# rule's remaining count, the seed, the live rule and the IAM decisions are the same after the
# resume (the policy file is deleted first, so they come from <id>.resume.json). Its awslogs
# container writes lines across the kill: the CloudWatch Logs stream and the audit output copy
# (<id>.out/app.log) hold each line exactly once, also after a second kill and a resume with
# `--s3-max-bytes 1M` (a 2 MiB PutObject then gets InternalError, a small one passes). The
# host's calls use boto3 against the task's S3 endpoint with the long-term keys, which
# --enforce-iam evaluates as the task role.
. "$(dirname "$0")/lib.sh"
ep() { python3 -c "import json; e=json.load(open('$data/tasks/$id.json'))['endpoints']; print('http://%s:%d' % (e['gateway'], e['s3Port']))"; }
sup() { python3 -c "import json; print(json.load(open('$data/tasks/$id.json'))['supervisorPid'])"; }
# Calls to the task's S3 endpoint with boto3 (no retries), each with the outcome it must have:
# "ok" or the AWS error code. Arguments: endpoint, then op:bucket:key:expected...
calls() {
  /usr/bin/python3 - "$@" <<'PY'
import sys, boto3, botocore.config, botocore.exceptions
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                  config=botocore.config.Config(retries={"total_max_attempts": 1}))
bad = []
for call in sys.argv[2:]:
    op, bucket, key, want = call.split(":")
    kw = {"Bucket": bucket}
    if key:
        kw["Key"] = key
    if op == "put_big": # 2 MiB
        op, kw["Body"] = "put_object", b"y" * (2 << 20)
    elif op == "put_object":
        kw["Body"] = b"x"
    try:
        getattr(s3, op)(**kw)
        got = "ok"
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
    print("%s %s/%s: %s" % (op, bucket, key, got))
    if got != want:
        bad.append("%s %s/%s: %s, expected %s" % (op, bucket, key, got, want))
assert not bad, bad
PY
}
cat >"$work/policy.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:CreateBucket", "s3:ListBucket", "s3:PutObject",
   "s3:GetObject"], "Resource": ["arn:aws:s3:::fe-ro", "arn:aws:s3:::fe-ro/*"]},
  {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::fe-ro/secret/*"}]}
JSON
cat >"$work/td.json" <<JSON
{"family": "fe-resume-opts", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512", "containerDefinitions": [
  {"name": "app", "image": "$BUSYBOX", "essential": true, "stopTimeout": 2,
   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/ro",
     "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs",
     "awslogs-create-group": "true"}},
   "command": ["sh", "-c", "i=0; while [ ! -e /tmp/stop ]; do i=\$((i + 1)); echo line-\$i; if [ \$((i % 20)) = 0 ]; then sleep 0.1; fi; done; echo \$i >/tmp/written; sleep 600"]}]}
JSON
id=$(fe run --detach --no-validate --fault 's3:PutObject:count=4:code=SlowDown' --fault-seed 7 \
        --enforce-iam --task-role-policy "$work/policy.json" "$work/td.json" 2>"$work/run.err") ||
  fail "run did not start: $(tail -5 "$work/run.err")"
wait_status "$id" RUNNING 60

calls "$(ep)" create_bucket:fe-ro::ok put_object:fe-ro:a1:SlowDown put_object:fe-ro:a2:SlowDown \
  get_object:fe-ro:secret/x:AccessDenied delete_bucket:fe-ro::AccessDenied \
  list_objects_v2:fe-ro::ok >"$work/before.txt" 2>&1 || fail "before the kill: $(cat "$work/before.txt")"
fe fault --task "$id" add 'logs:GetLogEvents:count=9:code=ThrottlingException' >/dev/null ||
  fail "fault --task add"
# The first awslogs batch goes out 5 s after the start: the kill comes after it, so the resume
# must start after what was sent rather than from the beginning.
for _ in $(seq 1 100); do
  grep -q '"awslogs":\[{' "$data/tasks/$id.resume.json" 2>/dev/null && break
  sleep 0.1
done
grep -q '"awslogs":\[{' "$data/tasks/$id.resume.json" || fail "no awslogs position kept"
[ "$(stat -c %a "$data/tasks/$id.resume.json")" = 600 ] || fail "resume.json is not 0600"
# The fault engine's state is saved within a second of a change: wait for the live rule.
for _ in $(seq 1 30); do
  grep -q 'GetLogEvents' "$data/tasks/$id.resume.json" && break
  sleep 0.1
done
grep -q 'GetLogEvents' "$data/tasks/$id.resume.json" || fail "the live fault rule was not kept"

kill -9 "$(sup)"
t0=$(date +%s%N)
sleep 2 # the app keeps writing while nothing supervises it
rm "$work/policy.json" # the policies must come from the kept state, not the file
fe resume --detach "$id" >"$work/resume.out" 2>"$work/resume.err" ||
  fail "resume: $(cat "$work/resume.err")"
t1=$(date +%s%N)
grep -q "IAM enforcement restored" "$work/resume.err" "$data/tasks/$id.log" ||
  fail "resume did not restore IAM: $(cat "$work/resume.err")"

# Same rules after the resume: two of the four SlowDowns were spent before, two remain.
calls "$(ep)" put_object:fe-ro:b1:SlowDown put_object:fe-ro:b2:SlowDown put_object:fe-ro:b3:ok \
  get_object:fe-ro:secret/x:AccessDenied delete_bucket:fe-ro::AccessDenied \
  get_object:fe-ro:b3:ok >"$work/after.txt" 2>&1 || fail "after the resume: $(cat "$work/after.txt")"
fe fault --task "$id" --json list >"$work/faults.json" || fail "fault list after resume"
python3 - "$work/faults.json" <<'PY' || fail "fault state after resume: $(cat "$work/faults.json")"
import json, sys
f = json.load(open(sys.argv[1]))
assert f["seed"] == 7, f["seed"]
rules = {r["spec"]: r for r in f["rules"]}
put = rules["s3:PutObject:count=4:code=SlowDown"]
assert put["remaining"] == 0 and put["injected"] == 4 and put["state"] == "spent", put
assert rules["logs:GetLogEvents:count=9:code=ThrottlingException"]["remaining"] == 9
PY

# The resumed supervisor is killed and resumed again: it kept everything in its turn
# (its own awslogs batch first, 5 s after it took over).
pos() { python3 -c "import json; print(json.load(open('$data/tasks/$id.resume.json'))['awslogs'])"; }
first=$(pos)
for _ in $(seq 1 100); do
  [ "$(pos)" != "$first" ] && break
  sleep 0.1
done
[ "$(pos)" != "$first" ] || fail "the resumed supervisor did not record its awslogs delivery"
kill -9 "$(sup)"
sleep 0.5
# This time with a store cap (the task ran without one): a 2 MiB object no longer fits. And
# through --all, which finds the lost task in the data dir by itself (and only it).
fe resume --all --s3-max-bytes 1M >"$work/resume2.out" 2>"$work/resume2.err" ||
  fail "second resume: $(cat "$work/resume2.err")"
[ "$(cat "$work/resume2.out")" = "$id" ] || fail "resume --all printed: $(cat "$work/resume2.out")"
fe resume --all >"$work/resume3.out" 2>"$work/resume3.err" || fail "resume --all with nothing lost"
grep -q "no task of .* lost its supervisor" "$work/resume3.err" || fail "resume --all: $(cat "$work/resume3.err")"
fe resume --all "$id" >/dev/null 2>&1; [ $? -eq 2 ] || fail "resume --all TASK accepted"
python3 -c "import json; assert json.load(open('$data/tasks/$id.json'))['endpoints']['s3MaxBytes'] == 1 << 20" ||
  fail "resume --s3-max-bytes not recorded"
calls "$(ep)" put_object:fe-ro:c1:ok put_big:fe-ro:c2:InternalError \
  get_object:fe-ro:secret/x:AccessDenied \
  delete_bucket:fe-ro::AccessDenied >"$work/after2.txt" 2>&1 ||
  fail "after the second resume: $(cat "$work/after2.txt")"
fe fault --task "$id" --json list | grep -q '"seed":7,' || fail "seed lost at the second resume"
sleep 1 # lines after the resume too
dk exec "$(cname "$id" app)" touch /tmp/stop || fail "cannot stop the writer"
for _ in $(seq 1 100); do
  n=$(dk exec "$(cname "$id" app)" cat /tmp/written 2>/dev/null) && break
  sleep 0.1
done
[ "${n:-0}" -gt 0 ] || fail "the app did not finish writing"
fe stop "$id" >/dev/null || fail "stop" # delivers what awslogs still holds

fe logs "cloudwatch:///ecs/ro/ecs/app/$id" >"$work/cwl.jsonl" 2>"$work/cwl.err" ||
  fail "no CloudWatch Logs events: $(cat "$work/cwl.err")"
count() { # what file
  python3 - "$1" "$2" "$n" <<'PY'
import collections, json, re, sys
what, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = collections.Counter()
for l in open(path):
    m = re.search(r"line-(\d+)$", json.loads(l)["message"] if what == "cloudwatch" else l.rstrip("\n"))
    if m:
        c[int(m.group(1))] += 1
missing = set(range(1, n + 1)) - set(c)
dup = sum(v - 1 for v in c.values())
print("%s: sent %d, delivered %d, %d missing, %d duplicated" % (what, n, len(c), len(missing), dup))
assert not missing and not dup, (sorted(missing)[:5], [k for k, v in c.items() if v > 1][:5])
PY
}
count cloudwatch "$work/cwl.jsonl" || fail "CloudWatch Logs stream"
count output-copy "$data/tasks/$id.out/app.log" || fail "output copy"
echo "resume-options: supervisor down $(( (t1 - t0) / 1000000 )) ms"
assert_clean
echo PASS
