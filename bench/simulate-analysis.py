#!/usr/bin/env python3
"""bench/simulate-analysis.py PROJECT_DB QRELS [GRADE] - what one score
can do on the candidates `negsieve simulate` judges, with hindsight: for
each of the item's signals (the scoring run's score, its gap to the
positive, its rank, the other run's rank), every cut "leave out the
candidates above the cut" is tried, and the best contamination of what is
left at a given share of true negatives kept is printed, with the share of
true negatives kept at the best cut reaching 10% contamination.  Also the
bound of people alone: a budget B spent entirely on false negatives.
Reads the project with sqlite3 (read-only); the scoring run of a query is
its newest run, as the cascade's."""
import collections
import sqlite3
import sys

db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
grade_min = int(sys.argv[3]) if len(sys.argv) > 3 else 1
oracle = {}
for n, line in enumerate(open(sys.argv[2])):
    f = line.rstrip("\n").split("\t")
    if n == 0 and f[2] == "score":
        continue
    k = (f[0], f[1])
    oracle[k] = max(oracle.get(k, -1), int(f[2]))
rows = db.execute("""
WITH qr AS (SELECT query_id, max(run_id) AS run FROM candidate
            WHERE filter IS NULL GROUP BY query_id),
 k AS (SELECT DISTINCT query_id, passage_id FROM candidate
       WHERE filter IS NULL)
SELECT q.xid, x.xid, s.score, s.rank,
 (SELECT min(rp.score) FROM run_positive rp WHERE rp.run_id = qr.run
  AND rp.query_id = k.query_id),
 (SELECT min(o.rank) FROM candidate o WHERE o.run_id <> qr.run
  AND o.query_id = k.query_id AND o.passage_id = k.passage_id)
FROM k JOIN qr USING (query_id) JOIN query q ON q.id = k.query_id
JOIN passage_xid x ON x.passage_id = k.passage_id
LEFT JOIN candidate s ON s.run_id = qr.run AND s.query_id = k.query_id
 AND s.passage_id = k.passage_id""").fetchall()
items = {}
for qx, px, score, rank, pos, orank in rows:
    g = oracle.get((qx, px))
    if g is None:
        continue
    items[(qx, px)] = dict(y=int(g >= grade_min), score=score, rank=rank,
                           pos=pos, orank=orank)
v = list(items.values())
fn = sum(i["y"] for i in v)
tn = len(v) - fn
print("judged candidates %d: %d false negatives (%.1f%%), %d true "
      "negatives" % (len(v), fn, 100.0 * fn / len(v), tn))
NEG = float("-inf")
signals = collections.OrderedDict([
    ("score", lambda i: i["score"] if i["score"] is not None else NEG),
    ("gap to the positive", lambda i: i["score"] - i["pos"]
     if i["score"] is not None and i["pos"] is not None else NEG),
    ("-rank", lambda i: -i["rank"] if i["rank"] is not None else NEG),
    ("-rank in the other run", lambda i: -i["orank"]
     if i["orank"] is not None else NEG),
])
print("\n| signal (leave out above a cut, chosen with hindsight) | "
      "contamination at TN kept >= 41.6% | >= 80% | >= 90% | >= 99% | "
      "TN kept at contamination <= 10% |")
print("|---|---|---|---|---|---|")
for name, key in signals.items():
    s = sorted(v, key=key, reverse=True)
    # leaving out the first j: what is left is s[j:]
    left_fn, left_tn = fn, tn
    best = {0.416: 1.0, 0.8: 1.0, 0.9: 1.0, 0.99: 1.0}
    tn_at10 = 0.0
    for j in range(len(s) + 1):
        if j:
            left_fn -= s[j - 1]["y"]
            left_tn -= 1 - s[j - 1]["y"]
        if j < len(s) and j and key(s[j - 1]) == key(s[j]):
            continue  # a cut cannot split ties
        n = left_fn + left_tn
        if not n:
            continue
        c = left_fn / n
        keep = left_tn / tn
        for t in best:
            if keep >= t and c < best[t]:
                best[t] = c
        if c <= 0.10 and keep > tn_at10:
            tn_at10 = keep
    print("| %s | %s |  %.1f%% |" % (name, " | ".join(
        "%.1f%%" % (100 * best[t]) for t in sorted(best)), 100 * tn_at10))
for b in (0.05, 0.1, 0.2):
    d = round(b * len(v))
    f = max(fn - d, 0)
    print("\npeople alone, budget %g%% (%d decisions), every one a false "
          "negative: contamination %.1f%%, TN kept 100%%" %
          (100 * b, d, 100.0 * f / (f + tn)), end="")
print()
