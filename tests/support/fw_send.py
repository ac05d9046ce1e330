#!/usr/bin/python3
# Sends Docker-fluentd-driver-shaped Forward messages (container_id, container_name, source,
# log of ~100 bytes, EventTime) to a unix socket, in Message or PackedForward mode.
# Usage: fw_send.py SOCKET COUNT [message|packed] [TAG] [BATCH]
import os
import socket
import struct
import sys
import time

import msgpack


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "message"
    tag = sys.argv[4] if len(sys.argv) > 4 else "app-firelens-0123456789abcdef0123456789abcdef"
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    cid = "3f4e" * 16
    cname = "/ecs-myapp-3-app-e8c2a1b2c3d4e5f60708"
    packer = msgpack.Packer(use_bin_type=True)
    now = int(time.time())
    out = []
    for i in range(count):
        ts = msgpack.ExtType(0, struct.pack(">II", now, i % 1000000000))
        rec = {"container_id": cid, "container_name": cname,
               "source": "stdout" if i % 2 == 0 else "stderr",
               "log": "seq=%09d " % i + "x" * 86}
        if mode == "message":
            out.append(packer.pack([tag, ts, rec, {}]))
        else:
            out.append(packer.pack([ts, rec]))
    data = b"".join(out) if mode == "message" else None
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("cannot connect to %s" % path)
    t0 = time.time()
    if mode == "message":
        s.sendall(data)
    else:
        for i in range(0, count, batch):
            entries = b"".join(out[i:i + batch])
            s.sendall(packer.pack([tag, entries, {"size": len(out[i:i + batch])}]))
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    sys.stderr.write("sent %d records in %.3fs\n" % (count, time.time() - t0))


if __name__ == "__main__":
    main()
