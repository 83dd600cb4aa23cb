#!/bin/sh
# bench/simulate-gen.sh DIR QUERIES PER_QUERY - generate a project (outside
# the repository) for `negsieve simulate`: QUERIES queries with one
# positive each, PER_QUERY kept candidates each from a dense run (score,
# rank, similarity to the positive) and half as many from a BM25 run (the
# agreement stage's), and DIR/oracle.tsv, BEIR qrels judging every
# candidate: a false negative with a probability that grows with its
# score and its similarity to the positive (about a third of them).
set -eu
dir=$1; nq=$2; k=$3
np=$((nq * 20 > 400000 ? 400000 : nq * 20))
[ "$np" -gt "$k" ] || np=$((k * 4))
kb=$((k / 2))
NEGSIEVE=${NEGSIEVE:-./negsieve}
rm -rf "$dir"
"$NEGSIEVE" init "$dir" >/dev/null
sqlite3 "$dir/negsieve.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO source(id, path, format, created_at) VALUES (1, 'gen', 'test', '2026-01-01');
INSERT INTO run(id, source_id, method, created_at) VALUES (1, 1, 'bm25', '2026-01-01');
INSERT INTO run(id, source_id, method, created_at) VALUES (2, 1, 'dense', '2026-01-01');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $np)
INSERT INTO passage(id, hash, title, text, source_id)
 SELECT i, i, '', 'passage ' || i, 1 FROM n;
INSERT INTO passage_xid(xid, passage_id) SELECT 'p' || id, id FROM passage;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nq)
INSERT INTO query(id, xid, text, source_id)
 SELECT i, 'q' || i, 'query ' || i, 1 FROM n;
INSERT INTO qrel(query_id, passage_id, grade, score, source_id)
 SELECT id, (id % $np) + 1, 1, 0.9, 1 FROM query;
WITH RECURSIVE r(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM r WHERE j < $k)
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter,
                      dup_sim)
 SELECT 2, q.id, ((q.id * 7919 + r.j * 104729) % $np) + 1, r.j,
        0.95 - r.j * 0.004 + (abs(random()) % 1000) / 20000.0, NULL,
        0.2 + (abs(random()) % 1000) / 1400.0
 FROM query q, r WHERE ((q.id * 7919 + r.j * 104729) % $np) + 1 <> (q.id % $np) + 1
 ORDER BY q.id, r.j;
WITH RECURSIVE r(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM r WHERE j < $kb)
INSERT OR IGNORE INTO candidate(run_id, query_id, passage_id, rank, score,
                                filter)
 SELECT 1, q.id, ((q.id * 7919 + (2 * r.j) * 104729) % $np) + 1, r.j,
        20.0 - r.j * 0.1, NULL
 FROM query q, r WHERE ((q.id * 7919 + (2 * r.j) * 104729) % $np) + 1 <> (q.id % $np) + 1
 ORDER BY q.id, r.j;
COMMIT;
ANALYZE;
SQL
# the oracle: P(FN) = sigmoid(6 (score - 0.85) + 5 (dup - 0.55))
sqlite3 -separator '	' "$dir/negsieve.db" >"$dir/oracle.body" <<SQL
SELECT q.xid, x.xid,
  CASE WHEN (abs(random()) % 100000) / 100000.0 <
    1.0 / (1.0 + exp(-(6.0 * (c.score - 0.85) + 5.0 * (c.dup_sim - 0.55))))
  THEN 1 ELSE 0 END
FROM candidate c JOIN query q ON q.id = c.query_id
JOIN passage_xid x ON x.passage_id = c.passage_id WHERE c.run_id = 2;
SQL
{ printf 'query-id\tcorpus-id\tscore\n'; cat "$dir/oracle.body"; } >"$dir/oracle.tsv"
rm -f "$dir/oracle.body"
