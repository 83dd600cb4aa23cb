# cascade-lib.sh - the generated project of the cascade tests (sourced
# after tests/lib.sh).
#
# cascade_gen DB NQ [DUP]: NQ queries x 5 kept candidates of a dense run
# 1, scores 0.8 down to 0.4 by rank, over 6 x NQ passages; query I's
# positive is passage 5 x NQ + I (score 0.9 in run_positive); DUP is the
# SQL of a candidate's near-duplicate similarity from its index i in
# [0, 5 x NQ) (default: spread over [0, 1)).
cascade_gen() {
	_nc=$(($2 * 5))
	sqlite3 "$1" "
INSERT INTO source(id, path, format, created_at) VALUES (1, 'gen', 'test', 'now');
INSERT INTO run(id, source_id, method, created_at) VALUES (1, 1, 'dense', 'now');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $(($2 * 6)))
INSERT INTO passage(id, hash, text, source_id) SELECT i, i, 'passage ' || i, 1 FROM n;
INSERT INTO passage_xid(xid, passage_id) SELECT 'p' || id, id FROM passage;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO query(id, xid, text, source_id) SELECT i, 'q' || i, 'query ' || i, 1 FROM n;
INSERT INTO qrel(query_id, passage_id, grade, source_id) SELECT id, $_nc + id, 1, 1 FROM query;
INSERT INTO run_positive(run_id, query_id, passage_id, score) SELECT 1, id, $_nc + id, 0.9 FROM query;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $((_nc - 1)))
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, dup_sim)
 SELECT 1, i / 5 + 1, i + 1, i % 5 + 1, 0.8 - 0.1 * (i % 5), ${3:-((i * 7919) % $_nc) / ${_nc}.0} FROM n;"
}
