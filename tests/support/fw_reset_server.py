#!/usr/bin/python3
# A fake FireLens router for the audit's Mem_Buf_Limit test: a Forward-protocol server on
# 127.0.0.1 that, like Fluent Bit's forward input at Mem_Buf_Limit, stops reading after every
# RESET_EVERY records and resets the connection (SO_LINGER 0), losing what the client had sent
# but it had not read; it logs Fluent Bit's "paused (mem buf overlimit)" warning each time.
# Records it did read are stored as CloudWatch Logs shim events (the audit's destination).
# Usage: fw_reset_server.py PORTFILE STREAMFILE LOGFILE RESET_EVERY SECONDS
import json
import socket
import struct
import sys
import time

import msgpack


def ts():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%09dZ" % int((t % 1) * 1e9)


def main():
    portfile, streamfile, logfile, every, seconds = sys.argv[1:6]
    every, deadline = int(every), time.time() + float(seconds)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.5)
    open(portfile, "w").write(str(srv.getsockname()[1]))
    out = open(streamfile, "w")
    log = open(logfile, "w")
    out.write(json.dumps({"logStreamName": "fake", "creationTime": 0, "id": 1}) + "\n")
    got = 0
    while time.time() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        conn.settimeout(1.0)
        unpacker = msgpack.Unpacker(raw=False, ext_hook=lambda code, data: data)
        here = 0
        while time.time() < deadline:
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            if not data:
                break
            unpacker.feed(data)
            for msg in unpacker:
                entries = [msg[1:3]] if not isinstance(msg[1], list) else msg[1]
                for _, rec in entries:
                    out.write(json.dumps({"timestamp": int(time.time() * 1000),
                                          "ingestionTime": int(time.time() * 1000),
                                          "message": json.dumps(rec)}) + "\n")
                    got += 1
                    here += 1
            if here >= every:
                # The input is over its limit: stop reading, let the client fill the socket,
                # then drop the connection with whatever it holds.
                time.sleep(0.05)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                log.write("%s stderr [ warn] [input] forward.0 paused (mem buf overlimit)\n" % ts())
                log.flush()
                break
        conn.close()
        out.flush()
    log.write("%s stderr fake router: %d records received\n" % (ts(), got))
    out.close()
    log.close()


if __name__ == "__main__":
    main()
