#!/usr/bin/python3
# Additional checksums against `fargate-emu serve`: boto3's ChecksumAlgorithm headers
# (x-amz-checksum-*), ChecksumMode=ENABLED on GET/HEAD (botocore validates the returned value),
# refused digests, and aws-chunked bodies with trailers, unsigned (the layout botocore's
# AwsChunkedWrapper writes) and signed (chunk and trailer signatures computed here from the
# documented string-to-sign formats).
import base64
import datetime
import hashlib
import hmac
import http.client
import io
import zlib

import pytest

boto3 = pytest.importorskip("boto3")
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.exceptions  # noqa: E402
import botocore.httpchecksum  # noqa: E402

from test_s3_clients import AK, SK, client, srv  # noqa: E402,F401

EMPTY = hashlib.sha256(b"").hexdigest()


def b64(data):
    return base64.b64encode(data).decode()


def crc32_b64(data):
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def test_header_checksums_verified_stored_returned(srv):  # noqa: F811
    c = client(srv)
    c.create_bucket(Bucket="cks")
    body = b"checksummed body " * 100
    for alg in ("CRC32", "SHA1", "SHA256"):
        key = "obj-" + alg.lower()
        r = c.put_object(Bucket="cks", Key=key, Body=body, ChecksumAlgorithm=alg)
        want = {"CRC32": crc32_b64(body), "SHA1": b64(hashlib.sha1(body).digest()),
                "SHA256": b64(hashlib.sha256(body).digest())}[alg]
        assert r["Checksum" + alg] == want
        got = c.get_object(Bucket="cks", Key=key, ChecksumMode="ENABLED")
        assert got["Checksum" + alg] == want
        assert got["Body"].read() == body  # botocore checks the returned checksum here
        assert c.head_object(Bucket="cks", Key=key, ChecksumMode="ENABLED")["Checksum" + alg] \
            == want
        # Without the mode the checksum is not returned, as S3.
        assert "Checksum" + alg not in c.head_object(Bucket="cks", Key=key)
    # A wrong value is BadDigest, a malformed one InvalidRequest; nothing is stored.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_object(Bucket="cks", Key="bad", Body=body, ChecksumCRC32=crc32_b64(b"other"))
    assert e.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_object(Bucket="cks", Key="bad", Body=body, ChecksumSHA256="bm90IGEgZGlnZXN0")
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.head_object(Bucket="cks", Key="bad")
    # UploadPart verifies and echoes the part's checksum too.
    up = c.create_multipart_upload(Bucket="cks", Key="mp")["UploadId"]
    part = c.upload_part(Bucket="cks", Key="mp", UploadId=up, PartNumber=1, Body=body,
                         ChecksumAlgorithm="SHA256")
    assert part["ChecksumSHA256"] == b64(hashlib.sha256(body).digest())
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.upload_part(Bucket="cks", Key="mp", UploadId=up, PartNumber=2, Body=body,
                      ChecksumCRC32=crc32_b64(b"x"))
    assert e.value.response["Error"]["Code"] == "BadDigest"
    c.abort_multipart_upload(Bucket="cks", Key="mp", UploadId=up)


class FixedPayloadAuth(botocore.auth.S3SigV4Auth):
    """botocore's S3 signer with a given x-amz-content-sha256 (it has no signed-trailer mode)."""

    def __init__(self, content_sha):
        super().__init__(botocore.credentials.Credentials(AK, SK), "s3", "us-east-1")
        self.content_sha = content_sha

    def payload(self, request):
        return self.content_sha


def signed_headers(srv, key, content_sha, extra):
    req = botocore.awsrequest.AWSRequest(method="PUT", url="%s/cks/%s" % (srv.endpoint, key),
                                         headers=extra)
    FixedPayloadAuth(content_sha).add_auth(req)
    assert req.headers["X-Amz-Content-SHA256"] == content_sha
    return dict(req.headers.items())


