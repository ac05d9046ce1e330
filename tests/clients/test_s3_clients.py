#!/usr/bin/python3
# Real-client tests of the S3 shim: the Debian AWS CLI and boto3 against `fargate-emu serve`
# (path-style and virtual-hosted), presigned URLs fetched with curl, refused credentials.
import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.config  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.exceptions  # noqa: E402

EMU = os.environ.get("FARGATE_EMU", "fargate-emu")
AWS = "/usr/bin/aws"
AK, SK = "fargate-emu", "fargate-emu-secret"


class Server:
    def __init__(self, data_dir, *extra):
        self.data_dir = data_dir
        self.proc = subprocess.Popen(
            [EMU, "serve", "--s3", "127.0.0.1:0", "--data-dir", data_dir, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        self.ready = json.loads(line)
        self.port = self.ready["s3"]["port"]
        self.endpoint = self.ready["s3"]["endpoint"]

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
    r = subprocess.run([AWS, "--endpoint-url", srv.endpoint, *args],
                       env=env, capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def client(srv, style="path", secret=SK):
    return boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=AK,
                        aws_secret_access_key=secret, region_name="us-east-1",
                        config=botocore.config.Config(s3={"addressing_style": style}))


def error_code(exc):
    return exc.value.response["Error"]["Code"]


def test_ready_line(srv):
    assert srv.ready["ready"] is True
    assert srv.ready["access_key"] == AK and srv.ready["secret_key"] == SK
    assert srv.ready["s3"]["address"] == "127.0.0.1"


def test_cli_cp_ls_rm_sync(srv, tmp_path):
    aws(srv, "s3", "mb", "s3://cli-bucket")
    assert "cli-bucket" in aws(srv, "s3", "ls").stdout
    src = tmp_path / "hello.txt"
    src.write_text("hello world\n")
    aws(srv, "s3", "cp", str(src), "s3://cli-bucket/dir/hello.txt")
    out = aws(srv, "s3", "cp", "s3://cli-bucket/dir/hello.txt", "-").stdout
    assert out == "hello world\n"
    tree = tmp_path / "tree"
    for rel in ["a/1.txt", "a/2.txt", "b/c/3.txt", "space name.txt"]:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(rel)
    aws(srv, "s3", "sync", str(tree), "s3://cli-bucket/sync/")
    listing = aws(srv, "s3", "ls", "s3://cli-bucket/sync/").stdout
    assert "PRE a/" in listing and "PRE b/" in listing and "space name.txt" in listing
    rec = aws(srv, "s3", "ls", "--recursive", "s3://cli-bucket/sync/").stdout
    assert rec.count("\n") == 4
    back = tmp_path / "back"
    aws(srv, "s3", "sync", "s3://cli-bucket/sync/", str(back))
    assert (back / "b/c/3.txt").read_text() == "b/c/3.txt"
    aws(srv, "s3", "rm", "--recursive", "s3://cli-bucket/sync/")
    assert aws(srv, "s3", "ls", "--recursive", "s3://cli-bucket/sync/", check=False).stdout == ""


def test_cli_multipart_50mb(srv, tmp_path):
    aws(srv, "s3", "mb", "s3://big-bucket")
    big = tmp_path / "big.bin"
    data = os.urandom(50 * 1000 * 1000)
    big.write_bytes(data)
    aws(srv, "s3", "cp", str(big), "s3://big-bucket/big.bin")
    head = json.loads(aws(srv, "s3api", "head-object", "--bucket", "big-bucket",
                          "--key", "big.bin").stdout)
    assert head["ContentLength"] == len(data)
    chunk = 8 * 1024 * 1024  # the CLI's default part size
    md5s = b"".join(hashlib.md5(data[i:i + chunk]).digest() for i in range(0, len(data), chunk))
    parts = (len(data) + chunk - 1) // chunk
    assert head["ETag"] == '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), parts)
    back = tmp_path / "back.bin"
    aws(srv, "s3", "cp", "s3://big-bucket/big.bin", str(back))
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(data).digest()
    # Bucket to bucket: over 8 MB the CLI copies with UploadPartCopy and copy-source ranges.
    aws(srv, "s3", "mb", "s3://big-copy")
    aws(srv, "s3", "cp", "s3://big-bucket/big.bin", "s3://big-copy/copied.bin")
    head2 = json.loads(aws(srv, "s3api", "head-object", "--bucket", "big-copy",
                           "--key", "copied.bin").stdout)
    assert head2["ContentLength"] == len(data)
    assert head2["ETag"].endswith('-%d"' % parts)
    aws(srv, "s3", "cp", "s3://big-copy/copied.bin", str(back))
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(data).digest()
    aws(srv, "s3", "rm", "s3://big-copy/copied.bin")
    aws(srv, "s3", "rb", "s3://big-copy")
    aws(srv, "s3", "rm", "s3://big-bucket/big.bin")
    aws(srv, "s3", "rb", "s3://big-bucket")


def test_upload_part_copy_ranges(srv):
    c = client(srv)
    c.create_bucket(Bucket="upc")
    src = os.urandom(6 * 1024 * 1024)
    c.put_object(Bucket="upc", Key="src", Body=src)
    uid = c.create_multipart_upload(Bucket="upc", Key="dst")["UploadId"]
    p1 = c.upload_part_copy(Bucket="upc", Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": "upc", "Key": "src"},
                            CopySourceRange="bytes=0-%d" % (5 * 1024 * 1024 - 1))
    assert p1["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(src[:5 << 20]).hexdigest()
    p2 = c.upload_part_copy(Bucket="upc", Key="dst", UploadId=uid, PartNumber=2,
                            CopySource="upc/src", CopySourceRange="bytes=100-199")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.upload_part_copy(Bucket="upc", Key="dst", UploadId=uid, PartNumber=3,
                           CopySource="upc/src", CopySourceRange="bytes=0-%d" % len(src))
    assert error_code(e) == "InvalidArgument"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.upload_part_copy(Bucket="upc", Key="dst", UploadId=uid, PartNumber=3,
                           CopySource="upc/missing")
    assert error_code(e) == "NoSuchKey"
    parts = [{"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]},
             {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]
    c.complete_multipart_upload(Bucket="upc", Key="dst", UploadId=uid,
                                MultipartUpload={"Parts": parts})
    got = c.get_object(Bucket="upc", Key="dst")["Body"].read()
    assert got == src[:5 << 20] + src[100:200]


def test_kill_during_put_leaves_old_or_nothing(tmp_path):
    data = str(tmp_path / "data")
    s = Server(data)
    c = client(s)
    c.create_bucket(Bucket="crash")
    c.put_object(Bucket="crash", Key="old", Body=b"old object")
    # Two large PUTs cut by SIGKILL: one over an existing key, one to a new key.
    sent = {}
    for key in ("old", "new"):
        body = b"x" * (64 * 1024 * 1024)
        sock = socket.create_connection(("127.0.0.1", s.port))
        head = ("PUT /crash/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                "Content-Length: %d\r\n\r\n" % (key, s.port, len(body)))
        # Signed with the real signer so the body is accepted and streamed to disk.
        req = botocore.awsrequest.AWSRequest(method="PUT", url="%s/crash/%s" % (s.endpoint, key),
                                             headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(AK, SK), "s3",
                                  "us-east-1").add_auth(req)
        extra = "".join("%s: %s\r\n" % kv for kv in req.headers.items()
                        if kv[0].lower() != "host")
        sock.sendall(head[:-2].encode() + extra.encode() + b"\r\n")
        sock.sendall(body[:40 * 1024 * 1024])
        sent[key] = sock
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=20)
    for sock in sent.values():
        sock.close()
    s = Server(data)
    c = client(s)
    assert c.get_object(Bucket="crash", Key="old")["Body"].read() == b"old object"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.head_object(Bucket="crash", Key="new")
    assert e.value.response["Error"]["Code"] in ("404", "NoSuchKey")
    keys = [o["Key"] for o in c.list_objects_v2(Bucket="crash").get("Contents", [])]
    assert keys == ["old"]
    s.stop()


def test_cli_presign_with_curl(srv):
    aws(srv, "s3", "mb", "s3://presign-bucket")
    c = client(srv)
    c.put_object(Bucket="presign-bucket", Key="p/obj.txt", Body=b"presigned!")
    url = aws(srv, "s3", "presign", "s3://presign-bucket/p/obj.txt").stdout.strip()
    out = subprocess.run(["curl", "-sf", url], capture_output=True)
    assert out.returncode == 0 and out.stdout == b"presigned!"
    i = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    tampered = url[:i] + ("0" if url[i] != "0" else "1") + url[i + 1:]
    bad = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", tampered],
                         capture_output=True, text=True)
    assert bad.stdout == "403"


def test_cli_s3api_calls(srv, tmp_path):
    aws(srv, "s3api", "create-bucket", "--bucket", "api-bucket")
    body = tmp_path / "b.txt"
    body.write_text("0123456789")
    aws(srv, "s3api", "put-object", "--bucket", "api-bucket", "--key", "k.txt", "--body",
        str(body), "--content-type", "text/x-test", "--metadata", "Color=blue",
        "--cache-control", "max-age=5", "--content-disposition", "inline")
    h = json.loads(aws(srv, "s3api", "head-object", "--bucket", "api-bucket",
                       "--key", "k.txt").stdout)
    assert h["ContentType"] == "text/x-test" and h["Metadata"] == {"color": "blue"}
    assert h["CacheControl"] == "max-age=5" and h["ContentDisposition"] == "inline"
    out = tmp_path / "range.txt"
    aws(srv, "s3api", "get-object", "--bucket", "api-bucket", "--key", "k.txt", "--range",
        "bytes=2-4", str(out))
    assert out.read_text() == "234"
    aws(srv, "s3api", "copy-object", "--bucket", "api-bucket", "--key", "copy.txt",
        "--copy-source", "api-bucket/k.txt")
    lst = json.loads(aws(srv, "s3api", "list-objects-v2", "--bucket", "api-bucket").stdout)
    assert [o["Key"] for o in lst["Contents"]] == ["copy.txt", "k.txt"]
    loc = json.loads(aws(srv, "s3api", "get-bucket-location", "--bucket", "api-bucket").stdout)
    assert loc["LocationConstraint"] is None
    d = json.loads(aws(srv, "s3api", "delete-objects", "--bucket", "api-bucket", "--delete",
                       '{"Objects":[{"Key":"k.txt"},{"Key":"copy.txt"}]}').stdout)
    assert sorted(x["Key"] for x in d["Deleted"]) == ["copy.txt", "k.txt"]
    aws(srv, "s3api", "delete-bucket", "--bucket", "api-bucket")


def test_wrong_secret_refused(srv):
    r = aws(srv, "s3", "ls", secret="not-the-secret", check=False)
    assert r.returncode != 0 and "SignatureDoesNotMatch" in r.stderr
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(srv, secret="nope").list_buckets()
    assert error_code(e) == "SignatureDoesNotMatch"
    bad_key = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id="AKIDUNKNOWN",
                           aws_secret_access_key=SK, region_name="us-east-1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bad_key.list_buckets()
    assert error_code(e) == "InvalidAccessKeyId"


def test_tampered_signature_and_anonymous_refused(srv):
    url = srv.endpoint + "/"
    req = botocore.awsrequest.AWSRequest(method="GET", url=url)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(AK, SK), "s3",
                              "us-east-1").add_auth(req)
    good = urllib.request.Request(url, headers=dict(req.headers.items()))
    assert urllib.request.urlopen(good).status == 200
    auth = req.headers["Authorization"]
    sig = auth[-64:]
    flipped = auth[:-64] + ("0" if sig[0] != "0" else "1") + sig[1:]
    headers = dict(req.headers.items())
    headers["Authorization"] = flipped
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(url, headers=headers))
    assert e.value.code == 403 and b"SignatureDoesNotMatch" in e.value.read()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url)
    assert e.value.code == 403 and b"AccessDenied" in e.value.read()


WEIRD_KEYS = ["../escape.txt", "a//b", "trailing/", "pct%2Fkey", "sp ace+plus", "ünï/cødé ✓",
              "..", "./x", "q?x=1&y#z", "k" * 1024]


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_boto3_objects_both_styles(srv, style, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *a, **k):  # *.localhost resolves to loopback, as systemd-resolved does
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *a, **k)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    ep = srv.endpoint.replace("127.0.0.1", "localhost") if style == "virtual" else srv.endpoint
    c = boto3.client("s3", endpoint_url=ep, aws_access_key_id=AK, aws_secret_access_key=SK,
                     region_name="us-east-1",
                     config=botocore.config.Config(s3={"addressing_style": style}))
    bucket = "boto-%s" % style
    c.create_bucket(Bucket=bucket)
    c.head_bucket(Bucket=bucket)
    for i, key in enumerate(WEIRD_KEYS):
        c.put_object(Bucket=bucket, Key=key, Body=b"v%d" % i, Metadata={"idx": str(i)})
    for i, key in enumerate(WEIRD_KEYS):
        o = c.get_object(Bucket=bucket, Key=key)
        assert o["Body"].read() == b"v%d" % i and o["Metadata"]["idx"] == str(i)
    keys = []
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={
            "PageSize": 3}):
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert keys == sorted(WEIRD_KEYS, key=lambda k: k.encode())
    v1 = [o["Key"] for p in c.get_paginator("list_objects").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 4}) for o in p.get("Contents", [])]
    assert v1 == keys
    res = c.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert sorted(p["Prefix"] for p in res["CommonPrefixes"]) == sorted(
        ["../", "a/", "trailing/", "ünï/", "./"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_code(e) == "KeyTooLongError"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.delete_bucket(Bucket=bucket)
    assert error_code(e) == "BucketNotEmpty"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_object(Bucket=bucket, Key="missing")
    assert error_code(e) == "NoSuchKey"
    c.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in WEIRD_KEYS]})
    c.delete_bucket(Bucket=bucket)
    # Nothing may ever be written outside the bucket directories (serve's fault control socket
    # sits at the top of the data dir).
    for root, _dirs, files in os.walk(srv.data_dir):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), srv.data_dir)
            assert rel.startswith("s3/buckets/") or rel in ("s3/lock", "control.sock"), rel


