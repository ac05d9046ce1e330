#!/usr/bin/python3
# PutLogEvents throughput of the CloudWatch Logs shim: full 10,000-event batches (78-byte
# messages, 1,040,000 counted bytes each), signed ahead of time with botocore and written as raw
# HTTP/1.1 bytes on keep-alive sockets by several sender processes, so the client only copies
# bytes. Reports events/s, MB/s of request bodies, server CPU and peak RSS (VmHWM).
import argparse
import json
import multiprocessing
import os
import socket
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

EVENTS = 10000
MSG = 78


def signed_request(endpoint, host, group, stream, ak, sk, region):
    t = int(time.time() * 1000)
    events = [{"timestamp": t, "message": ("%08d" % i) + "x" * (MSG - 8)} for i in range(EVENTS)]
    body = json.dumps({"logGroupName": group, "logStreamName": stream,
                       "logEvents": events}).encode()
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
        "X-Amz-Target": "Logs_20140328.PutLogEvents",
        "Content-Type": "application/x-amz-json-1.1"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ak, sk), "logs", region).add_auth(req)
    head = "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (host, len(body))
    for k, v in req.headers.items():
        if k.lower() not in ("host", "content-length"):
            head += "%s: %s\r\n" % (k, v)
    return (head + "\r\n").encode() + body


def read_response(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("server closed the connection")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(rest) < length:
        rest += sock.recv(65536)
    if status != 200:
        raise RuntimeError("status %d: %r" % (status, rest[:300]))
    return rest[length:]


def sender(args):
    port, raw, batches = args
    s = socket.create_connection(("127.0.0.1", port))
    buf = b""
    for _ in range(batches):
        s.sendall(raw)
        buf = read_response(s, buf)
    s.close()
    return batches


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) // 1024
    return cpu, hwm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--senders", type=int, default=2)
    ap.add_argument("--access-key", default="fargate-emu")
    ap.add_argument("--secret-key", default="fargate-emu-secret")
    a = ap.parse_args()
    host = a.endpoint.split("//", 1)[1]
    port = int(host.rsplit(":", 1)[1])
    import boto3
    c = boto3.client("logs", endpoint_url=a.endpoint, aws_access_key_id=a.access_key,
                     aws_secret_access_key=a.secret_key, region_name="us-east-1")
    c.create_log_group(logGroupName="bench")
    raws = []
    for i in range(a.senders):
        c.create_log_stream(logGroupName="bench", logStreamName="s%d" % i)
        raws.append(signed_request(a.endpoint, host, "bench", "s%d" % i, a.access_key,
                                   a.secret_key, "us-east-1"))
    per = a.batches // a.senders
    cpu0, _ = proc_stat(a.pid)
    t0 = time.monotonic()
    with multiprocessing.Pool(a.senders) as pool:
        done = sum(pool.map(sender, [(port, raws[i], per) for i in range(a.senders)]))
    wall = time.monotonic() - t0
    cpu1, hwm = proc_stat(a.pid)
    events = done * EVENTS
    body_mb = done * (len(raws[0]) / 1e6)
    check = c.get_log_events(logGroupName="bench", logStreamName="s0", limit=1)["events"]
    assert check and check[0]["message"].endswith("x"), check
    print(json.dumps({"batches": done, "events": events, "wall_s": round(wall, 3),
                      "events_per_s": round(events / wall), "request_MB_per_s":
                      round(body_mb / wall, 1), "server_cpu_s": round(cpu1 - cpu0, 3),
                      "events_per_cpu_s": round(events / max(cpu1 - cpu0, 1e-9)),
                      "peak_rss_MiB": hwm}))


if __name__ == "__main__":
    main()
