#!/usr/bin/env python3
"""A webhook receiver for brid's end-to-end tests: python3 stdlib only.

Listens on 127.0.0.1 (the port in argv[2], or a free one), prints the port as its first stdout line and stops
when stdin closes. Answers the first N POSTs (argv[1], default 0) with 503, the rest
with 204. With --delay=S, every POST is answered S seconds after it came (a slow
receiver: a delivery is in flight that long).

  POST /<anything>   recorded: every attempt, failed or not
  GET /_posts        JSON list of {"path", "status", "headers", "body", "at"} (body as text;
                     at: seconds since the epoch, when it came)
"""
import http.server
import json
import sys
import threading
import time

options = [a for a in sys.argv[1:] if a.startswith("--")]
arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
delay = float(next((o.split("=", 1)[1] for o in options if o.startswith("--delay=")), "0"))
fail_first = int(arguments[0]) if len(arguments) > 0 else 0
posts = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            status = 503 if len(posts) < fail_first else 204
            posts.append({"path": self.path, "status": status, "headers": dict(self.headers.items()), "body": body, "at": time.time()})
        if delay > 0:
            time.sleep(delay)
        self.reply(status, b"try again later" if status == 503 else b"")

    def do_GET(self):
        if self.path == "/_posts":
            with lock:
                body = json.dumps(posts).encode()
            return self.reply(200, body, "application/json")
        self.reply(404, b"not found")


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(arguments[1]) if len(arguments) > 1 else 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
