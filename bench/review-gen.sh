#!/bin/sh
# bench/review-gen.sh DIR QUERIES PER_QUERY - generate a review project
# (outside the repository) with QUERIES x PER_QUERY kept candidates, one
# positive per query and passages of ~300 characters.
set -eu
dir=$1; nq=$2; k=$3
np=$((nq * 20 > 200000 ? 200000 : nq * 20))
[ "$np" -gt "$k" ] || np=$((k * 2))
NEGSIEVE=${NEGSIEVE:-./negsieve}
rm -rf "$dir"
"$NEGSIEVE" init "$dir" >/dev/null
sqlite3 "$dir/negsieve.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO source(id, path, format, created_at) VALUES (1, 'gen', 'test', '2026-01-01');
INSERT INTO run(id, source_id, method, created_at) VALUES (1, 1, 'dense', '2026-01-01');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $np)
INSERT INTO passage(id, hash, title, text, source_id)
 SELECT i, i, '', 'passage ' || i || ' ' ||
  substr(replace(lower(hex(randomblob(160))), 'a', ' lorem '), 1, 300), 1 FROM n;
INSERT INTO passage_xid(xid, passage_id) SELECT 'p' || id, id FROM passage;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nq)
INSERT INTO query(id, xid, text, source_id)
 SELECT i, 'q' || i, 'what is lorem number ' || i, 1 FROM n;
INSERT INTO qrel(query_id, passage_id, grade, score, source_id)
 SELECT id, (id % $np) + 1, 1, 1.0, 1 FROM query;
WITH RECURSIVE r(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM r WHERE j < $k)
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter)
 SELECT 1, q.id, ((q.id * 7919 + r.j * 104729) % $np) + 1, r.j,
        0.99 - r.j * 0.004, NULL
 FROM query q, r ORDER BY q.id, r.j;
COMMIT;
ANALYZE;
SQL
