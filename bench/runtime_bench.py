#!/usr/bin/env python3
# Benchmark for the task runtime: time from `fargate-emu run --detach` to all containers RUNNING
# for a 3-container task against the same containers started by plain `docker run -d` in the same
# run (target: at most 1.2x), and the supervisors' RSS while 10 tasks run.
# Usage: bench/runtime_bench.py [fargate-emu] [DOCKER_HOST]  (images: docker/build-local-images.sh)
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-release/emu/cli/fargate-emu")
HOST = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("DOCKER_HOST",
                                                             "unix:///var/run/docker.sock")
ENV = dict(os.environ, DOCKER_HOST=HOST)
IMAGE = "fargate-emu/busybox:local"
LOOP = "trap 'exit 0' TERM; while true; do sleep 1; done"
RUNS = 7


def taskdef(path):
    containers = [{"name": n, "image": IMAGE, "stopTimeout": 2, "command": ["sh", "-c", LOOP]}
                  for n in ("app", "sidecar", "worker")]
    td = {"family": "bench", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
          "cpu": "256", "memory": "512", "containerDefinitions": containers}
    with open(path, "w") as f:
        json.dump(td, f)


def sh(cmd, **kw):
    return subprocess.run(cmd, env=ENV, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def emu_once(data, td):
    t0 = time.monotonic()
    task = sh([BIN, "run", "--detach", "--data-dir", data, td]).strip()
    elapsed = time.monotonic() - t0
    sh([BIN, "stop", "--data-dir", data, task])
    return elapsed


def docker_once(tag):
    names = [f"bench-{tag}-{n}" for n in ("app", "sidecar", "worker")]
    t0 = time.monotonic()
    for n in names:
        sh(["docker", "run", "-d", "--name", n, IMAGE, "sh", "-c", LOOP])
    elapsed = time.monotonic() - t0
    sh(["docker", "rm", "-f"] + names)
    return elapsed


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    with tempfile.TemporaryDirectory(prefix="fe-bench-") as work:
        data = os.path.join(work, "data")
        td = os.path.join(work, "td.json")
        taskdef(td)
        emu_once(data, td)  # warm-up: image inspect caches, first network
        docker_once("warm")
        emu, plain = [], []
        for i in range(RUNS):  # interleaved, so drift hits both sides alike
            emu.append(emu_once(data, td))
            plain.append(docker_once(str(i)))
        e, p = statistics.median(emu), statistics.median(plain)
        print(f"3-container task to RUNNING: fargate-emu run --detach median {e * 1000:.0f} ms "
              f"(min {min(emu) * 1000:.0f}), plain docker run -d x3 median {p * 1000:.0f} ms "
              f"(min {min(plain) * 1000:.0f}); ratio {e / p:.2f}x over {RUNS} runs")
        tasks = [sh([BIN, "run", "--detach", "--data-dir", data, td]).strip() for _ in range(10)]
        pids = []
        for t in tasks:
            with open(os.path.join(data, "tasks", t + ".json")) as f:
                pids.append(json.load(f)["supervisorPid"])
        rss = [rss_kib(p) for p in pids]
        print(f"10 tasks supervised (one supervisor each): RSS total {sum(rss) / 1024:.1f} MiB, "
              f"per supervisor median {statistics.median(rss) / 1024:.1f} MiB, "
              f"max {max(rss) / 1024:.1f} MiB")
        for t in tasks:
            sh([BIN, "stop", "--data-dir", data, t])


if __name__ == "__main__":
    main()
