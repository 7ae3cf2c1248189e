#!/usr/bin/env python3
"""HTTP server for BridFetchTests: python3 stdlib only.

Binds 127.0.0.1 on a free port, prints the port as its first stdout line, and serves
until stdin closes or SIGTERM arrives.

Routes (GET):
  /counter                 "release N" where N goes up by one per request
  /conditional             ETag + Last-Modified; 304 on a matching If-None-Match or If-Modified-Since
  /status/<code>           that status with a short body
  /error-big/<code>        that status with a 1 MiB body
  /drip?seconds=S          announces 1000 bytes, then sends one every 0.1 s for S seconds
  /slow?ms=M[&to=U]        waits M ms, then "slow done" (or a 302 to U)
  /big?bytes=N             N bytes with Content-Length
  /big-chunked?bytes=N     N bytes, chunked, no Content-Length
  /pattern?bytes=N         N bytes, byte i being i % 251, chunked in 64 KiB pieces
  /redirect/<n>            302 to /redirect/<n-1>; /redirect/0 says "arrived"
  /loop                    302 to itself, forever
  /to-file                 302 to file:///etc/passwd
  /to?url=U                302 to U
  /redirect-etag           302 with an ETag and Last-Modified of its own, to /plain
  /plain                   "plain", no validators
  /gzip                    a gzip-encoded text when the request accepts gzip
  /echo                    the request headers as JSON
  /last-post               the last POST received as JSON: "path", "headers", "body" (base64);
                           404 before the first

A POST to any route is recorded first (its body read whole), then answered as a GET of that
route would be; /to also takes status=C (301, 307 ...) for its redirect.
"""
import base64
import gzip
import http.server
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

ETAG = '"v1-5f2b"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
PATTERN = bytes(range(251)) * 263  # any 64 KiB slice of the cycle starts within its first 251 bytes
GZIP_TEXT = ("period,value\n" + "".join(f"2020-{m:02d},{m}.5\n" for m in range(1, 13))) * 20

counter_lock = threading.Lock()
counter = 0
last_post_lock = threading.Lock()
last_post = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send_body(self, status, body, headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, headers=(), status=302):
        self.send_response(status)
        self.send_header("Location", location)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        global last_post
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with last_post_lock:
            last_post = {"path": self.path, "headers": dict(self.headers.items()),
                         "body": base64.b64encode(body).decode()}
        self.answer()

    def do_GET(self):
        self.answer()

    def answer(self):
        global counter
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        route = parts[0]
        try:
            if route == "counter":
                with counter_lock:
                    counter += 1
                    n = counter
                self.send_body(200, f"release {n}\n", [("Content-Type", "text/plain")])
            elif route == "conditional":
                if self.headers.get("If-None-Match") == ETAG or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                    self.send_response(304)
                    self.send_header("ETag", ETAG)
                    self.end_headers()
                else:
                    self.send_body(200, "conditional body\n",
                                   [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED), ("Content-Type", "text/csv")])
            elif route == "status":
                self.send_body(int(parts[1]), f"status {parts[1]}\n")
            elif route == "error-big":
                self.send_body(int(parts[1]), b"e" * (1 << 20))
            elif route == "drip":
                seconds = float(query.get("seconds", "10"))
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif route == "slow":
                time.sleep(int(query.get("ms", "500")) / 1000)
                if "to" in query:
                    self.redirect(query["to"])
                else:
                    self.send_body(200, "slow done\n")
            elif route == "big":
                self.send_body(200, b"b" * int(query["bytes"]))
            elif route == "big-chunked":
                remaining = int(query["bytes"])
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while remaining > 0:
                    chunk = b"c" * min(remaining, 4096)
                    remaining -= len(chunk)
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif route == "pattern":
                remaining = int(query["bytes"])
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = 0
                while remaining > 0:
                    n = min(remaining, 65536)
                    chunk = PATTERN[sent % 251:sent % 251 + n]
                    sent += n
                    remaining -= n
                    self.wfile.write(b"%x\r\n%s\r\n" % (n, chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif route == "redirect":
                n = int(parts[1])
                if n > 0:
                    self.redirect(f"/redirect/{n - 1}")
                else:
                    self.send_body(200, "arrived\n")
            elif route == "loop":
                self.redirect("/loop")
            elif route == "to-file":
                self.redirect("file:///etc/passwd")
            elif route == "to":
                self.redirect(query["url"], status=int(query.get("status", "302")))
            elif route == "redirect-etag":
                self.redirect("/plain", [("ETag", '"hop"'), ("Last-Modified", LAST_MODIFIED)])
            elif route == "plain":
                self.send_body(200, "plain\n")
            elif route == "gzip":
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    self.send_body(200, gzip.compress(GZIP_TEXT.encode()), [("Content-Encoding", "gzip")])
                else:
                    self.send_body(406, "gzip required\n")
            elif route == "echo":
                headers = {name: value for name, value in self.headers.items()}
                self.send_body(200, json.dumps(headers), [("Content-Type", "application/json")])
            elif route == "last-post":
                with last_post_lock:
                    recorded = last_post
                if recorded is None:
                    self.send_body(404, "no POST yet\n")
                else:
                    self.send_body(200, json.dumps(recorded), [("Content-Type", "application/json")])
            else:
                self.send_body(404, "no such route\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # Clients that hang up early (aborted transfers, TLS spoken to plain HTTP) are expected.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(server.server_address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
