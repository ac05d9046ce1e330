#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The shims' journals that `fargate-emu report` counts retries and rejected records from, with
# boto3 against `fargate-emu serve`: S3 uploads failed by injected SlowDown faults and retried
# by the SDK, a CloudWatch PutLogEvents throttled once, and events PutLogEvents refuses as too
# old (<data>/s3|logs/failed-requests.jsonl, <data>/logs/rejected-events.jsonl).
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.config  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f]


def test_failed_requests_and_rejected_events():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        data = os.path.join(d, "data")
        proc = subprocess.Popen(
            [EMU, "serve", "--data-dir", data, "--s3", "127.0.0.1:0", "--logs", "127.0.0.1:0",
             "--fault", "s3:PutObject:count=2:status=503:code=SlowDown",
             "--fault", "logs:PutLogEvents:count=1:code=ThrottlingException"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready = json.loads(proc.stdout.readline())
            cfg = botocore.config.Config(retries={"total_max_attempts": 5, "mode": "standard"},
                                         s3={"addressing_style": "path"})
            kw = dict(aws_access_key_id="fargate-emu", aws_secret_access_key="fargate-emu-secret",
                      region_name="us-east-1", config=cfg)
            s3 = boto3.client("s3", endpoint_url=ready["s3"]["endpoint"], **kw)
            s3.create_bucket(Bucket="journal-test")
            s3.put_object(Bucket="journal-test", Key="task/a.gz", Body=b"x")  # 2 failures
            logs = boto3.client("logs", endpoint_url=ready["logs"]["endpoint"], **kw)
            logs.create_log_group(logGroupName="/j")
            logs.create_log_stream(logGroupName="/j", logStreamName="s")
            now = int(time.time() * 1000)
            logs.put_log_events(logGroupName="/j", logStreamName="s",  # throttled once
                                logEvents=[{"timestamp": now, "message": "fresh"}])
            old = now - 15 * 86400 * 1000
            r = logs.put_log_events(logGroupName="/j", logStreamName="s",
                                    logEvents=[{"timestamp": old, "message": "old-1"},
                                               {"timestamp": old + 1, "message": "old-2"},
                                               {"timestamp": now, "message": "kept"}])
            assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}, r
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
        failed = lines(os.path.join(data, "s3", "failed-requests.jsonl"))
        puts = [x for x in failed if x["method"] == "PUT"]
        assert len(puts) == 2, failed
        for x in puts:
            assert x["path"] == "/journal-test/task/a.gz" and x["status"] == 503, x
            assert abs(x["time"] - now) < 60000, x
        failed = lines(os.path.join(data, "logs", "failed-requests.jsonl"))
        assert [(x["target"], x["status"]) for x in failed] == \
            [("Logs_20140328.PutLogEvents", 400)], failed
        rej = lines(os.path.join(data, "logs", "rejected-events.jsonl"))
        assert [(x["group"], x["stream"], x["rejected"]) for x in rej] == [("/j", "s", 2)], rej
