#!/usr/bin/env python3
"""fake-chat-server.py - a stand-in for an OpenAI-compatible chat
completions service (vLLM, llama.cpp server, Ollama), for tests/t-scorer.c
and bench/judge.sh (standard library only).

    fake-chat-server.py PORTFILE [DELAY]

Listens on 127.0.0.1 on a free port, written to PORTFILE; sleeps DELAY
seconds (default 0) before each answer.  POST /v1/chat/completions answers
by the markers found in the user message (the candidate text):

  (none)      {"relevant": false, "confidence": 1}
  #json-yes   {"relevant": true, "confidence": 0.9}
  #json-no    {"relevant": false, "confidence": 0.8}
  #fenced     a ```json fence around {"relevant": "yes", "confidence": "75%"}
  #think      <think>...</think> then {"relevant": true, "confidence": 0.6}
  #yes        Yes, ...        #no   **No.** ...
  #garbage    prose without a verdict
  #length     a cut answer, finish_reason "length"
  #500        HTTP 500 every time          #500once  HTTP 500 the first time
  #429once    HTTP 429, Retry-After: 1 (seconds), the first time
  #429date    HTTP 429, Retry-After as an HTTP date 1 s ahead, the first time
  #400        HTTP 400 {"error": {"message": "context too long"}}
  #malformed  HTTP 200 with a truncated JSON body
  #nocontent  HTTP 200 {"choices": []}
  #slow       sleep 3 s first                #slowonce  the first time only
  #wait300    sleep 0.3 s first

Every 200 with a verdict reports usage 100 prompt + 10 completion tokens.
With FAKE_CHAT_DIE_AFTER=N in the environment the server exits after its
N-th answer (an endpoint that goes down midway: the requests in flight
are cut, the next ones refused).  With FAKE_CHAT_ANSWER_EVERY=N it
answers only every N-th POST and cuts the others (the connection closed
with no answer: a flaky endpoint); N=0 answers none (a dead one that
still accepts connections, counted by /count).
"Once" is per prompt.  GET /count: POSTs since the last /reset; GET
/maxinflight: most requests handled at once; GET /last: the last request
body; GET /auth: its Authorization header; GET /reset: zero all that.
"""
import email.utils
import json
import sys
import threading
import time
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"count": 0, "seen": set(), "inflight": 0, "max": 0, "last": "",
         "auth": ""}
lock = threading.Lock()
DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
DIE_AFTER = int(os.environ.get("FAKE_CHAT_DIE_AFTER", "0"))
ANSWER_EVERY = os.environ.get("FAKE_CHAT_ANSWER_EVERY")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

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
        if self.path == "/reset":
            with lock:
                state.update(count=0, inflight=0, max=0, last="", auth="")
                state["seen"] = set()
            self.reply(200, "ok")
        elif self.path == "/count":
            self.reply(200, str(state["count"]))
        elif self.path == "/maxinflight":
            self.reply(200, str(state["max"]))
        elif self.path == "/last":
            self.reply(200, state["last"])
        elif self.path == "/auth":
            self.reply(200, state["auth"])
        else:
            self.reply(404, "{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            state["count"] += 1
            state["inflight"] += 1
            state["max"] = max(state["max"], state["inflight"])
            state["last"] = body.decode("utf-8")
            state["auth"] = self.headers.get("Authorization", "")
            cut = ANSWER_EVERY is not None and (
                int(ANSWER_EVERY) == 0 or
                state["count"] % int(ANSWER_EVERY) != 0)
        if cut:
            with lock:
                state["inflight"] -= 1
            self.close_connection = True
            return
        try:
            self.answer(body)
        finally:
            with lock:
                state["inflight"] -= 1
                if DIE_AFTER and state["count"] >= DIE_AFTER:
                    self.wfile.flush()
                    os._exit(0)

    def once(self, prompt, tag):
        key = (tag, prompt)
        with lock:
            first = key not in state["seen"]
            state["seen"].add(key)
        return first

    def answer(self, body):
        if self.path != "/v1/chat/completions":
            return self.reply(404, '{"error": {"message": "no such path"}}')
        req = json.loads(body)
        prompt = req["messages"][-1]["content"]
        if DELAY:
            time.sleep(DELAY)
        if "#wait300" in prompt:
            time.sleep(0.3)
        if "#slow" in prompt and ("#slowonce" not in prompt or
                                  self.once(prompt, "slow")):
            time.sleep(3)
        if "#500once" in prompt and self.once(prompt, "500"):
            return self.reply(500, '{"error": {"message": "boom"}}')
        if "#500" in prompt and "#500once" not in prompt:
            return self.reply(500, '{"error": {"message": "boom"}}')
        if "#429once" in prompt and self.once(prompt, "429"):
            return self.reply(429, '{"error": {"message": "slow down"}}',
                              [("Retry-After", "1")])
        if "#429date" in prompt and self.once(prompt, "429d"):
            when = email.utils.formatdate(time.time() + 1, usegmt=True)
            return self.reply(429, '{"error": "rate limited"}',
                              [("Retry-After", when)])
        if "#400" in prompt:
            return self.reply(400, '{"error": {"message": '
                              '"context too long"}}')
        if "#malformed" in prompt:
            return self.reply(200, '{"choices": [{"message": {"cont')
        if "#nocontent" in prompt:
            return self.reply(200, '{"choices": []}')
        finish = "stop"
        if "#json-yes" in prompt:
            text = '{"relevant": true, "confidence": 0.9}'
        elif "#json-no" in prompt:
            text = '{"relevant": false, "confidence": 0.8}'
        elif "#fenced" in prompt:
            text = ('Here is my verdict:\n```json\n{"relevant": "yes", '
                    '"confidence": "75%"}\n```')
        elif "#think" in prompt:
            text = ('<think>Is it {"relevant": false}? No, it answers.'
                    '</think>\n{"relevant": true, "confidence": 0.6}')
        elif "#yes" in prompt:
            text = "Yes, the candidate answers the query."
        elif "#no" in prompt:
            text = "**No.** It is about something else."
        elif "#garbage" in prompt:
            text = "I cannot decide."
        elif "#length" in prompt:
            text = "The candidate"
            finish = "length"
        else:
            text = '{"relevant": false, "confidence": 1}'
        self.reply(200, json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion",
            "model": req["model"],
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10,
                      "total_tokens": 110}}))


def main():
    ThreadingHTTPServer.request_queue_size = 128
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
