#!/usr/bin/python3
# Real-client tests of fault injection: boto3's retries riding out S3 SlowDown, CloudWatch
# ThrottlingException, STS Throttling and connection resets (counted against `fault list
# --json`), seed replay, latency, the AWS CLI against a down window, and the control socket
# changing faults while `fargate-emu serve` runs.
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AWS = "/usr/bin/aws"
AK, SK = "fargate-emu", "fargate-emu-secret"


class Server:
    def __init__(self, data_dir, *extra):
        self.data_dir = data_dir
        self.proc = subprocess.Popen(
            [EMU, "serve", "--data-dir", data_dir, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        self.ready = json.loads(line)

    def endpoint(self, shim):
        return self.ready[shim]["endpoint"]

    def fault(self, *args, check=True):
        r = subprocess.run([EMU, "fault", "--data-dir", self.data_dir, *args],
                           capture_output=True, text=True)
        if check:
            assert r.returncode == 0, r.stderr
        return r

    def faults(self):
        return json.loads(self.fault("list", "--json").stdout)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=20) == 0


@pytest.fixture
def serve():
    servers = []
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        def start(*extra, name="data"):
            s = Server(os.path.join(d, name), *extra)
            servers.append(s)
            return s
        yield start
        for s in servers:
            s.stop()


def client(srv, service, attempts):
    shim = {"s3": "s3", "logs": "logs", "sts": "sts"}[service]
    return boto3.client(service, endpoint_url=srv.endpoint(shim), aws_access_key_id=AK,
                        aws_secret_access_key=SK, region_name="us-east-1",
                        config=botocore.config.Config(
                            retries={"total_max_attempts": attempts, "mode": "standard"},
                            s3={"addressing_style": "path"}))


def test_ready_line_and_seed(serve):
    srv = serve("--fault", "s3:PutObject:rate=0.3", "--fault-seed", "1234")
    assert srv.ready["fault_seed"] == 1234 and srv.ready["faults"] == 1
    assert srv.ready["control_socket"].endswith("/control.sock")
    listed = srv.faults()
    assert listed["seed"] == 1234
    assert listed["rules"][0]["spec"] == "s3:PutObject:rate=0.3"
    assert listed["rules"][0]["action"] == "error"


def test_bad_spec_is_a_usage_error():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        r = subprocess.run([EMU, "serve", "--data-dir", d, "--fault", "s3:PutObjet:rate=0.3"],
                           capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "invalid fault spec 's3:PutObjet:rate=0.3' at position 4" in r.stderr


def test_s3_slowdown_retried_by_botocore(serve):
    srv = serve("--fault", "s3:PutObject:rate=0.3:status=503:code=SlowDown",
                "--fault-seed", "7")
    c = client(srv, "s3", 10)
    c.create_bucket(Bucket="fault-bkt")
    retries = 0
    for i in range(30):
        r = c.put_object(Bucket="fault-bkt", Key="k%d" % i, Body=b"x" * 100)
        retries += r["ResponseMetadata"]["RetryAttempts"]
    assert len(c.list_objects_v2(Bucket="fault-bkt")["Contents"]) == 30
    rule = srv.faults()["rules"][0]
    assert rule["injected"] == retries and retries > 0
    assert rule["matched"] == 30 + retries
    # Without retries the client sees S3's own words.
    c1 = client(srv, "s3", 1)
    codes = set()
    for i in range(20):
        try:
            c1.put_object(Bucket="fault-bkt", Key="n%d" % i, Body=b"y")
        except botocore.exceptions.ClientError as e:
            codes.add((e.response["Error"]["Code"], e.response["Error"]["Message"],
                       e.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert codes == {("SlowDown", "Please reduce your request rate.", 503)}


def test_cloudwatch_throttling_retried(serve):
    srv = serve("--fault", "logs:PutLogEvents:count=3:code=ThrottlingException")
    c = client(srv, "logs", 10)
    c.create_log_group(logGroupName="g")
    c.create_log_stream(logGroupName="g", logStreamName="s")
    r = c.put_log_events(logGroupName="g", logStreamName="s",
                         logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])
    assert r["ResponseMetadata"]["RetryAttempts"] == 3
    rule = srv.faults()["rules"][0]
    assert rule["injected"] == 3 and rule["state"] == "spent" and rule["remaining"] == 0
    ev = c.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in ev] == ["hi"]
    srv.fault("add", "logs:PutLogEvents:code=ThrottlingException")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(srv, "logs", 1).put_log_events(
            logGroupName="g", logStreamName="s",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "no"}])
    assert e.value.response["Error"]["Code"] == "ThrottlingException"
    assert e.value.response["Error"]["Message"] == "Rate exceeded"


