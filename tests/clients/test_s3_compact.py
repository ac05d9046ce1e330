#!/usr/bin/python3
# Compaction of the S3 shim's pack files, through boto3 against `fargate-emu serve`: overwritten
# and deleted small objects give their space back (so --s3-max-bytes is not eaten by dead
# records), and a SIGKILL at any point of a compaction leaves every acknowledged object readable.
import glob
import hashlib
import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AK, SK = "fargate-emu", "fargate-emu-secret"


STARTED = []


@pytest.fixture(autouse=True)
def no_server_left_behind():
    """A failing assertion must not leave a serve running after the test."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


class Serve:
    """`fargate-emu serve` with its stderr in a file (compactions log a line each)."""

    def __init__(self, data, *extra, compact=None):
        env = dict(os.environ)
        env.pop("FARGATE_EMU_S3_COMPACT_BYTES", None)
        if compact is not None:
            env["FARGATE_EMU_S3_COMPACT_BYTES"] = str(compact)
        self.err_path = data + ".err"
        self.err = open(self.err_path, "a")
        self.proc = subprocess.Popen([EMU, "serve", "--s3", "127.0.0.1:0", "--data-dir", data,
                                      *extra], stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, env=env)
        STARTED.append(self.proc)
        line = self.proc.stdout.readline()
        assert line, open(self.err_path).read()
        self.endpoint = json.loads(line)["s3"]["endpoint"]

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=AK,
                            aws_secret_access_key=SK, region_name="us-east-1",
                            config=botocore.config.Config(retries={"max_attempts": 0},
                                                          connect_timeout=5, read_timeout=20))

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=30)
        self.err.close()
        return rc

    def compactions(self):
        return open(self.err_path).read().count("s3: compacted")


def packs_bytes(data, bucket):
    return sum(os.path.getsize(p) for p in glob.glob("%s/s3/buckets/%s/packs/*" % (data, bucket)))


def test_overwrites_give_space_back_under_the_cap(tmp_path):
    data = str(tmp_path / "data")
    # The default threshold (8 MiB dead and over half the pack): 36 MiB of 60 KiB overwrites
    # of 4 keys fit a 20 MiB store only if the dead records are reclaimed.
    s = Serve(data, "--s3-max-bytes", "20M")
    c = s.client()
    c.create_bucket(Bucket="cmp")
    last = {}
    for i in range(600):
        key = "k%d" % (i % 4)
        body = os.urandom(60 * 1024 - i)
        c.put_object(Bucket="cmp", Key=key, Body=body)
        last[key] = body
    c.delete_object(Bucket="cmp", Key="k3")
    del last["k3"]
    for key, body in last.items():
        assert c.get_object(Bucket="cmp", Key=key)["Body"].read() == body
    deadline = time.time() + 10
    while packs_bytes(data, "cmp") > 10 * 1024 * 1024 and time.time() < deadline:
        time.sleep(0.1)
    assert s.compactions() >= 2, open(s.err_path).read()[-2000:]
    assert packs_bytes(data, "cmp") < 10 * 1024 * 1024
    assert s.stop() == 0
    s = Serve(data, "--s3-max-bytes", "20M")
    c = s.client()
    keys = [o["Key"] for o in c.list_objects_v2(Bucket="cmp").get("Contents", [])]
    assert keys == ["k0", "k1", "k2"]
    for key, body in last.items():
        assert c.get_object(Bucket="cmp", Key=key)["Body"].read() == body
    assert s.stop() == 0

    # The same load without compaction fills the store: the check above can fail.
    s = Serve(str(tmp_path / "off"), "--s3-max-bytes", "20M", compact="off")
    c = s.client()
    c.create_bucket(Bucket="cmp")
    with pytest.raises(botocore.exceptions.ClientError):
        for i in range(600):
            c.put_object(Bucket="cmp", Key="k%d" % (i % 4), Body=os.urandom(60 * 1024 - i))
    assert s.compactions() == 0
    assert s.stop() == 0


WRITERS = 8
KEYS = 5


def writer(srv, n, state, stop):
    c = srv.client()
    rng = random.Random(n * 7919 + int(time.time()))
    keys = ["w%d/k%d" % (n, k) for k in range(KEYS)]
    while not stop.is_set():
        key = rng.choice(keys)
        op = ("del", None) if rng.random() < 0.1 else ("put", os.urandom(rng.randint(1, 30000)))
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
        state[key]["bytes"] += 0 if op[1] is None else len(op[1])


def check(c, state):
    listed = {}
    for page in c.get_paginator("list_objects_v2").paginate(Bucket="crash"):
        for o in page.get("Contents", []):
            listed[o["Key"]] = o
    assert set(listed) <= set(state)
    for key, st in state.items():
        try:
            o = c.get_object(Bucket="crash", Key=key)
            got = o["Body"].read()
            assert o["ETag"].strip('"') == hashlib.md5(got).hexdigest()
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "NoSuchKey", e.response
            got = None
        allowed = [None if st["acked"] is None or st["acked"][0] == "del" else st["acked"][1]]
        if st["inflight"] is not None:
            allowed.append(None if st["inflight"][0] == "del" else st["inflight"][1])
        assert got in allowed, "%s: %s bytes, acked %s" % (
            key, None if got is None else len(got), None if allowed[0] is None else len(allowed[0]))
        assert (got is None) == (key not in listed)
        # What was read is now the acknowledged state for the next round.
        st["acked"] = None if got is None else ("put", got)
        st["inflight"] = None


def test_sigkill_during_compactions_keeps_every_acknowledged_object(tmp_path):
    data = str(tmp_path / "data")
    state = {"w%d/k%d" % (n, k): {"acked": None, "inflight": None, "count": 0, "bytes": 0}
             for n in range(WRITERS) for k in range(KEYS)}
    rng = random.Random()
    compactions = 0
    for rnd in range(4):
        # A tiny threshold: a compaction every few dozen PUTs, so the kill lands in or
        # between the steps of one (write, rename, unlink) at random.
        s = Serve(data, compact=200000)
        c = s.client()
        if rnd == 0:
            c.create_bucket(Bucket="crash")
        else:
            check(c, state)
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(s, n, state, stop))
                   for n in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(1.5, 3.0))
        s.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        compactions += s.compactions()
    acked = sum(v["count"] for v in state.values())
    assert acked > 200, "the load was too light to test anything (%d ops)" % acked
    assert compactions >= 4, "only %d compactions ran" % compactions
    s = Serve(data, compact=200000)
    check(s.client(), state)
    assert s.stop() == 0
    written = sum(v["bytes"] for v in state.values())
    print("acked ops %d, bytes %d, compactions %d, packs now %d bytes" % (
        acked, written, compactions, packs_bytes(data, "crash")))
    assert packs_bytes(data, "crash") < written / 4
