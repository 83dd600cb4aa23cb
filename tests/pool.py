#!/usr/bin/env python3
"""pool.py - read the candidate pools of mining runs (db/mining.c's blob
format) for the tests, independently of negsieve.

    pool.py DB RUN       rows of run RUN of the project database DB
    pool.py SHARD.db -   rows of a shard file's pool table

Prints one candidate per line, by query and rank: query, passage, rank,
score (repr), filter ('-' when kept), flag ('near_duplicate' or '-'),
dup_sim ('-' when none), tab-separated.  As a module: rows(conn, run) and
positives(conn, run)."""
import math, sqlite3, struct, sys

REASONS = [None, 'positive', 'same_text', 'rank', 'max_score', 'min_score',
           'absolute_margin', 'relative_margin', 'unsampled']


def unpack(blob):
    """(candidates, positives) of one pool blob: candidates as
    (passage, rank, score, filter, near_dup, dup_sim, is_positive,
    same_text), positives as (passage, score)."""
    if blob[:4] != b'NSP1':
        raise ValueError('not a pool blob')
    n, npos = struct.unpack_from('<II', blob, 4)
    o = 12
    ids = struct.unpack_from('<%dq' % n, blob, o); o += 8 * n
    sc = struct.unpack_from('<%dd' % n, blob, o); o += 8 * n
    dup = struct.unpack_from('<%df' % n, blob, o); o += 4 * n
    marks = blob[o:o + n]; o += n
    why = blob[o:o + n]; o += n
    pid = struct.unpack_from('<%dq' % npos, blob, o); o += 8 * npos
    ps = struct.unpack_from('<%dd' % npos, blob, o); o += 8 * npos
    if o != len(blob):
        raise ValueError('pool blob of %d bytes, expected %d' % (len(blob), o))
    cands = [(ids[i], i + 1, sc[i], REASONS[why[i]], bool(marks[i] & 4),
              None if math.isnan(dup[i]) else dup[i], bool(marks[i] & 1),
              bool(marks[i] & 2)) for i in range(n)]
    return cands, list(zip(pid, ps))


def _blobs(conn, run):
    if run is None:
        return conn.execute("SELECT query_id, data FROM pool ORDER BY query_id")
    return conn.execute("SELECT query_id, data FROM run_pool WHERE run_id = ? "
                        "ORDER BY query_id", (run,))


def rows(conn, run):
    """(query, passage, rank, score, filter, near_dup, dup_sim) of every
    pooled candidate of run @run (None: a shard's pool)."""
    for q, b in _blobs(conn, run):
        for c in unpack(b)[0]:
            yield (q,) + c[:6]


def positives(conn, run):
    """(query, passage, score) of the positives pooled with run @run."""
    for q, b in _blobs(conn, run):
        for p, s in unpack(b)[1]:
            yield q, p, s


if __name__ == '__main__':
    conn = sqlite3.connect(sys.argv[1])
    run = None if sys.argv[2] == '-' else int(sys.argv[2])
    for q, p, r, s, f, nd, d in rows(conn, run):
        print('%d\t%d\t%d\t%r\t%s\t%s\t%s' % (q, p, r, s, f or '-',
              'near_duplicate' if nd else '-', '-' if d is None else repr(d)))
