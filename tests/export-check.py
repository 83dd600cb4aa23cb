#!/usr/bin/python3
"""export-check.py - read negsieve export files the way training code does.

  export-check.py bge FILE        FlagEmbedding's documented JSONL shape
  export-check.py tevatron FILE   Tevatron / RLHN's JSONL shape
  export-check.py st FILE FORMAT  sentence-transformers rows (JSONL, CSV or
                                  TSV by FILE's name) through json / csv;
                                  prints each row as a JSON list
  export-check.py pandas FILE     the same rows through pandas.read_csv
                                  (exit 77 when pandas is missing)
  export-check.py relabelled FILE PAIRS
                                  for each {"q": query, "p": passage} of
                                  PAIRS (a JSON list, as `sqlite3 -json`
                                  prints it) the record of query q holds p
                                  in "pos" and not in "neg"; p is in no
                                  "neg" at all; prints how many records
                                  hold one
  export-check.py queries FILE    prints the "query" of each record
  export-check.py canon FILE FORMAT
                                  the records in a canonical order (lists
                                  and records sorted), to compare two
                                  exports of the same data

Exit 1 with a message on the first thing a reader would choke on.
"""
import csv
import json
import sys


def fail(msg):
    sys.stderr.write("export-check: %s\n" % msg)
    sys.exit(1)


def jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith("\n"):
                fail("%s:%d: no line end" % (path, n))
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                fail("%s:%d: %s" % (path, n, e))
    return rows


