#!/usr/bin/python3
# Creates a bucket in, or checks what emu-router's s3 output wrote to, an S3 endpoint with boto3:
# every object's key matches the seed's s3_key_format, the body is gzip, and the JSON lines
# inside hold every fw_send.py record exactly once.
# Usage: s3_check.py ENDPOINT BUCKET create | check COUNT KEY_REGEX
import gzip
import json
import re
import sys

import boto3


def main():
    endpoint, bucket, action = sys.argv[1], sys.argv[2], sys.argv[3]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="fargate-emu",
                      aws_secret_access_key="fargate-emu-secret")
    if action == "create":
        s3.create_bucket(Bucket=bucket)
        return 0
    count, key_re = int(sys.argv[4]), re.compile(sys.argv[5])
    seen = bytearray(count)
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [o["Key"] for o in page.get("Contents", [])]
    if not keys:
        sys.exit("no objects")
    for key in keys:
        if not key_re.fullmatch(key):
            sys.exit("key %r does not match %s" % (key, key_re.pattern))
        obj = s3.get_object(Bucket=bucket, Key=key)
        body = obj["Body"].read()
        if body[:2] != b"\x1f\x8b":
            sys.exit("object %s is not gzip" % key)
        for line in gzip.decompress(body).decode().splitlines():
            rec = json.loads(line)
            for k in ("date", "container_id", "container_name", "source", "log"):
                if k not in rec:
                    sys.exit("record without %s in %s: %s" % (k, key, line))
            n = int(rec["log"][4:13])
            if seen[n]:
                sys.exit("record %d twice (object %s)" % (n, key))
            seen[n] = 1
    missing = count - sum(seen)
    if missing:
        sys.exit("%d records missing" % missing)
    print("s3_check: %d objects, %d records, each once" % (len(keys), count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
