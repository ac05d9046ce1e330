#!/usr/bin/python3
# The S3 store full (`serve --s3-max-bytes`), seen by real clients: boto3 and the AWS CLI get
# 500 InternalError (S3's answer to a storage failure, which SDKs retry), no partial object
# is ever visible, a multipart upload survives the failure, and writes succeed again once
# space is freed.
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
CAP = 1024 * 1024  # --s3-max-bytes 1M
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def srv():
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        p = subprocess.Popen([EMU, "serve", "--s3", "127.0.0.1:0", "--data-dir", data,
                              "--s3-max-bytes", "1M"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line, p.stderr.read()
        ready = json.loads(line)
        yield ready["s3"]["endpoint"], data, d
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0


def client(endpoint, attempts=1):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=AK,
                        aws_secret_access_key=SK, region_name="us-east-1",
                        config=botocore.config.Config(
                            s3={"addressing_style": "path"},
                            retries={"max_attempts": attempts, "mode": "standard"}))


def eventually(fn, seconds=5.0):
    """The store's usage is walked at most once a second: freed space shows within that."""
    end = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except botocore.exceptions.ClientError:
            if time.monotonic() > end:
                raise
            time.sleep(0.3)


def test_full_store_answers_internal_error_and_recovers(srv):
    endpoint, data, _ = srv
    s3 = client(endpoint)
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="a", Body=b"a" * (600 * 1024))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_object(Bucket="full", Key="b", Body=b"b" * (600 * 1024))
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert err["Error"]["Code"] == "InternalError"
    assert err["Error"]["Message"] == "We encountered an internal error. Please try again."
    # Nothing of the failed PUT is visible, the earlier object is intact.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="full").get("Contents", [])]
    assert keys == ["a"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.head_object(Bucket="full", Key="b")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert s3.get_object(Bucket="full", Key="a")["Body"].read() == b"a" * (600 * 1024)
    # No temp file of the failed PUT is left taking space.
    left = [f for r, _, fs in os.walk(os.path.join(data, "s3")) for f in fs
            if f.startswith((".w-", "w-"))]
    assert left == []
    # Space freed: the same PUT goes through.
    s3.delete_object(Bucket="full", Key="a")
    eventually(lambda: s3.put_object(Bucket="full", Key="b", Body=b"b" * (600 * 1024)))
    assert s3.get_object(Bucket="full", Key="b")["Body"].read() == b"b" * (600 * 1024)
    s3.delete_object(Bucket="full", Key="b")


def test_sdk_retries_ride_out_a_short_full_disk(srv):
    """An SDK with retries (standard mode retries 500) succeeds once space frees up meanwhile."""
    endpoint, _, _ = srv
    s3 = client(endpoint)
    s3.create_bucket(Bucket="retry")
    eventually(lambda: s3.put_object(Bucket="retry", Key="filler", Body=b"f" * (900 * 1024)))
    retrying = client(endpoint, attempts=10)
    import threading
    t = threading.Timer(1.0, lambda: s3.delete_object(Bucket="retry", Key="filler"))
    t.start()
    retrying.put_object(Bucket="retry", Key="late", Body=b"l" * (300 * 1024))
    t.join()
    assert s3.head_object(Bucket="retry", Key="late")["ContentLength"] == 300 * 1024
    s3.delete_object(Bucket="retry", Key="late")


def test_multipart_survives_a_full_store(srv):
    endpoint, _, _ = srv
    s3 = client(endpoint)
    s3.create_bucket(Bucket="mpu")
    up = s3.create_multipart_upload(Bucket="mpu", Key="big")["UploadId"]
    body = b"1" * (300 * 1024)
    p1 = eventually(lambda: s3.upload_part(Bucket="mpu", Key="big", UploadId=up, PartNumber=1,
                                           Body=body))
    eventually(lambda: s3.put_object(Bucket="mpu", Key="filler", Body=b"f" * (450 * 1024)))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.upload_part(Bucket="mpu", Key="big", UploadId=up, PartNumber=2, Body=b"2" * (400 * 1024))
    assert e.value.response["Error"]["Code"] == "InternalError"
    parts = s3.list_parts(Bucket="mpu", Key="big", UploadId=up).get("Parts", [])
    assert [p["PartNumber"] for p in parts] == [1]  # the failed part is not there
    # Completing copies the parts into the object, so it needs their size once more: refused
    # while the store is full (the upload stays open, no object visible) ...
    done = {"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}]}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.complete_multipart_upload(Bucket="mpu", Key="big", UploadId=up, MultipartUpload=done)
    assert e.value.response["Error"]["Code"] == "InternalError"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="mpu").get("Contents", [])] == ["filler"]
    assert len(s3.list_parts(Bucket="mpu", Key="big", UploadId=up)["Parts"]) == 1
    # ... and done once space is freed, with the right bytes.
    s3.delete_object(Bucket="mpu", Key="filler")
    eventually(lambda: s3.complete_multipart_upload(Bucket="mpu", Key="big", UploadId=up,
                                                    MultipartUpload=done))
    assert s3.get_object(Bucket="mpu", Key="big")["Body"].read() == body
    s3.delete_object(Bucket="mpu", Key="big")


def test_aws_cli_reports_internal_error(srv):
    endpoint, _, d = srv
    src = os.path.join(d, "big.bin")
    with open(src, "wb") as f:
        f.write(b"x" * (2 * MIB))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="", AWS_MAX_ATTEMPTS="2")
    r = subprocess.run([AWS, "--endpoint-url", endpoint, "s3api", "put-object", "--bucket",
                        "full", "--key", "cli", "--body", src], env=env, capture_output=True,
                       text=True)
    assert r.returncode != 0
    assert "InternalError" in r.stderr and "We encountered an internal error" in r.stderr, r.stderr
