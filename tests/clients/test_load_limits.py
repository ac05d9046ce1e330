#!/usr/bin/python3
# Connection limits of the shims (issue 10, "Load") against a real `fargate-emu serve`: a
# request head trickled a byte a second is cut at the deadline with 408, a stalled body gets
# S3's 400 RequestTimeout, normal boto3 clients are unaffected, 200 slow clients cannot lock a
# boto3 client out of 100 slots, and oversized headers and bodies get AWS's 4xx answers with
# the shim's peak RSS (VmHWM) bounded.
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AK, SK = "fargate-emu", "fargate-emu-secret"
DEADLINE = 3.0


def start(d, *args):
    log = open(os.path.join(d, "serve.log"), "w")
    p = subprocess.Popen([EMU, "serve", "--data-dir", os.path.join(d, "data"), "--log-level",
                          "debug", *args], stdout=subprocess.PIPE, stderr=log, text=True)
    line = p.stdout.readline()
    assert line, open(log.name).read()
    return p, json.loads(line)


def stop(p):
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory() as d:
        p, ready = start(d, "--client-timeout", str(DEADLINE), "--allow-anonymous")
        yield p, ready
        stop(p)


def addr(ready, name="s3"):
    return ready[name]["address"], ready[name]["port"]


def client(ready, service, **cfg):
    return boto3.client(service, endpoint_url=ready["s3" if service == "s3" else "logs"]
                        ["endpoint"], region_name="us-east-1", aws_access_key_id=AK,
                        aws_secret_access_key=SK,
                        config=botocore.config.Config(s3={"addressing_style": "path"},
                                                      retries={"max_attempts": 1}, **cfg))


def complete(got):
    """Whether got holds a whole response (head and Content-Length body)."""
    head, sep, body = got.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    return bool(sep and m and len(body) >= int(m.group(1)))


def read_all(s, limit=30):
    """Reads until the peer closes, or until a whole response is in (kept-alive)."""
    s.settimeout(limit)
    got = b""
    while not complete(got):
        try:
            d = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not d:
            break
        got += d
    return got


def vm_hwm_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_slow_head_cut_at_deadline(srv):
    _, ready = srv
    s = socket.create_connection(addr(ready))
    head = b"GET /?list-type=2 HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60 + b"\r\n\r\n"
    t0 = time.monotonic()
    got, closed_at = b"", None
    for b in head:
        try:
            s.send(bytes([b]))
        except OSError:
            closed_at = time.monotonic() - t0
            break
        s.settimeout(1.0)  # one byte a second
        try:
            d = s.recv(4096)
            if not d:
                closed_at = time.monotonic() - t0
                break
            got += d
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed_at = time.monotonic() - t0
            break
    assert closed_at is not None, "a trickled head was never cut (%d bytes sent)" % len(head)
    assert DEADLINE - 0.2 <= closed_at <= DEADLINE + 2.5, closed_at
    assert got.startswith(b"HTTP/1.1 408 "), got


def test_silent_connection_closed_without_answer(srv):
    _, ready = srv
    s = socket.create_connection(addr(ready))
    t0 = time.monotonic()
    assert read_all(s) == b""
    assert DEADLINE - 0.2 <= time.monotonic() - t0 <= DEADLINE + 2.5


def test_stalled_body_gets_request_timeout(srv):
    _, ready = srv
    s3 = client(ready, "s3")
    s3.create_bucket(Bucket="slow-body")
    s = socket.create_connection(addr(ready))
    t0 = time.monotonic()
    s.sendall(b"PUT /slow-body/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
              b"x" * 100)
    got = read_all(s)
    took = time.monotonic() - t0
    assert got.startswith(b"HTTP/1.1 400 "), got
    assert b"<Code>RequestTimeout</Code>" in got, got
    assert b"not read from or written to within the timeout period" in got, got
    assert DEADLINE - 0.2 <= took <= DEADLINE + 2.5, took
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket="slow-body", Key="k")
    assert e.value.response["Error"]["Code"] == "404"  # nothing half-written became visible


def test_normal_clients_unaffected(srv):
    _, ready = srv
    s3 = client(ready, "s3")
    s3.create_bucket(Bucket="normal")
    s3.put_object(Bucket="normal", Key="a", Body=b"1")
    time.sleep(DEADLINE + 1.5)  # the kept-alive connection idles past the head deadline
    s3.put_object(Bucket="normal", Key="b", Body=os.urandom(8 << 20))  # 8 MiB, fast body
    assert s3.get_object(Bucket="normal", Key="a")["Body"].read() == b"1"
    assert len(s3.get_object(Bucket="normal", Key="b")["Body"].read()) == 8 << 20


