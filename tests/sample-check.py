#!/usr/bin/env python3
"""sample-check.py PROJECT FAMILIES RUN|SHARD - how sensible a mining run of the
bundled Debian sample is: the fraction of queries whose positive is in
the top 10, and of queries with a passage of the same source family (not
the positive) in the top 10.  RUN is a run id of PROJECT, or the path of
a shard file mined from it.  Prints "QUERIES POS FAM" (fractions to 3
decimals)."""
import os, sqlite3, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool

proj, families, run = sys.argv[1], sys.argv[2], sys.argv[3]
db = sqlite3.connect(proj + '/negsieve.db')
if run.isdigit():
    cands = pool.rows(db, int(run))
else:
    cands = pool.rows(sqlite3.connect(run), None)
fam = dict(l.rstrip('\n').split('\t') for l in list(open(families))[1:])
pxid = dict(db.execute("SELECT passage_id, xid FROM passage_xid"))
qfam = {q: fam[x[2:]] for q, x in db.execute("SELECT id, xid FROM query")}
byq = {}
for q, p, r, s, f, nd, d in cands:
    if r <= 10:
        byq.setdefault(q, []).append((p, f or ''))
pos = sum(any(f == 'positive' for _, f in c) for c in byq.values())
same = sum(any(f != 'positive' and fam[pxid[p]] == qfam[q] for p, f in c)
           for q, c in byq.items())
print("%d %.3f %.3f" % (len(byq), pos / len(byq), same / len(byq)))