def send(srv, key, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    headers["Content-Length"] = str(len(body))
    conn.request("PUT", "/cks/" + key, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data, r.headers


def unsigned_trailer_body(chunks, name, value):
    out = b"".join(b"%x\r\n%s\r\n" % (len(ch), ch) for ch in chunks)
    return out + b"0\r\n%s:%s\r\n\r\n" % (name.encode(), value.encode())


def test_unsigned_trailer(srv):  # noqa: F811
    c = client(srv)
    c.create_bucket(Bucket="cks")
    chunks = [b"a" * 70000, b"b" * 100]
    data = b"".join(chunks)
    extra = {"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
             "x-amz-decoded-content-length": str(len(data))}
    h = signed_headers(srv, "trail", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", extra)
    # The body botocore itself writes for trailer checksums.
    wrapped = botocore.httpchecksum.AwsChunkedWrapper(
        io.BytesIO(data), checksum_cls=botocore.httpchecksum.Crc32Checksum,
        checksum_name="x-amz-checksum-crc32", chunk_size=65536).read()
    assert wrapped == unsigned_trailer_body(
        [data[:65536], data[65536:]], "x-amz-checksum-crc32", crc32_b64(data))
    st, body, rh = send(srv, "trail", h, wrapped)
    assert st == 200, body
    assert rh["x-amz-checksum-crc32"] == crc32_b64(data)
    got = c.get_object(Bucket="cks", Key="trail", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumCRC32"] == crc32_b64(data)
    assert "ContentEncoding" not in got  # the transfer's aws-chunked is not stored
    h = signed_headers(srv, "trail-bad", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", extra)
    st, body, _ = send(srv, "trail-bad", h, unsigned_trailer_body(
        chunks, "x-amz-checksum-crc32", crc32_b64(b"other")))
    assert st == 400 and b"<Code>BadDigest</Code>" in body
    st, body, _ = send(srv, "trail-bad", h, unsigned_trailer_body(chunks, "x-amz-meta-x", "1"))
    assert st == 400 and b"<Code>InvalidRequest</Code>" in body
    with pytest.raises(botocore.exceptions.ClientError):
        c.head_object(Bucket="cks", Key="trail-bad")


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_trailer_body(seed, amz_date, chunks, trailer_line, tamper=False):
    date = amz_date[:8]
    scope = "%s/us-east-1/s3/aws4_request" % date
    k = hmac_sha256(("AWS4" + SK).encode(), date)
    for part in ("us-east-1", "s3", "aws4_request"):
        k = hmac_sha256(k, part)
    prev, out = seed, b""
    for ch in chunks + [b""]:
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, EMPTY,
                         hashlib.sha256(ch).hexdigest()])
        prev = hmac_sha256(k, sts).hex()
        out += b"%x;chunk-signature=%s\r\n" % (len(ch), prev.encode())
        if ch:
            out += ch + b"\r\n"
    sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                     hashlib.sha256((trailer_line + "\n").encode()).hexdigest()])
    sig = hmac_sha256(k, sts).hex()
    if tamper:
        trailer_line = trailer_line[:-2] + ("A=" if trailer_line[-2] != "A" else "B=")
    return out + b"%s\r\nx-amz-trailer-signature:%s\r\n\r\n" % (trailer_line.encode(),
                                                                 sig.encode())


def test_signed_trailer(srv):  # noqa: F811
    c = client(srv)
    c.create_bucket(Bucket="cks")
    chunks = [b"x" * 65536, b"tail"]
    data = b"".join(chunks)
    sha = b64(hashlib.sha256(data).digest())
    extra = {"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-sha256",
             "x-amz-decoded-content-length": str(len(data))}
    for tamper in (False, True):
        amz_date = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
        h = signed_headers(srv, "strail", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                           dict(extra, **{"X-Amz-Date": amz_date}))
        seed = h["Authorization"].rsplit("Signature=", 1)[1]
        amz_date = h["X-Amz-Date"]
        body = signed_trailer_body(seed, amz_date, chunks, "x-amz-checksum-sha256:" + sha,
                                   tamper)
        st, resp, _ = send(srv, "strail", h, body)
        if tamper:
            assert st == 403 and b"<Code>SignatureDoesNotMatch</Code>" in resp, resp
        else:
            assert st == 200, resp
    got = c.get_object(Bucket="cks", Key="strail", ChecksumMode="ENABLED")
    assert got["Body"].read() == data and got["ChecksumSHA256"] == sha
