#!/usr/bin/env python3
"""fake-scorer.py - a stand-in for a cascade command stage, for
tests/t-scorer.c (standard library only).

    fake-scorer.py MODE [ARG...]

Reads JSONL requests on stdin and answers on stdout, one line each, with
{"score": S, "seq": N, "pid": P, "argv": [ARG...], "bytes": B, "chars": C,
"tail": T, "query": Q, "title": TI, "npos": K, "pos0": ID, "rs": R}: S is
the number of characters of the candidate text divided by 100, B/C its
UTF-8 bytes and characters, T its last 3 characters, Q/TI the query and
title as received, R the retriever score.  MODE:

  stream   answer each line as it comes (flushing each answer)
  echo     stream, and put texts under 100000 characters in the answer
           ("text": ...)
  die      write "cannot load model" on stderr and exit 1 at once
  deaf     never read stdin; sleep
  pidfile PATH  write its pid to PATH, then sleep

In stream and echo modes the candidate text can ask for trouble:
  CRASH      write "boom on <passage id>" on stderr, exit 3
  MALFORMED  answer a line that is not JSON
  NOSCORE    answer {"label": "x"}
  REFUSE     answer {"score": null, "error": "too long for me"}
  HANG       sleep forever
  SKIP       give no answer for it (the next answer carries "seq")
  BADSEQ     answer with "seq": 999999
  LONGANSWER...  answer a line of over 2 MiB
  EXTRA      answer, then write one more line
  EXIT       answer, then exit with status 5
"""
import json
import sys
import time
import os


def answer(req, mode):
    text = req["text"]
    out = {"score": len(text) / 100.0, "seq": req["seq"], "pid": os.getpid(),
           "argv": sys.argv[2:], "bytes": len(text.encode("utf-8")),
           "chars": len(text), "tail": text[-3:], "query": req["query"],
           "title": req["title"], "npos": len(req["positives"]),
           "pos0": req["positives"][0]["id"] if req["positives"] else None,
           "rs": req["retriever_score"]}
    if mode == "echo" and len(text) < 100000:
        out["text"] = text
    if text.startswith("LONGANSWER"):
        out["pad"] = "x" * (2 << 20)
    return json.dumps(out, ensure_ascii=False)


def handle(req, mode):
    text = req["text"]
    if text == "CRASH":
        sys.stderr.write("boom on %s\n" % req["passage_id"])
        sys.stderr.flush()
        os._exit(3)
    if text == "HANG":
        time.sleep(3600)
    if text == "SKIP":
        return None
    if text == "MALFORMED":
        return "this is not json"
    if text == "NOSCORE":
        return '{"label": "x"}'
    if text == "REFUSE":
        return '{"score": null, "error": "too long for me"}'
    if text == "BADSEQ":
        return '{"score": 1, "seq": 999999}'
    return answer(req, mode)


def emit(line):
    if line is not None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main():
    mode = sys.argv[1]
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    if mode == "die":
        sys.stderr.write("cannot load model\n")
        sys.exit(1)
    if mode == "deaf":
        time.sleep(3600)
    if mode == "pidfile":
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
        time.sleep(3600)
    for line in sys.stdin:
        req = json.loads(line)
        out = handle(req, mode)
        if req["text"] == "EXTRA":  # in the same write as the answer
            out += "\none line too many"
        emit(out)
        if req["text"] == "EXIT":
            sys.exit(5)


if __name__ == "__main__":
    main()
