#!/usr/bin/python3
# Sends container lines the way Docker's fluentd log driver does: one Forward Message-mode
# record per line with container_id, container_name, source and log (no trailing newline).
# Usage: fw_send_lines.py SOCKET SPEC, SPEC holding one JSON array [tag, container_name, log]
# per line, sent in order. Exits 0 once the router has read everything.
import json
import socket
import struct
import sys
import time

import msgpack


def main():
    path, spec = sys.argv[1], sys.argv[2]
    out = []
    for i, line in enumerate(open(spec, encoding="utf-8")):
        tag, name, log = json.loads(line)
        rec = {"container_id": "3f4e" * 16, "container_name": name, "source": "stdout",
               "log": log}
        ts = msgpack.ExtType(0, struct.pack(">II", int(time.time()), i))
        out.append(msgpack.packb([tag, ts, rec, {}], use_bin_type=True))
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
