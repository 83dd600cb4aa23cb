#!/usr/bin/env python3
"""mine-check.py PROJECT RUN K NUMNEG - check a dense mining run of PROJECT
independently of negsieve: brute-force inner products over the stored
vectors (vectors/*.f32 + *.ids), compared with the run's pool (every
candidate, tests/pool.py, with its near-duplicate similarity: the
highest cosine to another positive), positive scores and kept negatives
(top sampling, no margins) in the candidate table.  Prints
"ok" or the first mismatch, then the expected summary lines (Count, Mean,
Median) of positive, negative and difference columns."""
import array, os, sqlite3, statistics, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool

proj, run, k, numneg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
db = sqlite3.connect(os.path.join(proj, 'negsieve.db'))

def vecset(kind):
    dim, path, ids = db.execute(
        "SELECT dim, path, ids_path FROM vecset WHERE kind = ? ORDER BY id DESC LIMIT 1",
        (kind,)).fetchone()
    v = array.array('f'); v.frombytes(open(os.path.join(proj, path), 'rb').read())
    i = array.array('q'); i.frombytes(open(os.path.join(proj, ids), 'rb').read())
    return {i[r]: v[r * dim:(r + 1) * dim] for r in range(len(i))}

Q, P = vecset('query'), vecset('passage')
dot = lambda a, b: sum(x * y for x, y in zip(a, b))
cos = lambda a, b: dot(a, b) / (dot(a, a) * dot(b, b)) ** 0.5
pos = {}
for q, p in db.execute("SELECT query_id, passage_id FROM qrel WHERE grade > 0"):
    pos.setdefault(q, set()).add(p)
text = dict(db.execute("SELECT id, text FROM passage"))
qtext = dict(db.execute("SELECT id, text FROM query"))
problems, posscores, negscores, diffs = [], [], [], []
pooled = {}
for q, p, r, s, f, nd, d in pool.rows(db, run):
    pooled.setdefault(q, []).append((p, s, f or ''))
    sims = [cos(P[p], P[o]) for o in pos.get(q, ()) if o != p and o in P]
    want = max(sims) if sims else None
    if (want is None) != (d is None) or (want is not None and abs(want - d) > 1e-4):
        problems.append("query %d, passage %d: near-duplicate similarity %s, "
                        "expected %s" % (q, p, d, want))
for q in sorted(Q):
    scores = sorted(((dot(Q[q], P[p]), p) for p in P), key=lambda t: -t[0])[:k]
    got = pooled.get(q, [])
    table = db.execute("SELECT passage_id, score FROM candidate WHERE run_id = ? "
                       "AND query_id = ? ORDER BY rank", (run, q)).fetchall()
    if table != [(p, s) for p, s, f in got if f == '']:
        problems.append("query %d: candidate table %s, pool's kept %s" % (q, table, got))
    if [p for _, p in scores] != [p for p, _, _ in got] or \
       any(abs(s - g[1]) > 1e-4 for (s, _), g in zip(scores, got)):
        problems.append("query %d: candidates %s, expected %s" %
                        (q, [p for p, _, _ in got], [p for _, p in scores]))
        continue
    ps = [dot(Q[q], P[p]) for p in sorted(pos.get(q, ())) if p in P]
    stored = [s for (s,) in db.execute("SELECT score FROM run_positive WHERE run_id = ? "
                                       "AND query_id = ? ORDER BY passage_id", (run, q))]
    if len(ps) != len(stored) or any(abs(a - b) > 1e-4 for a, b in zip(ps, stored)):
        problems.append("query %d: positive scores %s, expected %s" % (q, stored, ps))
    posscores += ps
    same = {text[p] for p in pos.get(q, ())} | {qtext[q]}
    eligible = [(s, p) for s, p in scores if p not in pos.get(q, ()) and text[p] not in same]
    kept = eligible[:numneg] if numneg else eligible
    want = {p for _, p in kept}
    have = {p for p, _, f in got if f == ''}
    if want != have:
        problems.append("query %d: kept %s, expected %s" % (q, sorted(have), sorted(want)))
    negscores += [s for s, _ in kept]
    if ps:
        diffs += [min(ps) - s for s, _ in kept]
print(problems[0] if problems else "ok")
print("%-10s %12d %12d %12d" % ("Count", len(posscores), len(negscores), len(diffs)))
print("%-10s %12.4f %12.4f %12.4f" % ("Mean", statistics.mean(posscores),
                                       statistics.mean(negscores), statistics.mean(diffs)))
print("%-10s %12.4f %12.4f %12.4f" % ("Median", statistics.median(posscores),
                                       statistics.median(negscores), statistics.median(diffs)))