def test_sts_throttling_shape(serve):
    srv = serve("--allow-anonymous", "--fault", "sts:GetCallerIdentity:count=1:code=Throttling")
    r = client(srv, "sts", 5).get_caller_identity()
    assert r["Account"] == "123456789012" and r["ResponseMetadata"]["RetryAttempts"] == 1
    srv.fault("add", "sts:AssumeRole:code=Throttling")
    req = urllib.request.Request(srv.endpoint("sts") + "/", method="POST",
                                 data=b"Action=AssumeRole&Version=2011-06-15")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    body = e.value.read().decode()
    assert e.value.code == 400
    assert "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">" in body
    assert "<Type>Sender</Type>" in body and "<Code>Throttling</Code>" in body
    assert "<Message>Rate exceeded</Message>" in body


def test_reset_retried(serve):
    srv = serve("--fault", "s3:GetObject:reset:count=2")
    c = client(srv, "s3", 5)
    c.create_bucket(Bucket="reset-bkt")
    c.put_object(Bucket="reset-bkt", Key="k", Body=b"data")
    r = c.get_object(Bucket="reset-bkt", Key="k")
    assert r["Body"].read() == b"data"
    assert r["ResponseMetadata"]["RetryAttempts"] == 2
    assert srv.faults()["rules"][0]["injected"] == 2


def test_latency(serve):
    srv = serve("--fault", "s3:ListBuckets:latency=400ms")
    c = client(srv, "s3", 1)
    t = time.monotonic()
    c.list_buckets()
    assert time.monotonic() - t >= 0.4
    t = time.monotonic()
    c.create_bucket(Bucket="fast-bkt")  # other operations are not delayed
    assert time.monotonic() - t < 0.4


def outcomes(srv, noise):
    client(srv, "s3", 10).create_bucket(Bucket="replay")
    c = client(srv, "s3", 1)
    out = ""
    for i in range(40):
        for _ in range(noise):
            try:
                c.list_objects_v2(Bucket="replay")  # other operations' traffic
            except botocore.exceptions.ClientError:
                pass
        try:
            c.put_object(Bucket="replay", Key="k%d" % i, Body=b"z")
            out += "."
        except botocore.exceptions.ClientError:
            out += "E"
    return out


def test_seed_replays(serve):
    spec = ["--fault", "s3:*:rate=0.4", "--fault-seed", "99"]
    first = outcomes(serve(*spec, name="a"), noise=0)
    again = outcomes(serve(*spec, name="b"), noise=2)
    other = outcomes(serve("--fault", "s3:*:rate=0.4", "--fault-seed", "100", name="c"),
                     noise=0)
    assert "E" in first and "." in first
    assert first == again
    assert first != other


def aws(srv, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    return subprocess.run([AWS, "--endpoint-url", srv.endpoint("s3"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not os.path.exists(AWS), reason="no AWS CLI")
def test_cli_down_window(serve):
    # The window opens 8 s after start: room for the AWS CLI's slow start-up on a loaded
    # machine. Each phase is entered by polling the rule's state, not by sleeping a guess.
    srv = serve("--fault", "s3:down=8s:after=8s")
    assert aws(srv, "s3api", "list-buckets").returncode == 0
    assert wait_state(srv, "down", 15)
    r = aws(srv, "s3api", "list-buckets")
    assert r.returncode != 0
    assert "Could not connect to the endpoint URL" in r.stderr
    assert wait_state(srv, "over", 15)
    r = aws(srv, "s3api", "list-buckets")
    assert r.returncode == 0, r.stderr


def wait_state(srv, state, timeout_s):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if srv.faults()["rules"][0]["state"] == state:
            return True
        time.sleep(0.1)
    return False


def test_control_socket_add_clear(serve):
    srv = serve()
    c = client(srv, "s3", 1)
    c.list_buckets()
    out = srv.fault("add", "s3:ListBuckets:status=500").stdout
    assert out.startswith("fault 1 added")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.list_buckets()
    assert e.value.response["Error"]["Code"] == "InternalError"
    bad = srv.fault("add", "s3:ListBuckets:rate=2", check=False)
    assert bad.returncode == 1 and "at position 21" in bad.stderr
    injected = srv.faults()["injected"]
    assert injected >= 1
    table = srv.fault("list").stdout
    assert "s3:ListBuckets:status=500" in table and "%d faults injected" % injected in table
    srv.fault("clear")
    c.list_buckets()
    listed = srv.faults()
    assert listed["rules"] == [] and listed["injected"] == injected
    gone = srv.fault("remove", "1", check=False)
    assert gone.returncode == 1 and "no fault rule has that id" in gone.stderr


def test_fault_without_emulator():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        r = subprocess.run([EMU, "fault", "--data-dir", d, "list"], capture_output=True,
                           text=True)
    assert r.returncode == 1 and "no emulator is running" in r.stderr
