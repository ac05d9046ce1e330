#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes a synthetic fargate-emu data dir for the report tests (golden JSON, HTML in Chromium):
# one stopped task with a recorded and an unrecorded container, its saved router config (an s3
# and a cloudwatch_logs output), S3 objects in the shim's on-disk format (the task's by key, by
# ecs_task_arn and by container_name, another task's, one outside the window) and CloudWatch
# Logs streams (the task's and another task's), and the shims' failed-request and rejected-event
# journals. Every time is fixed, so the report is too.
# Usage: report_fixture.py DATA_DIR
import gzip
import hashlib
import json
import os
import struct
import sys

TASK = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
ARN = "arn:aws:ecs:us-east-1:123456789012:task/default/"
T0 = 1795534960000  # createdMs: 2026-11-24T15:42:40Z
START = T0 + 1000
STOPPING = T0 + 11000  # ran 10 s


def iso(ms):
    s, m = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03d000Z" % m


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def task_state(root):
    ctrs = []
    for name in ("log_router", "app"):
        ctrs.append({"name": name, "dockerName": "fe-%s-%s" % (TASK, name),
                     "dockerId": "", "image": "img", "ports": "", "essential": True,
                     "hasHealthCheck": False, "status": "STOPPED", "created": True,
                     "desiredStatus": "STOPPED", "healthStatus": "UNKNOWN", "exitCode": 0,
                     "reason": "", "createdMs": T0 + 500, "startedMs": START,
                     "stoppedMs": STOPPING + 500, "stopTimeout": 30})
    st = {"id": TASK, "taskArn": ARN + TASK, "cluster": "default", "region": "us-east-1",
          "family": "fixture", "revision": 3,
          "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/fixture:3",
          "taskDefinitionPath": "/nonexistent/td.json", "launchType": "FARGATE", "cpu": "256",
          "memory": "512", "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
          "stopCode": "UserInitiated", "stoppedReason": "Task stopped by user",
          "createdMs": T0, "startedMs": START, "stoppingMs": STOPPING,
          "stoppedMs": STOPPING + 1000, "supervisorPid": 0, "keep": False,
          "networkName": "", "networkId": "", "pauseName": "", "pauseId": "",
          "exitCode": 0, "containers": ctrs}
    write(os.path.join(root, "tasks", TASK + ".json"), json.dumps(st, indent=2))


def outputs(root):
    # app wrote 4 stdout lines and 2 stderr lines (6 + 6 + 6 + 7 + 5 + 5 = 35 bytes).
    lines = [(START + 100, "stdout", "line-1"), (START + 100, "stdout", "line-2"),
             (START + 2100, "stdout", "line-3"), (START + 2200, "stdout", "line-44"),
             (START + 2200, "stderr", "err-1"), (START + 4000, "stderr", "err-2")]
    write(os.path.join(root, "tasks", TASK + ".out", "app.log"),
          "".join("%s %s %s\n" % (iso(t), s, l) for t, s, l in lines))


ROUTER_CONF = """[INPUT]
    Name forward
    unix_path /var/run/fluent.sock

@INCLUDE /fluent-bit/etc/extra.conf

[OUTPUT]
    Name null
    Match firelens-healthcheck

[OUTPUT]
    Name s3
    Match app-firelens*
    bucket fe-fixture
    region us-east-1
    compression gzip
    s3_key_format /%s/$TAG/%%Y/%%m/%%d/%%H/%%M/%%S
    endpoint http://172.19.0.1:4566
"""

CWL_CONF = """[OUTPUT]
    Name cloudwatch_logs
    Match app-firelens*
    region us-east-1
    log_group_name /ecs/fixture
    log_stream_prefix app-
    endpoint http://172.19.0.1:4567
"""


def router(root):
    # The runtime's snapshot: each file at its path inside the router.
    d = os.path.join(root, "tasks", TASK + ".out", ".router", "fluent-bit", "etc")
    write(os.path.join(d, "fluent-bit.conf"), ROUTER_CONF % TASK)
    write(os.path.join(d, "extra.conf"), CWL_CONF)


def s3_object(root, bucket, key, body, mtime):
    trailer = json.dumps({"headers": [], "key": key, "size": len(body), "mtime": mtime,
                          "etag": hashlib.md5(body).hexdigest(), "parts": 0},
                         separators=(",", ":")).encode()
    h = hashlib.sha256(key.encode()).hexdigest()
    path = os.path.join(root, "s3", "buckets", bucket, "objects", h[:2], h)
    write(path, body + trailer + b"FEMUS3\x01\x00" + struct.pack("<Q", len(trailer)), "wb")


def rec(task, date_ms, log, with_arn=True):
    r = {"date": iso(date_ms), "container_name": "/fe-%s-app" % task, "source": "stdout",
         "log": log}
    if with_arn:
        r["ecs_task_arn"] = ARN + task
    return json.dumps(r, separators=(",", ":")) + "\n"


