#!/usr/bin/env python3
"""limit-check.py - agreement figures for bench/limit.sh (reads the
projects' databases with tests/pool.py, never through negsieve).

  limit-check.py peer DB RUN PEER.tsv
      queries whose kept negatives equal the peer's as sets, and in the
      same order ("qid<TAB>positive<TAB>neg1,neg2,..." by external ids);
      prints "SAME_SET SAME_ORDER TOTAL"
  limit-check.py topk DB_A RUN_A DB_B RUN_B K
      queries whose top-K pooled passages (as sets) are equal, and
      recall@K of A against B (B the reference)
Prints "SAME TOTAL [RECALL]"."""
import os, sqlite3, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'tests'))
import pool


def xids(db):
    q = dict(db.execute("SELECT id, xid FROM query"))
    p = {}
    for x, pid in db.execute("SELECT xid, passage_id FROM passage_xid"):
        p.setdefault(pid, x)
    return q, p


def topk(db, run, k):
    out = {}
    for q, p, r, s, f, nd, d in pool.rows(db, run):
        if r <= k:
            out.setdefault(q, set()).add(p)
    return out


def main():
    if sys.argv[1] == 'peer':
        db = sqlite3.connect(sys.argv[2])
        run = int(sys.argv[3])
        qx, px = xids(db)
        kept = {}
        for q, p in db.execute("SELECT query_id, passage_id FROM candidate "
                               "WHERE run_id = ? ORDER BY query_id, rank", (run,)):
            kept.setdefault(qx[q], []).append(px[p])
        same = order = total = 0
        for line in open(sys.argv[4]):
            qid, _, negs = line.rstrip('\n').split('\t')
            total += 1
            order += kept.get(qid, []) == negs.split(',')
            same += sorted(kept.get(qid, [])) == sorted(negs.split(','))
        print(same, order, total)
    elif sys.argv[1] == 'topk':
        k = int(sys.argv[6])
        a = topk(sqlite3.connect(sys.argv[2]), int(sys.argv[3]), k)
        b = topk(sqlite3.connect(sys.argv[4]), int(sys.argv[5]), k)
        same = sum(a.get(q) == s for q, s in b.items())
        found = sum(len(a.get(q, set()) & s) for q, s in b.items())
        print(same, len(b), '%.4f' % (found / max(1, sum(len(s) for s in b.values()))))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
