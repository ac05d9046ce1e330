#!/usr/bin/env python3
# Benchmark for the foundation: wall time per process run and peak RSS of `fargate-emu validate`
# and `render --what all` on the seed task, and how time grows with 1k/5k/10k containers.
# Usage: bench/taskdef_bench.py [path/to/fargate-emu] (default build-release/emu/cli/fargate-emu)
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-release/emu/cli/fargate-emu")
SEED = os.path.join(ROOT, "fixtures/seed/task-s3-full.json")
TASK_ID = "0123456789abcdef0123456789abcdef"


def build_peak_rss():
    """Compiles bench/peak_rss.c (fork, exec, wait4): a child spawned from Python would count
    Python's own RSS as its peak."""
    exe = os.path.join(tempfile.gettempdir(), "fargate-emu-peak-rss")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(ROOT, "bench/peak_rss.c")], check=True)
    return exe


PEAK_RSS = None


def peak_rss_kib(cmd):
    """Peak RSS of one run of cmd, in KiB."""
    out = subprocess.run([PEAK_RSS] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    return int(out.stderr.strip().splitlines()[-1])


def time_runs(cmd, runs, ok=(0,)):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        if r.returncode not in ok:
            sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}")
    return times


def synthetic(n):
    containers = [{
        "name": "log_router", "image": "router", "essential": True,
        "firelensConfiguration": {"type": "fluentbit"}, "memoryReservation": 50,
    }]
    for i in range(1, n):
        containers.append({
            "name": f"app{i}", "image": "nginx", "essential": i == 1,
            "environment": [{"name": "N", "value": str(i)}],
            "logConfiguration": {"logDriver": "awsfirelens", "options": {
                "Name": "cloudwatch", "region": "us-east-1", "log_group_name": f"g{i}",
                "log_stream_prefix": "p", "auto_create_group": "true"}},
        })
    return {"family": "synthetic", "networkMode": "awsvpc", "requiresCompatibilities": ["EC2"],
            "memory": "122880", "containerDefinitions": containers}


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN} not found: build with cmake -S . -B build-release "
                 f"-DCMAKE_BUILD_TYPE=Release && cmake --build build-release")
    global PEAK_RSS
    PEAK_RSS = build_peak_rss()
    print(f"binary: {BIN}")
    print(f"peak RSS of /bin/true under the same harness: {peak_rss_kib(['/bin/true'])} KiB")
    validate = [BIN, "validate", SEED]
    render = [BIN, "render", "--what", "all", "--task-id", TASK_ID, SEED]
    true_cmd = ["/bin/true"]
    print("\n== seed task (fixtures/seed/task-s3-full.json), 200 runs each ==")
    base = statistics.median(time_runs(true_cmd, 200))
    for label, cmd in (("validate", validate), ("render --what all", render)):
        t = time_runs(cmd, 200)
        print(f"{label:18s} median {statistics.median(t)*1e3:6.2f} ms  min {min(t)*1e3:6.2f} ms"
              f"  (/bin/true: {base*1e3:.2f} ms)  peak RSS {peak_rss_kib(cmd)} KiB")

    print("\n== synthetic task definitions (EC2, 1 router + N-1 awsfirelens apps), 5 runs ==")
    print("(ECS allows 10 containers per task definition, so validate parses, checks every rule")
    print(" and exits 1 with 'Too many containers.'; render uses --no-validate)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1000, 5000, 10000):
            path = os.path.join(tmp, f"td{n}.json")
            with open(path, "w") as f:
                json.dump(synthetic(n), f)
            size = os.path.getsize(path)
            tv = statistics.median(time_runs([BIN, "validate", path], 5, ok=(1,)))
            render_cmd = [BIN, "render", "--no-validate", "--what", "all", "--task-id", TASK_ID,
                          path]
            tr = statistics.median(time_runs(render_cmd, 5))
            rss = peak_rss_kib(render_cmd)
            rows.append((n, tv, tr))
            print(f"N={n:6d} ({size/1e6:4.1f} MB)  validate {tv*1e3:8.1f} ms  "
                  f"render all {tr*1e3:8.1f} ms  peak RSS {rss/1024:6.1f} MiB")
    n0, v0, r0 = rows[0]
    print("\ngrowth relative to N=1000 (linear would be 1.0 / 5.0 / 10.0):")
    for n, tv, tr in rows:
        print(f"N={n:6d}  validate x{tv/v0:5.2f}  render x{tr/r0:5.2f}")


if __name__ == "__main__":
    main()
