#!/usr/bin/python3
# Probes emu-router's monitoring server over raw sockets: pipelining and keep-alive, 404, 405,
# 411, 413, 431, HTTP/1.0, then waits for /api/v1/health to turn to 500 "error" once the output
# has failed its retries, and checks the output counters. Exits non-zero with a message on a
# mismatch. Usage: http_probe.py PORT
import json
import socket
import sys
import time

PORT = int(sys.argv[1])


def connect():
    for _ in range(100):
        try:
            return socket.create_connection(("127.0.0.1", PORT), timeout=5)
        except OSError:
            time.sleep(0.05)
    sys.exit("cannot connect to port %d" % PORT)


def read_response(s, buf):
    """Reads one response from s (buf: bytes already read).

    Returns (status, headers, body, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("connection closed before a response: %r" % buf)
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    n = int(headers["content-length"])
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("connection closed inside a body")
        buf += chunk
    return status, headers, buf[:n].decode(), buf[n:]


def request(raw):
    s = connect()
    s.sendall(raw)
    status, headers, body, _ = read_response(s, b"")
    s.close()
    return status, headers, body


def expect(what, got, want):
    if got != want:
        sys.exit("%s: got %r, want %r" % (what, got, want))


def main():
    st, _, body = request(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    expect("health at start", (st, body), (200, "ok\n"))

    s = connect()
    s.sendall(b"GET /api/v1/uptime HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
    st, h, body, rest = read_response(s, b"")
    expect("pipelined uptime", (st, h["connection"]), (200, "keep-alive"))
    up = json.loads(body)
    expect("uptime_hr", up["uptime_hr"].startswith("Fluent Bit has been running:  0 days, "), True)
    st, _, _, rest = read_response(s, rest)
    expect("pipelined 404", st, 404)
    s.sendall(b"HEAD /api/v1/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = rest
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    expect("HEAD has no body", data.endswith(b"\r\n\r\n") and b"200 OK" in data, True)
    s.close()

    expect("POST", request(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")[0], 405)
    expect("chunked", request(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")[0], 411)
    expect("413", request(b"GET / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n")[0], 413)
    expect("431", request(b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n")[0], 431)
    expect("400", request(b"GET / HTTP/9.9\r\n\r\n")[0], 400)
    st, h, body = request(b"GET / HTTP/1.0\r\n\r\n")
    expect("HTTP/1.0 root", (st, h["connection"], "fluent-bit" in json.loads(body)),
           (200, "close", True))

    deadline = time.time() + 15
    while True:
        st, _, body = request(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        if st == 500:
            expect("unhealthy body", body, "error\n")
            break
        if time.time() > deadline:
            sys.exit("health never turned to error")
        time.sleep(0.2)
    st, _, body = request(b"GET /api/v1/metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    out = json.loads(body)["output"]["file.0"]
    for key in ("retries", "retries_failed", "retried_records", "dropped_records"):
        expect("output " + key + " > 0", out[key] > 0, True)
    expect("output proc_records", out["proc_records"], 0)


if __name__ == "__main__":
    main()