def test_boto3_checks(srv):
    c = client(srv)
    c.create_bucket(Bucket="checks", CreateBucketConfiguration={
        "LocationConstraint": "eu-west-2"})
    assert c.get_bucket_location(Bucket="checks")["LocationConstraint"] == "eu-west-2"
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_object(Bucket="checks", Key="x", Body=b"data", ContentMD5=wrong_md5)
    assert error_code(e) == "BadDigest"
    c.put_object(Bucket="checks", Key="x", Body=b"0123456789", ContentType="text/plain",
                 ContentEncoding="identity")
    o = c.get_object(Bucket="checks", Key="x", Range="bytes=-3",
                     ResponseContentType="application/x-over")
    assert o["Body"].read() == b"789" and o["ContentType"] == "application/x-over"
    etag = o["ETag"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_object(Bucket="checks", Key="x", IfNoneMatch=etag)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_object(Bucket="checks", Key="x", IfMatch='"0000"')
    assert error_code(e) == "PreconditionFailed"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_object(Bucket="checks", Key="x", Range="bytes=100-")
    assert error_code(e) == "InvalidRange"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_bucket_tagging(Bucket="checks")
    assert error_code(e) == "NotImplemented"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.head_bucket(Bucket="no-such-bucket")
    assert e.value.response["Error"]["Code"] == "404"


def test_boto3_multipart_rules(srv):
    c = client(srv)
    c.create_bucket(Bucket="mpu")
    up = c.create_multipart_upload(Bucket="mpu", Key="obj", ContentType="text/csv")
    uid = up["UploadId"]
    p1 = c.upload_part(Bucket="mpu", Key="obj", UploadId=uid, PartNumber=1, Body=b"a" * 100)
    p2 = c.upload_part(Bucket="mpu", Key="obj", UploadId=uid, PartNumber=2, Body=b"b" * 100)
    assert [p["PartNumber"] for p in c.list_parts(Bucket="mpu", Key="obj",
                                                  UploadId=uid)["Parts"]] == [1, 2]
    assert c.list_multipart_uploads(Bucket="mpu")["Uploads"][0]["UploadId"] == uid
    parts = [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]
    for bad, code in [(parts, "EntityTooSmall"), (parts[::-1], "InvalidPartOrder"),
                      ([{"PartNumber": 1, "ETag": '"%s"' % ("0" * 32)}], "InvalidPart")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            c.complete_multipart_upload(Bucket="mpu", Key="obj", UploadId=uid,
                                        MultipartUpload={"Parts": bad})
        assert error_code(e) == code
    big = os.urandom(5 * 1024 * 1024)
    p1 = c.upload_part(Bucket="mpu", Key="obj", UploadId=uid, PartNumber=1, Body=big)
    parts[0]["ETag"] = p1["ETag"]
    done = c.complete_multipart_upload(Bucket="mpu", Key="obj", UploadId=uid,
                                       MultipartUpload={"Parts": parts})
    md5s = hashlib.md5(big).digest() + hashlib.md5(b"b" * 100).digest()
    assert done["ETag"] == '"%s-2"' % hashlib.md5(md5s).hexdigest()
    o = c.get_object(Bucket="mpu", Key="obj")
    assert o["Body"].read() == big + b"b" * 100 and o["ContentType"] == "text/csv"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.upload_part(Bucket="mpu", Key="obj", UploadId=uid, PartNumber=3, Body=b"x")
    assert error_code(e) == "NoSuchUpload"
    up = c.create_multipart_upload(Bucket="mpu", Key="gone")
    c.abort_multipart_upload(Bucket="mpu", Key="gone", UploadId=up["UploadId"])
    assert "Uploads" not in c.list_multipart_uploads(Bucket="mpu")


def test_restart_keeps_everything_and_anonymous_mode():
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        s = Server(data)
        c = client(s)
        c.create_bucket(Bucket="persist")
        c.put_object(Bucket="persist", Key="a/b", Body=b"kept")
        s.stop()
        s = Server(data, "--allow-anonymous")
        c = client(s)
        assert c.get_object(Bucket="persist", Key="a/b")["Body"].read() == b"kept"
        assert urllib.request.urlopen(s.endpoint + "/persist/a/b").read() == b"kept"
        with pytest.raises(botocore.exceptions.ClientError) as e:
            client(s, secret="wrong").list_buckets()
        assert error_code(e) == "SignatureDoesNotMatch"
        s.stop()


def test_enforce_iam_s3(tmp_path):
    """The classic FireLens failure: a task role without s3:PutObject on the log bucket."""
    policy = tmp_path / "task-role.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:CreateBucket", "s3:ListBucket"],
         "Resource": "arn:aws:s3:::logs-*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs-ok/*"},
        {"Effect": "Deny", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::logs-ok/secret/*"}]}))
    s = Server(str(tmp_path / "data"), "--enforce-iam", "--task-role-policy", str(policy))
    try:
        c = client(s)
        c.create_bucket(Bucket="logs-ok")
        c.create_bucket(Bucket="logs-other")
        c.put_object(Bucket="logs-ok", Key="app/1.gz", Body=b"x")
        assert [o["Key"] for o in c.list_objects_v2(Bucket="logs-ok")["Contents"]] == ["app/1.gz"]
        for bucket, key in (("logs-other", "app/1.gz"), ("logs-ok", "secret/1.gz")):
            with pytest.raises(botocore.exceptions.ClientError) as e:
                c.put_object(Bucket=bucket, Key=key, Body=b"x")
            assert error_code(e) == "AccessDenied"
            assert e.value.response["Error"]["Message"] == "Access Denied"
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(botocore.exceptions.ClientError) as e:
            c.get_object(Bucket="logs-ok", Key="app/1.gz")  # no s3:GetObject granted
        assert error_code(e) == "AccessDenied"
        r = aws(s, "s3", "cp", str(policy), "s3://logs-other/x.json", check=False)
        assert r.returncode != 0 and "AccessDenied" in r.stderr, r.stderr
        # Nothing of the refused PUTs was stored.
        assert "Contents" not in c.list_objects_v2(Bucket="logs-other")
    finally:
        s.stop()


def test_boto3_list_uploads_delimiter_and_paging(srv):
    c = client(srv)
    c.create_bucket(Bucket="mpulist")
    ids = {}
    for key in ("a/1", "a/1", "a/2", "b", "c/x"):
        ids.setdefault(key, []).append(
            c.create_multipart_upload(Bucket="mpulist", Key=key)["UploadId"])
    got = c.list_multipart_uploads(Bucket="mpulist", Delimiter="/")
    assert [u["Key"] for u in got["Uploads"]] == ["b"]
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == ["a/", "c/"]
    # One upload per page: every upload once, in key order, through both markers.
    pages = c.get_paginator("list_multipart_uploads").paginate(
        Bucket="mpulist", PaginationConfig={"PageSize": 1})
    seen = [(u["Key"], u["UploadId"]) for p in pages for u in p.get("Uploads", [])]
    assert sorted(k for k, _ in seen) == ["a/1", "a/1", "a/2", "b", "c/x"]
    assert [k for k, _ in seen] == sorted(k for k, _ in seen)
    assert sorted(i for _, i in seen) == sorted(i for v in ids.values() for i in v)
    page = c.list_multipart_uploads(Bucket="mpulist", KeyMarker="a/1",
                                    UploadIdMarker=seen[0][1])
    assert [(u["Key"], u["UploadId"]) for u in page["Uploads"]] == seen[1:]
    for key, up in seen:
        c.abort_multipart_upload(Bucket="mpulist", Key=key, UploadId=up)