def s3(root):
    b = os.path.join(root, "s3", "buckets", "fe-fixture")
    write(os.path.join(b, "bucket.json"),
          json.dumps({"name": "fe-fixture", "region": "us-east-1", "created": T0}))
    for sub in ("uploads", "tmp"):
        os.makedirs(os.path.join(b, sub), exist_ok=True)
    # The task's by key (gzip): latencies 1000, 500, 100 ms.
    body = (rec(TASK, START + 1000, "line-1") + rec(TASK, START + 1500, "line-2") +
            rec(TASK, START + 1900, "line-3")).encode()
    s3_object(root, "fe-fixture", "%s/app-firelens-%s/2026/11/24/15/42/43/a.gz" % (TASK, TASK),
              gzip.compress(body, 9, mtime=0), START + 2000)
    # The task's by container_name only (no ecs_task_arn), plain JSON lines: latency 1000.
    s3_object(root, "fe-fixture", "shared/b.json",
              rec(TASK, START + 4000, "line-44", with_arn=False).encode(), START + 5000)
    # Another task's, in the window: not counted.
    s3_object(root, "fe-fixture", "shared/c.json", rec(OTHER, START + 100, "x").encode(),
              START + 3000)
    # Before the task was created, naming no task: not counted.
    s3_object(root, "fe-fixture", "old/d.json",
              (json.dumps({"date": iso(T0 - 90000), "log": "old"}) + "\n").encode(), T0 - 60000)


def cwl_stream(gdir, name, events):
    fname = "".join(c if c.isalnum() or c in "._-" else "%%%02X" % ord(c) for c in name)
    lines = [json.dumps({"logStreamName": name, "creationTime": T0, "id": 1})]
    lines += [json.dumps({"timestamp": t, "ingestionTime": i, "message": m}) for t, i, m in events]
    write(os.path.join(gdir, fname + ".stream.jsonl"), "\n".join(lines) + "\n")


def cwl(root):
    gdir = os.path.join(root, "logs", "%2Fecs%2Ffixture")
    write(os.path.join(gdir, "group.json"),
          json.dumps({"logGroupName": "/ecs/fixture", "creationTime": T0, "retentionInDays": 0,
                      "tags": {}}) + "\n")
    # Two PutLogEvents batches: latencies 200, 100 (ingested START+1200), 500, 400.
    mine = [(START + 1000, START + 1200, '{"log":"line-1"}'),
            (START + 1100, START + 1200, '{"log":"line-2"}'),
            (START + 3000, START + 3500, '{"log":"line-3"}'),
            (START + 3100, START + 3500, '{"log":"line-44"}')]
    cwl_stream(gdir, "app-app-firelens-" + TASK, mine)
    cwl_stream(gdir, "app-app-firelens-" + OTHER, [(START, START + 10, '{"log":"x"}')])


def jsonl(path, rows):
    write(path, "".join(json.dumps(r) + "\n" for r in rows))


def journals(root):
    # S3: 2 of the task's failed uploads (one names the task, one in the window, reset with no
    # response), and 3 that are not: another bucket, a GET, a PUT before the task.
    jsonl(os.path.join(root, "s3", "failed-requests.jsonl"), [
        {"time": START + 1500, "method": "PUT", "path": "/fe-fixture/%s/a.gz" % TASK,
         "host": "172.19.0.1:4566", "target": None, "status": 503},
        {"time": START + 4500, "method": "PUT", "path": "/fe-fixture/shared/b.json",
         "host": "172.19.0.1:4566", "target": None, "status": 0},
        {"time": START + 4500, "method": "PUT", "path": "/other-bucket/x",
         "host": "172.19.0.1:4566", "target": None, "status": 503},
        {"time": START + 4500, "method": "GET", "path": "/fe-fixture/shared/b.json",
         "host": "172.19.0.1:4566", "target": None, "status": 404},
        {"time": T0 - 60000, "method": "PUT", "path": "/fe-fixture/old/d.json",
         "host": "172.19.0.1:4566", "target": None, "status": 503}])
    # CloudWatch: one throttled PutLogEvents in the window (a CreateLogStream failure is not a
    # retry of records); 3 events of the task's stream refused, 5 of another task's.
    jsonl(os.path.join(root, "logs", "failed-requests.jsonl"), [
        {"time": START + 1100, "method": "POST", "path": "/", "host": "h",
         "target": "Logs_20140328.PutLogEvents", "status": 400},
        {"time": START + 1100, "method": "POST", "path": "/", "host": "h",
         "target": "Logs_20140328.CreateLogStream", "status": 400}])
    jsonl(os.path.join(root, "logs", "rejected-events.jsonl"), [
        {"time": START + 3500, "group": "/ecs/fixture", "stream": "app-app-firelens-" + TASK,
         "rejected": 3},
        {"time": START + 3500, "group": "/ecs/fixture", "stream": "app-app-firelens-" + OTHER,
         "rejected": 5}])


def main():
    root = sys.argv[1]
    task_state(root)
    outputs(root)
    router(root)
    s3(root)
    cwl(root)
    journals(root)
    print(TASK)


if __name__ == "__main__":
    main()
