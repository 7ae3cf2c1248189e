#!/usr/bin/env python3
"""A statistics publisher for brid's end-to-end tests: python3 stdlib only.

Serves the files of a folder (the test rewrites them to publish new releases) on
127.0.0.1, port given or free; prints the port as its first stdout line and stops when
stdin closes. With --delay=S, every file is answered S seconds after its request came
(a slow publisher: a check lasts that long at least).

  GET /<file>          the file, with an ETag (its SHA-1) and Last-Modified (its mtime);
                       304 when If-None-Match matches; with ?…&page=N (N > 1), the file
                       <file>.pageN (a paged API such as the World Bank's)
  GET /status/<code>   that status
  GET /_hits           JSON: how many GETs each path got
  GET /_log            JSON list of every GET of a file: {"path", "instance" (the request's
                       X-Brid-Instance header, or ""), "start", "end" (seconds since the
                       epoch: the request read, the answer sent)}
"""
import email.utils
import hashlib
import http.server
import json
import os
import sys
import threading
import time

options = [a for a in sys.argv[1:] if a.startswith("--")]
arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
delay = float(next((o.split("=", 1)[1] for o in options if o.startswith("--delay=")), "0"))
folder = arguments[0]
port = int(arguments[1]) if len(arguments) > 1 else 0
hits = {}
log = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        page = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("page", "1")
        if path == "/_hits":
            with lock:
                body = json.dumps(hits).encode()
            return self.reply(200, body, [("Content-Type", "application/json")])
        if path == "/_log":
            with lock:
                body = json.dumps(log).encode()
            return self.reply(200, body, [("Content-Type", "application/json")])
        start = time.time()
        try:
            self.serve(path, page)
        finally:
            with lock:
                log.append({"path": path, "instance": self.headers.get("X-Brid-Instance", ""), "start": start, "end": time.time()})

    def serve(self, path, page):
        with lock:
            hits[path] = hits.get(path, 0) + 1
        if path.startswith("/status/"):
            return self.reply(int(path.split("/")[2]), b"failing on purpose\n")
        file = os.path.join(folder, os.path.basename(path))
        if page != "1":
            file += ".page" + page
        try:
            with open(file, "rb") as f:
                body = f.read()
            mtime = os.path.getmtime(file)
        except OSError:
            return self.reply(404, b"no such release\n")
        if delay > 0:
            time.sleep(delay)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = [("ETag", etag), ("Last-Modified", email.utils.formatdate(mtime, usegmt=True))]
        if self.headers.get("If-None-Match") == etag:
            return self.reply(304, b"", headers)
        self.reply(200, body, headers + [("Content-Type", "text/csv")])


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
