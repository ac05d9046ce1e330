#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of `fargate-emu report` on synthetic data dirs of growing size (the golden test's
# fixture, tests/support/report_fixture.py, plus N records in the task's S3 bucket as gzipped
# objects of 1000 records, N events in its CloudWatch stream and N lines of container output):
# median wall time of `report --json` and its peak RSS, against `fargate-emu logs --count` over
# the same bucket in the same run (the existing reader of those objects).
# Usage: bench/report_bench.py [path/to/fargate-emu] [N ...] (default build-release, 10000 100000)
import gzip
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-release/emu/cli/fargate-emu")
SIZES = [int(a) for a in sys.argv[2:]] or [10000, 100000]
spec = importlib.util.spec_from_file_location(
    "fx", os.path.join(ROOT, "tests/support/report_fixture.py"))
fx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fx)


def build_peak_rss():
    exe = os.path.join(tempfile.gettempdir(), "fargate-emu-peak-rss")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(ROOT, "bench/peak_rss.c")], check=True)
    return exe


def make(root, n):
    fx.task_state(root)
    fx.outputs(root)
    fx.router(root)
    fx.s3(root)
    fx.cwl(root)
    fx.journals(root)
    t = fx.START
    with open(os.path.join(root, "tasks", fx.TASK + ".out", "app.log"), "a") as f:
        for i in range(n):
            f.write("%s stdout GET /?i=%d HTTP/1.1 200 612\n" % (fx.iso(t + i // 100), i))
    for o in range(0, n, 1000):
        body = "".join(fx.rec(fx.TASK, t + i // 100, "GET /?i=%d HTTP/1.1 200 612" % i)
                       for i in range(o, min(n, o + 1000))).encode()
        fx.s3_object(root, "fe-fixture", "%s/bench/%08d.gz" % (fx.TASK, o),
                     gzip.compress(body, 6, mtime=0), t + o // 100 + 2000)
    gdir = os.path.join(root, "logs", "%2Fecs%2Ffixture")
    with open(os.path.join(gdir, "app-bench-" + fx.TASK + ".stream.jsonl"), "w") as f:
        f.write(json.dumps({"logStreamName": "app-bench-" + fx.TASK, "creationTime": t,
                            "id": 9}) + "\n")
        for i in range(n):
            f.write(json.dumps({"timestamp": t + i // 100, "ingestionTime": t + i // 100 + 300,
                                "message": '{"log":"GET /?i=%d HTTP/1.1 200 612"}' % i}) + "\n")


def median_wall(cmd, runs=3):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit("%s not found: cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release && "
                 "cmake --build build-release" % BIN)
    peak = build_peak_rss()
    print("binary: %s" % BIN)
    print("| records per destination | report --json | peak RSS | logs --count s3:// (same "
          "bucket) | ratio |")
    print("|---|---|---|---|---|")
    for n in SIZES:
        with tempfile.TemporaryDirectory(dir="/tmp") as d:
            data = os.path.join(d, "data")
            make(data, n)
            rep = [BIN, "report", "--last", "--json", "--data-dir", data]
            logs = [BIN, "logs", "--count", "s3://fe-fixture", "--data-dir", data]
            out = json.loads(subprocess.run(rep, capture_output=True, text=True,
                                            check=True).stdout)
            got = [x["records"] for x in out["destinations"]]
            assert got[0] == n + 4 and got[1] == n + 4, got
            tr, tl = median_wall(rep), median_wall(logs)
            r = subprocess.run([peak] + rep, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
            rss = int(r.stderr.strip().splitlines()[-1])
            print("| %d | %.3f s | %.1f MiB | %.3f s | %.2f |" % (n, tr, rss / 1024, tl, tr / tl))


if __name__ == "__main__":
    main()