def is_strs(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def is_floats(v):
    # pyarrow (datasets.load_dataset("json")) needs one number type per
    # column: write every score as a JSON real
    return isinstance(v, list) and all(isinstance(x, float) for x in v)


def check_bge(path):
    # {"query": str, "pos": List[str], "neg": List[str], "pos_scores":
    #  List[float], "neg_scores": List[float], "prompt": str, "type": str}
    rows = jsonl(path)
    keys = {"query", "pos", "neg", "pos_scores", "neg_scores", "prompt",
            "type"}
    for n, r in enumerate(rows, 1):
        if not isinstance(r, dict) or set(r) - keys:
            fail("%s:%d: unexpected keys %s" % (path, n, sorted(r)))
        if not isinstance(r.get("query"), str) or not r["query"]:
            fail("%s:%d: no query" % (path, n))
        if not is_strs(r.get("pos")) or not r["pos"]:
            fail("%s:%d: pos is not a non-empty list of strings" % (path, n))
        if not is_strs(r.get("neg")):
            fail("%s:%d: neg is not a list of strings" % (path, n))
        if ("pos_scores" in r) != ("neg_scores" in r):
            fail("%s:%d: pos_scores without neg_scores" % (path, n))
        for k in ("pos", "neg"):
            if k + "_scores" in r:
                s = r[k + "_scores"]
                if not is_floats(s) or len(s) != len(r[k]):
                    fail("%s:%d: %s_scores do not match %s" % (path, n, k,
                                                               k))
        for k in ("prompt", "type"):
            if k in r and not isinstance(r[k], str):
                fail("%s:%d: %s is not a string" % (path, n, k))
        if set(r["pos"]) & set(r["neg"]):
            fail("%s:%d: a passage is both positive and negative"
                 % (path, n))
    print("bge ok: %d records" % len(rows))


def check_tevatron(path):
    rows = jsonl(path)
    for n, r in enumerate(rows, 1):
        if not isinstance(r.get("query_id"), str) or \
                not isinstance(r.get("query"), str):
            fail("%s:%d: query_id and query must be strings" % (path, n))
        for k in ("positive_passages", "negative_passages"):
            v = r.get(k)
            if not isinstance(v, list):
                fail("%s:%d: %s is not a list" % (path, n, k))
            for p in v:
                if set(p) != {"docid", "title", "text"} or \
                        not isinstance(p["text"], str) or \
                        not isinstance(p["title"], str) or \
                        not (p["docid"] is None or
                             isinstance(p["docid"], str)):
                    fail("%s:%d: a passage of %s is not {docid, title, "
                         "text}" % (path, n, k))
        if not r["positive_passages"]:
            fail("%s:%d: no positive" % (path, n))
    print("tevatron ok: %d records" % len(rows))


HEADERS = {
    "triplet": lambda n: ["anchor", "positive", "negative"],
    "n-tuple": lambda n: ["anchor", "positive"] +
               ["negative_%d" % i for i in range(1, n - 1)],
    "labeled-pair": lambda n: ["anchor", "positive", "label"],
}


def st_rows(path, fmt):
    if path.endswith(".csv") or path.endswith(".tsv"):
        with open(path, encoding="utf-8", newline="") as f:
            rd = csv.reader(f, delimiter="," if path.endswith(".csv")
                            else "\t")
            table = list(rd)
        head, rows = table[0], table[1:]
    else:
        rows, head = [], None
        for r in jsonl(path):
            if head is None:
                head = list(r)
            if list(r) != head:
                fail("%s: keys differ between records" % path)
            rows.append([str(v) if fmt == "labeled-pair" and k == "label"
                         else v for k, v in r.items()])
    if head != HEADERS[fmt](len(head)):
        fail("%s: columns %s are not %s's" % (path, head, fmt))
    for r in rows:
        if len(r) != len(head) or not all(isinstance(v, str) for v in r):
            fail("%s: a row of %d fields under %d columns" %
                 (path, len(r), len(head)))
        if fmt == "labeled-pair" and r[2] not in ("0", "1"):
            fail("%s: label %r" % (path, r[2]))
    return rows


def pandas_rows(path):
    try:
        import pandas
    except ImportError:
        sys.exit(77)
    df = pandas.read_csv(path, sep="," if path.endswith(".csv") else "\t",
                         dtype=str, keep_default_na=False)
    return [list(r) for r in df.itertuples(index=False)]


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "bge":
        check_bge(path)
    elif cmd == "tevatron":
        check_tevatron(path)
    elif cmd in ("st", "pandas"):
        rows = st_rows(path, sys.argv[3]) if cmd == "st" \
            else pandas_rows(path)
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
    elif cmd == "relabelled":
        rows = {r["query"]: r for r in jsonl(path)}
        with open(sys.argv[3], encoding="utf-8") as f:
            pairs = json.load(f)
        for pq in pairs:
            r = rows.get(pq["q"])
            if r is None:
                fail("query %r is not there" % pq["q"][:40])
            if pq["p"] not in r["pos"]:
                fail("%r is not a positive of %r" % (pq["p"][:40],
                                                     pq["q"][:40]))
            if any(pq["p"] in x["neg"] for x in rows.values()):
                fail("%r is still a negative" % pq["p"][:40])
        print(sum(any(pq["q"] == q for pq in pairs) for q in rows))
    elif cmd == "canon":
        fmt = sys.argv[3]
        if fmt in HEADERS:
            out = [json.dumps(r, ensure_ascii=False)
                   for r in st_rows(path, fmt)]
        elif fmt in ("bge", "tevatron"):
            out = []
            for r in jsonl(path):
                for a, b in (("pos", "pos_scores"), ("neg", "neg_scores")):
                    if a in r:
                        r[a] = sorted(zip(r[a], r.get(b, [None] * len(r[a]))))
                        r.pop(b, None)
                for a in ("positive_passages", "negative_passages"):
                    if a in r:
                        r[a] = sorted(r[a], key=json.dumps)
                out.append(json.dumps(r, ensure_ascii=False,
                                      sort_keys=True))
        else:
            with open(path, encoding="utf-8") as f:
                out = [l.rstrip("\n") for l in f]
        for l in sorted(out):
            print(l)
    elif cmd == "queries":
        for r in jsonl(path):
            print(r["query"])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
