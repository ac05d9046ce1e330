#!/usr/bin/python3
# Real-client tests of the CloudWatch Logs shim: the Debian AWS CLI and boto3 against
# `fargate-emu serve`, every operation, the PutLogEvents limits, the call sequences of Fluent
# Bit's cloudwatch_logs and the Go cloudwatch plugin, `aws logs tail`, and a restart.
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AWS = "/usr/bin/aws"
AK, SK = "fargate-emu", "fargate-emu-secret"
DAY = 86400000


def now_ms():
    return int(time.time() * 1000)


class Server:
    def __init__(self, data_dir, *extra):
        self.proc = subprocess.Popen(
            [EMU, "serve", "--logs", "127.0.0.1:0", "--data-dir", data_dir, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        self.ready = json.loads(line)
        self.endpoint = self.ready["logs"]["endpoint"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=20) == 0


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory() as d:
        s = Server(os.path.join(d, "data"))
        yield s
        s.stop()


def aws(srv, *args, secret=SK, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    r = subprocess.run([AWS, "--endpoint-url", srv.endpoint, "logs", *args],
                       env=env, capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def logs(srv, secret=SK):
    return boto3.client("logs", endpoint_url=srv.endpoint, aws_access_key_id=AK,
                        aws_secret_access_key=secret, region_name="us-east-1",
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def code(exc):
    return exc.value.response["Error"]["Code"]


def test_ready_line_lists_logs(srv):
    assert srv.ready["logs"]["address"] == "127.0.0.1"
    assert "s3" in srv.ready


def test_cli_group_stream_events(srv):
    aws(srv, "create-log-group", "--log-group-name", "/cli/app", "--tags", "team=web")
    dup = aws(srv, "create-log-group", "--log-group-name", "/cli/app", check=False)
    assert dup.returncode != 0 and "ResourceAlreadyExistsException" in dup.stderr
    aws(srv, "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "s1")
    t = now_ms()
    out = json.loads(aws(srv, "put-log-events", "--log-group-name", "/cli/app",
                         "--log-stream-name", "s1", "--log-events",
                         "timestamp=%d,message=hello" % t,
                         "timestamp=%d,message=ERROR boom" % (t + 1)).stdout)
    assert "rejectedLogEventsInfo" not in out
    got = json.loads(aws(srv, "get-log-events", "--log-group-name", "/cli/app",
                         "--log-stream-name", "s1", "--start-from-head").stdout)
    assert [e["message"] for e in got["events"]] == ["hello", "ERROR boom"]
    assert got["nextForwardToken"].startswith("f/")
    flt = json.loads(aws(srv, "filter-log-events", "--log-group-name", "/cli/app",
                         "--filter-pattern", "ERROR").stdout)
    assert [e["message"] for e in flt["events"]] == ["ERROR boom"]
    groups = json.loads(aws(srv, "describe-log-groups", "--log-group-name-prefix",
                            "/cli/").stdout)["logGroups"]
    assert groups[0]["logGroupName"] == "/cli/app"
    assert groups[0]["arn"].endswith(":log-group:/cli/app:*")
    streams = json.loads(aws(srv, "describe-log-streams", "--log-group-name",
                             "/cli/app").stdout)["logStreams"]
    assert streams[0]["logStreamName"] == "s1" and streams[0]["lastEventTimestamp"] == t + 1
    aws(srv, "put-retention-policy", "--log-group-name", "/cli/app", "--retention-in-days", "7")
    bad = aws(srv, "put-retention-policy", "--log-group-name", "/cli/app",
              "--retention-in-days", "2", check=False)
    assert "InvalidParameterException" in bad.stderr
    tags = json.loads(aws(srv, "list-tags-log-group", "--log-group-name", "/cli/app").stdout)
    assert tags["tags"] == {"team": "web"}
    aws(srv, "delete-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "s1")
    aws(srv, "delete-log-group", "--log-group-name", "/cli/app")
    gone = aws(srv, "delete-log-group", "--log-group-name", "/cli/app", check=False)
    assert "ResourceNotFoundException" in gone.stderr


def test_cli_tail(srv):
    helps = subprocess.run([AWS, "logs", "tail", "help"], capture_output=True, text=True)
    if helps.returncode != 0:
        pytest.skip("this AWS CLI has no `logs tail` (v1); tail's FilterLogEvents calls are "
                    "covered by test_tail_calls")
    c = logs(srv)
    c.create_log_group(logGroupName="tail-g")
    c.create_log_stream(logGroupName="tail-g", logStreamName="a")
    c.put_log_events(logGroupName="tail-g", logStreamName="a",
                     logEvents=[{"timestamp": now_ms(), "message": "tail me"}])
    out = aws(srv, "tail", "tail-g", "--since", "1h").stdout
    assert "tail me" in out


def test_tail_calls(srv):
    """What `aws logs tail GROUP --since 1h [--follow]` sends: FilterLogEvents with startTime
    and interleaved, paginated, then polled again from the last timestamp, deduplicated by
    eventId."""
    c = logs(srv)
    c.create_log_group(logGroupName="tail-calls")
    for s in ("a", "b"):
        c.create_log_stream(logGroupName="tail-calls", logStreamName=s)
    t = now_ms() - 1000
    c.put_log_events(logGroupName="tail-calls", logStreamName="a",
                     logEvents=[{"timestamp": t + i * 2, "message": "a%d" % i} for i in range(5)])
    c.put_log_events(logGroupName="tail-calls", logStreamName="b",
                     logEvents=[{"timestamp": t + i * 2 + 1, "message": "b%d" % i}
                                for i in range(5)])
    pages = c.get_paginator("filter_log_events").paginate(
        logGroupName="tail-calls", startTime=t - 3600000, interleaved=True,
        PaginationConfig={"PageSize": 3})
    events = [e for p in pages for e in p["events"]]
    assert [e["message"] for e in events] == ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3",
                                              "a4", "b4"]
    seen = {e["eventId"] for e in events}
    assert len(seen) == 10
    again = c.filter_log_events(logGroupName="tail-calls", startTime=events[-1]["timestamp"])
    assert [e["eventId"] for e in again["events"]] == [events[-1]["eventId"]]


def test_boto3_fluent_bit_sequence(srv):
    """Fluent Bit's cloudwatch_logs (C) and the Go cloudwatch plugin: CreateLogGroup (tolerating
    ResourceAlreadyExistsException), PutRetentionPolicy, CreateLogStream, DescribeLogStreams by
    prefix, PutLogEvents with and without a (now ignored) sequence token."""
    c = logs(srv)
    for _ in range(2):
        try:
            c.create_log_group(logGroupName="fluent-bit-cloudwatch")
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    c.put_retention_policy(logGroupName="fluent-bit-cloudwatch", retentionInDays=14)
    name = "from-fluent-bit-nginx-0123456789abcdef"
    c.create_log_stream(logGroupName="fluent-bit-cloudwatch", logStreamName=name)
    ds = c.describe_log_streams(logGroupName="fluent-bit-cloudwatch",
                                logStreamNamePrefix="from-fluent-bit-nginx")
    assert [s["logStreamName"] for s in ds["logStreams"]] == [name]
    t = now_ms()
    r1 = c.put_log_events(logGroupName="fluent-bit-cloudwatch", logStreamName=name,
                          logEvents=[{"timestamp": t, "message": '{"log":"GET /"}'}])
    r2 = c.put_log_events(logGroupName="fluent-bit-cloudwatch", logStreamName=name,
                          sequenceToken="bogus-token-is-ignored",
                          logEvents=[{"timestamp": t, "message": "second"}])
    assert r1["nextSequenceToken"] != r2["nextSequenceToken"]
    g = c.describe_log_groups(logGroupNamePrefix="fluent-bit")["logGroups"][0]
    assert g["retentionInDays"] == 14


def test_put_limits(srv):
    c = logs(srv)
    c.create_log_group(logGroupName="limits")
    c.create_log_stream(logGroupName="limits", logStreamName="s")
    t = now_ms()
    full = [{"timestamp": t, "message": "x" * 78} for _ in range(10000)]
    assert "rejectedLogEventsInfo" not in c.put_log_events(
        logGroupName="limits", logStreamName="s", logEvents=full)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_log_events(logGroupName="limits", logStreamName="s",
                         logEvents=[{"timestamp": t, "message": "x" * 80}] * 10000)
    assert code(e) == "InvalidParameterException"
    assert "Upload too large: 1060000 bytes exceeds limit of 1048576" in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_log_events(logGroupName="limits", logStreamName="s",
                         logEvents=[{"timestamp": t, "message": "b"},
                                    {"timestamp": t - 1, "message": "a"}])
    assert "chronological order" in str(e.value)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_log_events(logGroupName="limits", logStreamName="s",
                         logEvents=[{"timestamp": t - DAY - 10, "message": "a"},
                                    {"timestamp": t, "message": "b"}])
    assert "cannot span more than 24 hours" in str(e.value)
    r = c.put_log_events(logGroupName="limits", logStreamName="s",
                         logEvents=[{"timestamp": t - 15 * DAY, "message": "old"},
                                    {"timestamp": t, "message": "ok"},
                                    {"timestamp": t + 3 * 3600000, "message": "new"}])
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1,
                                          "tooNewLogEventStartIndex": 2}
    c.put_retention_policy(logGroupName="limits", retentionInDays=1)
    r = c.put_log_events(logGroupName="limits", logStreamName="s",
                         logEvents=[{"timestamp": t - 2 * DAY, "message": "expired"},
                                    {"timestamp": t, "message": "kept"}])
    assert r["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_log_events(logGroupName="limits", logStreamName="nope",
                         logEvents=[{"timestamp": t, "message": "x"}])
    assert code(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."


def test_get_tokens(srv):
    c = logs(srv)
    c.create_log_group(logGroupName="tokens")
    c.create_log_stream(logGroupName="tokens", logStreamName="s")
    t = now_ms() - 100000
    c.put_log_events(logGroupName="tokens", logStreamName="s",
                     logEvents=[{"timestamp": t + i, "message": "m%d" % i} for i in range(25)])
    msgs, token = [], None
    while True:
        kw = {"nextToken": token} if token else {"startFromHead": True}
        r = c.get_log_events(logGroupName="tokens", logStreamName="s", limit=10, **kw)
        if token == r["nextForwardToken"]:
            break
        msgs += [e["message"] for e in r["events"]]
        token = r["nextForwardToken"]
    assert msgs == ["m%d" % i for i in range(25)]
    tail = c.get_log_events(logGroupName="tokens", logStreamName="s", limit=5)
    assert [e["message"] for e in tail["events"]] == ["m%d" % i for i in range(20, 25)]
    back = c.get_log_events(logGroupName="tokens", logStreamName="s", limit=5,
                            nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["m%d" % i for i in range(15, 20)]
    rng = c.get_log_events(logGroupName="tokens", logStreamName="s", startFromHead=True,
                           startTime=t + 3, endTime=t + 6)
    assert [e["message"] for e in rng["events"]] == ["m3", "m4", "m5"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_log_events(logGroupName="tokens", logStreamName="s", nextToken="garbage")
    assert code(e) == "InvalidParameterException"


def test_describe_pagination_order(srv):
    c = logs(srv)
    c.create_log_group(logGroupName="pages")
    t = now_ms()
    for i, name in enumerate(["c", "a", "b", "d", "x-1"]):
        c.create_log_stream(logGroupName="pages", logStreamName=name)
        c.put_log_events(logGroupName="pages", logStreamName=name,
                         logEvents=[{"timestamp": t - 1000 * i, "message": name}])
    names = [s["logStreamName"] for p in c.get_paginator("describe_log_streams").paginate(
        logGroupName="pages", PaginationConfig={"PageSize": 2}) for s in p["logStreams"]]
    assert names == ["a", "b", "c", "d", "x-1"]
    desc = c.describe_log_streams(logGroupName="pages", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in desc] == ["x-1", "d", "c", "b", "a"]
    by_time = c.describe_log_streams(logGroupName="pages", orderBy="LastEventTime",
                                     descending=True)["logStreams"]
    assert [s["logStreamName"] for s in by_time] == ["c", "a", "b", "d", "x-1"]
    pre = c.describe_log_streams(logGroupName="pages", logStreamNamePrefix="x")["logStreams"]
    assert [s["logStreamName"] for s in pre] == ["x-1"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.describe_log_streams(logGroupName="pages", orderBy="LastEventTime",
                               logStreamNamePrefix="x")
    assert code(e) == "InvalidParameterException"
    for i in range(7):
        c.create_log_group(logGroupName="pg/%d" % i)
    groups = [g["logGroupName"] for p in c.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix="pg/", PaginationConfig={"PageSize": 3}) for g in p["logGroups"]]
    assert groups == ["pg/%d" % i for i in range(7)]


def test_filter_options(srv):
    c = logs(srv)
    c.create_log_group(logGroupName="filter")
    t = now_ms() - 10000
    for base, s, msgs in ((0, "web-1", ["GET / 200", "ERROR timeout", "WARN slow"]),
                          (100, "web-2", ["ERROR disk full", "GET /x 404"]),
                          (200, "db", ["ERROR deadlock"])):
        c.create_log_stream(logGroupName="filter", logStreamName=s)
        c.put_log_events(logGroupName="filter", logStreamName=s,
                         logEvents=[{"timestamp": t + base + i, "message": m}
                                    for i, m in enumerate(msgs)])

    def msgs(**kw):
        return [e["message"] for e in c.filter_log_events(logGroupName="filter", **kw)["events"]]
    assert msgs(filterPattern="ERROR") == ["ERROR timeout", "ERROR disk full", "ERROR deadlock"]
    assert msgs(filterPattern="ERROR", logStreamNamePrefix="web") == ["ERROR timeout",
                                                                       "ERROR disk full"]
    assert msgs(logStreamNames=["db"]) == ["ERROR deadlock"]
    assert msgs(filterPattern="?WARN ?404") == ["WARN slow", "GET /x 404"]
    assert msgs(filterPattern='"disk full"') == ["ERROR disk full"]
    assert msgs(startTime=t + 2, endTime=t + 3) == ["WARN slow"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.filter_log_events(logGroupName="filter", filterPattern='{ $.level = "x" }')
    assert code(e) == "InvalidParameterException"


def test_tags_by_arn(srv):
    c = logs(srv)
    c.create_log_group(logGroupName="tagged", tags={"a": "1"})
    arn = c.describe_log_groups(logGroupNamePrefix="tagged")["logGroups"][0]["arn"][:-2]
    c.tag_resource(resourceArn=arn, tags={"b": "2"})
    assert c.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    c.untag_resource(resourceArn=arn, tagKeys=["a"])
    c.tag_log_group(logGroupName="tagged", tags={"c": "3"})
    c.untag_log_group(logGroupName="tagged", tags=["b"])
    assert c.list_tags_log_group(logGroupName="tagged")["tags"] == {"c": "3"}


def test_errors_and_auth(srv):
    c = logs(srv)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_log_stream(logGroupName="no-such-group", logStreamName="s")
    assert code(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs(srv, secret="wrong").describe_log_groups()
    assert code(e) == "InvalidSignatureException"
    bad_key = boto3.client("logs", endpoint_url=srv.endpoint, aws_access_key_id="AKIDNOPE",
                           aws_secret_access_key=SK, region_name="us-east-1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bad_key.describe_log_groups()
    assert code(e) == "UnrecognizedClientException"


def test_restart_keeps_everything(tmp_path):
    data = str(tmp_path / "data")
    s = Server(data)
    c = logs(s)
    c.create_log_group(logGroupName="/durable", tags={"k": "v"})
    c.put_retention_policy(logGroupName="/durable", retentionInDays=30)
    c.create_log_stream(logGroupName="/durable", logStreamName="s/1 x")
    t = now_ms()
    c.put_log_events(logGroupName="/durable", logStreamName="s/1 x",
                     logEvents=[{"timestamp": t, "message": 'line "one"\n'},
                                {"timestamp": t + 1, "message": "line two \u00e9"}])
    s.stop()
    s = Server(data)
    c = logs(s)
    g = c.describe_log_groups()["logGroups"][0]
    assert g["logGroupName"] == "/durable" and g["retentionInDays"] == 30
    assert c.list_tags_log_group(logGroupName="/durable")["tags"] == {"k": "v"}
    ev = c.get_log_events(logGroupName="/durable", logStreamName="s/1 x",
                          startFromHead=True)["events"]
    assert [e["message"] for e in ev] == ['line "one"\n', "line two \u00e9"]
    c.put_log_events(logGroupName="/durable", logStreamName="s/1 x",
                     logEvents=[{"timestamp": t + 2, "message": "three"}])
    assert len(c.get_log_events(logGroupName="/durable", logStreamName="s/1 x",
                                startFromHead=True)["events"]) == 3
    s.stop()


def test_enforce_iam(tmp_path):
    policy = tmp_path / "task-role.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                       "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-*"},
        {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource":
         "arn:aws:logs:us-east-1:123456789012:log-group:fluent-bit-*:log-stream:*"},
        {"Effect": "Deny", "Action": "logs:CreateLogGroup",
         "Resource": "arn:aws:logs:*:*:log-group:fluent-bit-forbidden:*"}]}))
    s = Server(str(tmp_path / "data"), "--enforce-iam", "--task-role-policy", str(policy))
    try:
        assert s.ready["enforce_iam"] is True
        c = logs(s)
        c.create_log_group(logGroupName="fluent-bit-ok")
        c.create_log_stream(logGroupName="fluent-bit-ok", logStreamName="s")
        c.put_log_events(logGroupName="fluent-bit-ok", logStreamName="s",
                         logEvents=[{"timestamp": now_ms(), "message": "allowed"}])
        with pytest.raises(botocore.exceptions.ClientError) as e:
            c.create_log_group(logGroupName="app-logs")
        assert code(e) == "AccessDeniedException"
        assert e.value.response["Error"]["Message"] == (
            "User: arn:aws:sts::123456789012:assumed-role/fargate-emu-task-role/fargate-emu is "
            "not authorized to perform: logs:CreateLogGroup on resource: "
            "arn:aws:logs:us-east-1:123456789012:log-group:app-logs:* because no "
            "identity-based policy allows the logs:CreateLogGroup action")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            c.create_log_group(logGroupName="fluent-bit-forbidden")
        assert "with an explicit deny in an identity-based policy" in str(e.value)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            c.get_log_events(logGroupName="fluent-bit-ok", logStreamName="s")
        assert code(e) == "AccessDeniedException"
        sts = boto3.client("sts", endpoint_url=s.ready["sts"]["endpoint"],
                           aws_access_key_id=AK, aws_secret_access_key=SK,
                           region_name="us-east-1")
        cr = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/app-task",
                             RoleSessionName="t1")["Credentials"]
        tc = boto3.client("logs", endpoint_url=s.endpoint, region_name="us-east-1",
                          aws_access_key_id=cr["AccessKeyId"],
                          aws_secret_access_key=cr["SecretAccessKey"],
                          aws_session_token=cr["SessionToken"])
        with pytest.raises(botocore.exceptions.ClientError) as e:
            tc.describe_log_groups()
        assert "User: arn:aws:sts::123456789012:assumed-role/app-task/t1 is not" in str(e.value)
    finally:
        s.stop()


def emu_logs(data_dir, *args):
    return subprocess.run([EMU, "logs", "--data-dir", data_dir, *args], capture_output=True,
                          text=True, timeout=30)


def test_fargate_emu_logs_cloudwatch():
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        s = Server(data)
        try:
            c = logs(s)
            tid = "0123456789abcdef0123456789abcdef"
            c.create_log_group(logGroupName="/ecs/app")
            c.create_log_group(logGroupName="/ecs")
            for stream in ("ecs/web/" + tid, "ecs/db/" + tid, "other"):
                c.create_log_stream(logGroupName="/ecs/app", logStreamName=stream)
            t = now_ms()
            c.put_log_events(logGroupName="/ecs/app", logStreamName="ecs/web/" + tid,
                             logEvents=[{"timestamp": t, "message": "hello"},
                                        {"timestamp": t + 1, "message": "world"}])
            c.put_log_events(logGroupName="/ecs/app", logStreamName="ecs/db/" + tid,
                             logEvents=[{"timestamp": t, "message": "db up"}])
            rec = json.dumps({"log": "x", "ecs_task_arn": "arn:aws:ecs:r:1:task/c/" + tid})
            c.put_log_events(logGroupName="/ecs/app", logStreamName="other",
                             logEvents=[{"timestamp": t, "message": rec}])
        finally:
            s.stop()
        r = emu_logs(data, "cloudwatch:///ecs/app/ecs/web/")
        assert r.returncode == 0, r.stderr
        evs = [json.loads(x) for x in r.stdout.splitlines()]
        assert [e["message"] for e in evs] == ["hello", "world"]
        assert evs[0]["timestamp"] == t and "ingestionTime" in evs[0]
        assert "cloudwatch:///ecs/app/ecs/web/" + tid + ": 2 events" in r.stderr
        r = emu_logs(data, "--count", "cloudwatch:///ecs/app")
        assert r.returncode == 0 and r.stdout.strip() == "4", r.stderr
        assert emu_logs(data, "cloudwatch:///ecs").returncode == 1  # empty group
        assert emu_logs(data, "cloudwatch://nope").returncode == 1
        r = emu_logs(data, "--count", "--task", tid)
        assert r.returncode == 0 and r.stdout.strip() == "4", r.stderr
        r = emu_logs(data, "--task", tid, "--container", "db")
        assert [json.loads(x)["message"] for x in r.stdout.splitlines()] == ["db up"]
        f = subprocess.Popen([EMU, "logs", "--data-dir", data, "--follow",
                              "cloudwatch:///ecs/app/ecs/db"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        try:
            assert json.loads(f.stdout.readline())["message"] == "db up"
            s = Server(data)
            try:
                logs(s).put_log_events(logGroupName="/ecs/app", logStreamName="ecs/db/" + tid,
                                       logEvents=[{"timestamp": now_ms(), "message": "again"}])
            finally:
                s.stop()
            assert json.loads(f.stdout.readline())["message"] == "again"
        finally:
            f.kill()
            f.wait()
