#!/usr/bin/python3
# An HTTP proxy in front of an S3 endpoint that answers the first N PUT requests with
# 503 SlowDown and forwards everything else unchanged (headers, body, status), for retry tests.
# Writes its port to PORTFILE when ready and appends one line to PORTFILE.failed per 503.
# Usage: flaky_proxy.py UPSTREAM_HOST:PORT N PORTFILE
import http.client
import http.server
import sys
import threading

UPSTREAM, FAILS, PORTFILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
state = {"left": FAILS}
SLOWDOWN = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            b"<Message>Please reduce your request rate.</Message></Error>")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.command == "PUT":
            with lock:
                fail = state["left"] > 0
                state["left"] -= fail
            if fail:
                with open(PORTFILE + ".failed", "a") as f:
                    f.write("503\n")
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(SLOWDOWN)))
                self.end_headers()
                self.wfile.write(SLOWDOWN)
                return
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "date",
                                 "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