def trickle(a, stop_ev, results, i):
    try:
        s = socket.create_connection(a, timeout=5)
        s.setblocking(False)
        head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"s" * 200
        for b in head:
            if stop_ev.is_set():
                break
            try:
                s.send(bytes([b]))
                d = s.recv(4096)
                results[i] = "cut" if not d else d.split(b"\r\n", 1)[0].decode()
                break
            except BlockingIOError:
                pass
            except OSError:
                results[i] = "cut"
                break
            time.sleep(1.0)
        else:
            results[i] = "done"
        s.close()
    except OSError as e:
        results[i] = "refused: %s" % e


def test_slow_clients_cannot_starve_a_normal_one():
    with tempfile.TemporaryDirectory() as d:
        # A deadline far past the test: only the slot eviction can free room.
        p, ready = start(d, "--client-timeout", "120", "--max-connections", "100")
        try:
            stop_ev = threading.Event()
            results = [None] * 200
            threads = [threading.Thread(target=trickle, args=(addr(ready), stop_ev, results, i))
                       for i in range(200)]
            for t in threads:
                t.start()
                time.sleep(0.005)
            time.sleep(2.0)
            t0 = time.monotonic()
            s3 = client(ready, "s3", connect_timeout=5, read_timeout=10)
            s3.create_bucket(Bucket="starve")
            s3.put_object(Bucket="starve", Key="k", Body=b"ok")
            assert s3.get_object(Bucket="starve", Key="k")["Body"].read() == b"ok"
            took = time.monotonic() - t0
            stop_ev.set()
            for t in threads:
                t.join(timeout=10)
            cut = sum(1 for r in results if r and (r == "cut" or r.startswith("HTTP/1.1 408")))
            assert took < 5, took
            assert cut >= 100, results  # at most 100 slots: the rest were cut to make room
        finally:
            stop(p)


def test_oversized_headers_and_bodies_bounded(srv):
    p, ready = srv
    s3 = client(ready, "s3")
    s3.create_bucket(Bucket="big")
    before = vm_hwm_kb(p.pid)
    # S3's own limits: 8 KB of headers, 2 KB of user metadata, 5 GiB in one PUT.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket="big", Key="k", Body=b"x", Metadata={"a": "m" * 3000})
    assert e.value.response["Error"]["Code"] == "MetadataTooLarge"
    s = socket.create_connection(addr(ready))
    s.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * 10000 + b"\r\n\r\n")
    got = read_all(s, 10)
    assert got.startswith(b"HTTP/1.1 400 ") and b"RequestHeaderSectionTooLarge" in got, got
    s = socket.create_connection(addr(ready))
    s.sendall(b"PUT /big/huge HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" %
              (5 * 2**30 + 1))
    got = read_all(s, 10)
    assert got.startswith(b"HTTP/1.1 400 ") and b"<Code>EntityTooLarge</Code>" in got, got
    # 100 connections at once, each with a 300 KiB head (over MHD's 256 KiB per connection).
    socks = [socket.create_connection(addr(ready)) for _ in range(100)]
    big = b"GET /big HTTP/1.1\r\nHost: x\r\n" + b"X-H: " + b"z" * (300 << 10) + b"\r\n\r\n"
    sent = [threading.Thread(target=lambda c=c: c.sendall(big)) for c in socks]
    for t in sent:
        t.start()
    statuses = [read_all(c, 10).split(b"\r\n", 1)[0] for c in socks]
    for t in sent:
        t.join(timeout=10)
    assert all(st.startswith(b"HTTP/1.1 431") for st in statuses), set(statuses)
    # CloudWatch Logs: a batch over 1 MiB is refused; a 40 MiB body is never held in memory.
    logs = client(ready, "logs")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = int(time.time() * 1000)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": now, "message": "m" * 1000}] * 1100)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    s = socket.create_connection(addr(ready, "logs"))
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.PutLogEvents\r\n"
              b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n" %
              (40 << 20))
    try:
        chunk = b"a" * (1 << 20)
        for _ in range(40):
            s.sendall(chunk)
    except OSError:
        pass  # answered and closed before the end: fine
    got = read_all(s, 10)
    assert re.match(rb"HTTP/1.1 4\d\d ", got), got[:200]
    grew = vm_hwm_kb(p.pid) - before
    # 100 x 256 KiB connection pools = 25 MiB at most, plus the 10 MiB body ceiling.
    print("VmHWM before %d KiB, grew %d KiB" % (before, grew))
    assert grew < 48 * 1024, "peak RSS grew by %d KiB" % grew
