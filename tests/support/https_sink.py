#!/usr/bin/python3
# An HTTPS endpoint for the router's TLS tests: makes a self-signed certificate for 127.0.0.1
# (openssl), serves POSTs on 127.0.0.1 with it, appends every request body (one per line) to
# DIR/bodies and answers 200. Writes DIR/cert.pem, then the port to DIR/port once listening.
# Usage: https_sink.py DIR SECONDS (exits after SECONDS or on SIGTERM).
import http.server
import os
import ssl
import subprocess
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(sys.argv[1], "bodies"), "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    d, secs = sys.argv[1], float(sys.argv[2])
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    threading.Timer(secs, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
