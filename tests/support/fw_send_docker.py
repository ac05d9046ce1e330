#!/usr/bin/python3
# Sends what Docker's fluentd log driver sends for long lines: Forward Message mode records
# with container_id, container_name, source, log, and for a line over 16 KiB its 16 KiB parts
# with partial_message "true", partial_id, partial_ordinal "1".."n", partial_last "false"/"true".
# Usage: fw_send_docker.py SOCKET  (prints nothing; exits 0 once the router has read it all)
import os
import socket
import struct
import sys
import time

import msgpack

TAG = "app-firelens-0123456789abcdef0123456789abcdef"
CID = "3f4e" * 16
PART = 16 * 1024


def record(i, name, source, log, partial=None):
    rec = {"container_id": CID, "container_name": name, "source": source, "log": log}
    if partial:
        pid, ordinal, last = partial
        rec["partial_message"] = "true"
        rec["partial_id"] = pid
        rec["partial_ordinal"] = str(ordinal)
        rec["partial_last"] = "true" if last else "false"
    ts = msgpack.ExtType(0, struct.pack(">II", int(time.time()), i))
    return msgpack.packb([TAG, ts, rec, {}], use_bin_type=True)


def split(line):
    return [line[i:i + PART] for i in range(0, len(line), PART)]


def main():
    path = sys.argv[1]
    a, b = "/ecs-myapp-3-app-e8c2a1b2c3d4e5f60708", "/ecs-myapp-3-side-0708e8c2a1b2c3d4e5f6"
    long_line = "".join("%05d:" % n + "y" * 34 for n in range(1024))  # 40 KiB
    assert len(long_line) == 40960
    parts = split(long_line)
    pid = "dc37eb08b4242c41757d4cd995d983d1cdda4589193755a22fcf47a638317da0"
    out, i = [], 0
    for n in range(5):
        out.append(record(i, a, "stdout", "line-%d" % n)); i += 1
    for k, part in enumerate(parts):
        out.append(record(i, a, "stdout", part, (pid, k + 1, k == len(parts) - 1))); i += 1
        if k == 0:
            out.append(record(i, b, "stderr", "interleaved")); i += 1
    for n in range(5, 10):
        out.append(record(i, a, "stdout", "line-%d" % n)); i += 1
    # A split line whose last part never comes: flushed after flush_ms through the emitter.
    pid2 = "ab" * 32
    for k in range(2):
        out.append(record(i, b, "stdout", "z" * PART, (pid2, k + 1, False))); i += 1
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("cannot connect to %s" % path)
    s.sendall(b"".join(out))
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    sys.stderr.write("sent %d records\n" % len(out))


if __name__ == "__main__":
    main()
