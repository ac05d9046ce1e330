#!/usr/bin/python3
# Crash safety of the S3 shim under load: boto3 writers PUT (small objects go to the pack log,
# large ones to their own files), overwrite across both layouts and DELETE, `serve` is killed
# with SIGKILL mid-load, restarted on the same data dir, and every acknowledged state is
# checked: each key holds its last acknowledged bytes and ETag (or the operation that was in
# flight at the kill), deleted keys stay deleted, nothing torn is listed.
import hashlib
import os
import random
import signal
import threading
import time

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

from test_s3_clients import AK, SK, Server  # noqa: E402

WRITERS = 12
KEYS_PER_WRITER = 6


def client(srv):
    return boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=AK,
                        aws_secret_access_key=SK, region_name="us-east-1",
                        config=botocore.config.Config(retries={"max_attempts": 0},
                                                      connect_timeout=5, read_timeout=10))


def body_for(rng):
    # Mostly pack-sized bodies (up to 64 KiB), some large ones that take the file path.
    size = rng.choice([0, 1, 100, 1024, 4000, 65536, 70000, 300000]) if rng.random() < 0.3 \
        else rng.randint(1, 2048)
    return os.urandom(size)


def writer(srv, n, state, stop):
    c = client(srv)
    rng = random.Random(n)
    keys = ["w%02d/key-%d" % (n, k) for k in range(KEYS_PER_WRITER)]
    while not stop.is_set():
        key = rng.choice(keys)
        op = ("del", None) if rng.random() < 0.15 else ("put", body_for(rng))
        state[key]["inflight"] = op
        try:
            if op[0] == "put":
                etag = c.put_object(Bucket="crash", Key=key, Body=op[1])["ETag"].strip('"')
                assert etag == hashlib.md5(op[1]).hexdigest()
            else:
                c.delete_object(Bucket="crash", Key=key)
        except Exception:  # the kill cut it: either outcome is allowed
            return
        state[key]["acked"] = op
        state[key]["inflight"] = None
        state[key]["count"] += 1


def read_state(c, key):
    try:
        o = c.get_object(Bucket="crash", Key=key)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "NoSuchKey", e.response
        return None
    data = o["Body"].read()
    assert o["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    assert o["ContentLength"] == len(data)
    return data


def expected(op):
    return None if op is None or op[0] == "del" else op[1]


def test_sigkill_under_load_keeps_every_acknowledged_object(tmp_path):
    data = str(tmp_path / "data")
    s = Server(data)
    client(s).create_bucket(Bucket="crash")
    state = {}
    for n in range(WRITERS):
        for k in range(KEYS_PER_WRITER):
            state["w%02d/key-%d" % (n, k)] = {"acked": None, "inflight": None, "count": 0}
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(s, n, state, stop))
               for n in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=20)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    acked_ops = sum(v["count"] for v in state.values())
    assert acked_ops > 100, "the load was too light to test anything (%d ops)" % acked_ops
    for run in range(2):  # the restart that recovers, then one more over the recovered store
        s = Server(data)
        c = client(s)
        listed = {}
        for page in c.get_paginator("list_objects_v2").paginate(Bucket="crash"):
            for o in page.get("Contents", []):
                listed[o["Key"]] = o
        for key, st in state.items():
            got = read_state(c, key)
            allowed = [expected(st["acked"])]
            if st["inflight"] is not None:
                allowed.append(expected(st["inflight"]))
            assert got in allowed, "%s: %s bytes after the kill, acked %s" % (
                key, None if got is None else len(got),
                None if allowed[0] is None else len(allowed[0]))
            if got is None:
                assert key not in listed
            else:
                assert listed[key]["Size"] == len(got)
                assert listed[key]["ETag"].strip('"') == hashlib.md5(got).hexdigest()
        assert set(listed) - {"after-0", "after-1"} <= set(state)
        # The recovered store takes new writes that survive the next restart.
        c.put_object(Bucket="crash", Key="after-%d" % run, Body=b"after")
        s.stop()
    s = Server(data)
    c = client(s)
    assert read_state(c, "after-0") == b"after" and read_state(c, "after-1") == b"after"
    s.stop()
