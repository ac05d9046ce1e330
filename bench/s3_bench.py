#!/usr/bin/python3
# S3 endpoint benchmark: 1 KiB PUT/GET ops/s at concurrency 16, 256 MiB PUT/GET MB/s, and the
# server's peak RSS (VmHWM) after each phase, against any endpoint (fargate-emu serve, s3rver).
import argparse
import concurrent.futures
import json
import os
import time

import boto3
import botocore.config


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--name", default="server")
    ap.add_argument("--small", type=int, default=4000)
    ap.add_argument("--large-mib", type=int, default=256)
    ap.add_argument("--access-key", default="fargate-emu")
    ap.add_argument("--secret-key", default="fargate-emu-secret")
    a = ap.parse_args()
    cfg = botocore.config.Config(max_pool_connections=32, s3={"addressing_style": "path"},
                                 retries={"max_attempts": 1})
    c = boto3.client("s3", endpoint_url=a.endpoint, aws_access_key_id=a.access_key,
                     aws_secret_access_key=a.secret_key, region_name="us-east-1",
                     config=cfg)
    c.create_bucket(Bucket="bench")
    body = os.urandom(1024)
    res = {"server": a.name}

    def put(i):
        c.put_object(Bucket="bench", Key="small/%06d" % i, Body=body)

    def get(i):
        c.get_object(Bucket="bench", Key="small/%06d" % i)["Body"].read()

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        for name, fn in (("put_1k_ops", put), ("get_1k_ops", get)):
            t = time.monotonic()
            list(ex.map(fn, range(a.small)))
            res[name] = round(a.small / (time.monotonic() - t))
    res["rss_after_small_mib"] = round(rss_kib(a.pid) / 1024, 1)
    size = a.large_mib * 1024 * 1024
    path = "/tmp/s3_bench_large.bin"
    with open(path, "wb") as f:
        for _ in range(a.large_mib):
            f.write(os.urandom(1024 * 1024))
    t = time.monotonic()
    with open(path, "rb") as f:
        c.put_object(Bucket="bench", Key="large", Body=f)
    res["put_large_mb_s"] = round(size / 1e6 / (time.monotonic() - t))
    t = time.monotonic()
    stream = c.get_object(Bucket="bench", Key="large")["Body"]
    while stream.read(1024 * 1024):
        pass
    res["get_large_mb_s"] = round(size / 1e6 / (time.monotonic() - t))
    res["rss_after_large_mib"] = round(rss_kib(a.pid) / 1024, 1)
    os.unlink(path)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
