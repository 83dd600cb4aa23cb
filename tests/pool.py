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
           'absolute_margin', 'relative_margin', 'unsampled',
           'false_negative', 'dropped_passage', 'dropped_query']


def _varint(blob, o):
    v = shift = 0
    while True:
        b = blob[o]
        o += 1
        v |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return v, o


def _ids(blob, o, n):
    out, prev = [], 0
    for _ in range(n):
        v, o = _varint(blob, o)
        prev += (v >> 1) ^ -(v & 1)         # zigzag
        out.append(prev)
    return out, o


def unpack(blob):
    """(candidates, positives) of one pool blob: candidates as
    (passage, rank, score, filter, near_dup, dup_sim, is_positive,
    same_text), positives as (passage, score)."""
    if blob[:4] != b'NSP1':
        raise ValueError('not a pool blob')
    n, npos, bits = struct.unpack_from('<IIB', blob, 4)
    sf = 'f' if bits & 1 else 'd'
    sz = 4 if bits & 1 else 8
    ids, o = _ids(blob, 13, n)
    sc = struct.unpack_from('<%d%s' % (n, sf), blob, o); o += sz * n
    dup = struct.unpack_from('<%df' % n, blob, o); o += 4 * n
    marks = blob[o:o + n]; o += n
    why = blob[o:o + n]; o += n
    pid, o = _ids(blob, o, npos)
    ps = struct.unpack_from('<%d%s' % (npos, sf), blob, o); o += sz * npos
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
