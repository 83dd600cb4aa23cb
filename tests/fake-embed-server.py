#!/usr/bin/env python3
"""fake-embed-server.py - a stand-in for an OpenAI-compatible embeddings
service, for tests/cli-embed-http.sh (standard library only).

    fake-embed-server.py PORTFILE

Listens on 127.0.0.1 on a free port, written to PORTFILE.  POST
/v1/embeddings answers according to the current mode; GET /set?mode=M
switches mode and resets the counters; GET /count returns the number of
POSTs since; GET /auth the last Authorization header; GET /texts the
texts embedded since (of requests made since), one a line.  Modes:

  ok         vectors of dimension 4: [len(text), first byte, last byte,
             index in batch], data listed in reverse order (by "index")
  500-once   HTTP 500 on the first POST, then ok
  429-once   HTTP 429 with Retry-After: 1 on the first POST, then ok
  always-500 HTTP 500 {"error": {"message": "boom"}}
  malformed  HTTP 200 with a truncated JSON body
  wrong-dim  the last vector of each batch has dimension 3
  zero       ok, but a text without a letter or digit gets [0, 0, 0, 0]
  slow       sleeps 3 s before answering ok
  hang       the first POST ok, every later one sleeps 60 s (for
             tests/cli-embed-kill.sh: the client waits with a spool open)
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

state = {"mode": "ok", "count": 0, "auth": "", "texts": [], "gen": 0}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/set":
            with lock:
                state["mode"] = parse_qs(u.query)["mode"][0]
                state["count"] = 0
                state["auth"] = ""
                state["texts"] = []
                state["gen"] += 1
            self.reply(200, "ok")
        elif u.path == "/count":
            self.reply(200, str(state["count"]))
        elif u.path == "/auth":
            self.reply(200, state["auth"])
        elif u.path == "/texts":
            with lock:
                self.reply(200, "\n".join(state["texts"]))
        else:
            self.reply(404, "{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            state["count"] += 1
            n = state["count"]
            mode = state["mode"]
            gen = state["gen"]
            state["auth"] = self.headers.get("Authorization", "")
        if self.path != "/v1/embeddings":
            return self.reply(404, '{"error": {"message": "no such path"}}')
        req = json.loads(body)
        if mode == "500-once" and n == 1 or mode == "always-500":
            return self.reply(500, '{"error": {"message": "boom"}}')
        if mode == "429-once" and n == 1:
            return self.reply(429, '{"error": {"message": "slow down"}}',
                              [("Retry-After", "1")])
        if mode == "malformed":
            return self.reply(200, '{"data": [{"index": 0, "embedding": [1,')
        if mode == "slow":
            time.sleep(3)
        # a slow request answered after a /set (its client gave up
        # long ago) is not one of the texts asked since
        with lock:
            if state["gen"] == gen:
                state["texts"].extend(req["input"])
        if mode == "hang" and n > 1:
            time.sleep(60)
        data = []
        for i, t in enumerate(req["input"]):
            b = t.encode()
            v = [float(len(b)), float(b[0]) if b else 0.0,
                 float(b[-1]) if b else 0.0, float(i)]
            if mode == "wrong-dim" and i == len(req["input"]) - 1:
                v = v[:3]
            if mode == "zero" and not any(c.isalnum() for c in t):
                v = [0.0] * 4
            data.append({"object": "embedding", "index": i, "embedding": v})
        data.reverse()
        self.reply(200, json.dumps({"object": "list", "data": data,
                                    "model": req["model"]}))


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
