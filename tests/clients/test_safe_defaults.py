#!/usr/bin/python3
# The safe defaults of issue 10, checked against a real `fargate-emu serve` with real clients:
# every endpoint listens on loopback only, unsigned requests are refused by all of them, the
# secret key never reaches the log, and no bucket name, key or log group name can make the
# store write outside the data dir.
import json
import os
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AK, SK = "fargate-emu", "s3cr3t-never-logged-0123456789"


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        log = open(os.path.join(d, "serve.log"), "w")
        p = subprocess.Popen([EMU, "serve", "--data-dir", data, "--access-key", AK,
                              "--secret-key", SK, "--log-level", "debug"],
                             stdout=subprocess.PIPE, stderr=log, text=True)
        line = p.stdout.readline()
        assert line, open(log.name).read()
        yield p, json.loads(line), d, log.name
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0


def listening(pid):
    """The local addresses of the TCP sockets the process listens on (from /proc)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    found = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if f[3] == "0A" and f[9] in inodes:  # LISTEN
                addr = f[1].split(":")[0]
                if v6:
                    found.append("::" if set(addr) == {"0"} else addr)
                else:
                    found.append(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_every_endpoint_on_loopback_only(srv):
    p, ready, _, _ = srv
    for name in ("s3", "logs", "sts"):
        assert ready[name]["address"] == "127.0.0.1", ready
    addrs = listening(p.pid)
    assert len(addrs) >= 3, addrs
    assert all(a == "127.0.0.1" for a in addrs), addrs


def test_unsigned_requests_refused(srv):
    _, ready, _, _ = srv
    reqs = [(ready["s3"]["endpoint"] + "/", None, {}),
            (ready["logs"]["endpoint"] + "/", b"{}",
             {"X-Amz-Target": "Logs_20140328.DescribeLogGroups",
              "Content-Type": "application/x-amz-json-1.1"}),
            (ready["sts"]["endpoint"] + "/", b"Action=GetCallerIdentity&Version=2011-06-15",
             {"Content-Type": "application/x-www-form-urlencoded"})]
    for url, body, headers in reqs:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers),
                                   timeout=10)
        assert e.value.code in (400, 403), (url, e.value.code)


def s3(ready):
    return boto3.client("s3", endpoint_url=ready["s3"]["endpoint"], aws_access_key_id=AK,
                        aws_secret_access_key=SK, region_name="us-east-1",
                        config=botocore.config.Config(s3={"addressing_style": "path"},
                                                      retries={"max_attempts": 1}))


def snapshot(top):
    return {os.path.join(r, f) for r, _, fs in os.walk(top) for f in fs}


def test_no_path_escapes_the_data_dir(srv):
    _, ready, d, log = srv
    before = snapshot(d) - {log}
    c = s3(ready)
    c.create_bucket(Bucket="safe")
    for key in ("../../../../escape", "/../escape", "a/../../escape", "..", "%2e%2e/escape"):
        c.put_object(Bucket="safe", Key=key, Body=b"x")
        assert c.get_object(Bucket="safe", Key=key)["Body"].read() == b"x"
    for bucket in ("..", "a..b", "../x"):
        with pytest.raises((botocore.exceptions.ClientError,
                            botocore.exceptions.ParamValidationError)):
            c.create_bucket(Bucket=bucket)
    cwl = boto3.client("logs", endpoint_url=ready["logs"]["endpoint"], aws_access_key_id=AK,
                       aws_secret_access_key=SK, region_name="us-east-1")
    for group in ("../../escape", "/../../../escape"):
        try:
            cwl.create_log_group(logGroupName=group)
        except botocore.exceptions.ClientError:
            pass  # refused is fine too; what matters is where files land
    new = snapshot(d) - before - {log}
    data = os.path.join(d, "data") + os.sep
    assert new and all(f.startswith(data) for f in new), sorted(new)
    assert not any("escape" in os.path.basename(f) for f in new), sorted(new)


def test_secret_key_never_logged(srv):
    _, ready, _, log = srv
    c = s3(ready)
    c.create_bucket(Bucket="logged")
    c.put_object(Bucket="logged", Key="k", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError):
        boto3.client("s3", endpoint_url=ready["s3"]["endpoint"], aws_access_key_id=AK,
                     aws_secret_access_key="wrong-" + SK, region_name="us-east-1",
                     config=botocore.config.Config(retries={"max_attempts": 1})
                     ).list_buckets()
    text = open(log).read()
    assert text, "the debug log is empty: nothing was checked"
    assert SK not in text
