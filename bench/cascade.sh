#!/bin/sh
# bench/cascade.sh - `negsieve cascade` end to end with the built-in
# stages (read every kept candidate's features, route, write every
# automatic verdict), and the refit in memory (bench/cascade-bench), each
# against a yardstick measured in the same run on the same machine.
#
#   bench/cascade.sh [BINARY...]      (default ./negsieve)
#
# The project (kept in $BENCH_DIR, default /tmp/ns-bench-cascade, made
# once by the FIRST binary: list the oldest first, newer ones migrate
# their copy untimed): NQ queries (default 100000) x K kept candidates of
# a dense run (default 10: 1M candidates) over NP passages (200000), with
# retriever scores, near-duplicate similarities and each query's positive
# score (run_positive); a BM25 run whose pools (20 per query, about a
# third shared with the dense run) the agreement stage reads
# (bench/cascade-gen); DEC decisions (default 10000) by one annotator:
# mostly fn above near-duplicate similarity 0.9, mostly tn below 0.8,
# on the first AUD items (default 500) of the audit slice in audit order
# (only the audit slice's labelled prefix certifies thresholds:
# bench/cascade-gen --audit lists them) and random other candidates.
# The default stages: near_duplicate, gap, bm25_agreement.
#
# ROUNDS times (default 3), alternating: the yardstick (the sqlite3 shell
# reading the same candidate rows: SELECT count(*), sum(score) FROM
# candidate), then each binary's `negsieve cascade` on a fresh copy
# (wall, user+sys CPU, peak RSS), and a digest of the verdicts it wrote
# (item_auto without fit_id: equal digests mean equal results); then, on
# that copy, `negsieve fit` the same way, then 100 more decisions and
# `negsieve cascade` again (FIT=0: neither).  A binary that writes phase
# times (NEGSIEVE_CASCADE_BENCH) has them listed.  Then ROUNDS times
# bench/cascade-bench N DEC 1 (or each binary of REFIT_BENCH in turn):
# the refit of every threshold and P(FN) against a qsort of N doubles,
# each round a new process (the refit of `negsieve fit` is a process's
# first).
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "$(pwd)/negsieve"
nq=${NQ:-100000}
k=${K:-10}
np=${NP:-200000}
dec=${DEC:-10000}
aud=${AUD:-500}
rounds=${ROUNDS:-3}
dir=${BENCH_DIR:-/tmp/ns-bench-cascade}/v3-$nq-$k-$dec-$aud
mkdir -p "$dir"
now() { date +%s.%N; }
[ -x bench/cascade-gen ] && [ -x bench/cascade-bench ] ||
	make -s bench/cascade-gen bench/cascade-bench
if [ ! -f "$dir/pristine/negsieve.db" ]; then
	rm -rf "$dir/pristine"
	"$1" init "$dir/pristine" >/dev/null
	# u(x): a cheap deterministic draw in [0, 1)
	sqlite3 "$dir/pristine/negsieve.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO source(id, path, format, created_at) VALUES (1, 'gen', 'test', '2026-01-01');
INSERT INTO run(id, source_id, method, created_at) VALUES (1, 1, 'dense', '2026-01-01');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $np)
INSERT INTO passage(id, hash, title, text, source_id)
 SELECT i, i, '', 'passage ' || i, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nq)
INSERT INTO query(id, xid, text, source_id)
 SELECT i, 'q' || i, 'query ' || i, 1 FROM n;
INSERT INTO qrel(query_id, passage_id, grade, score, source_id)
 SELECT id, id % $np + 1, 1, 1.0, 1 FROM query;
INSERT INTO run_positive(run_id, query_id, passage_id, score)
 SELECT 1, id, id % $np + 1,
  0.85 + 0.1 * ((id * 2654435761) % 4294967296) / 4294967296.0 FROM query;
WITH RECURSIVE r(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM r WHERE j < $k)
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, dup_sim, filter)
 SELECT 1, q.id, (q.id * 7919 + r.j * 104729) % $np + 1, r.j,
  0.9 - 0.02 * r.j
   + 0.05 * (((q.id * 131 + r.j * 7 + 1) * 2654435761) % 4294967296) / 4294967296.0,
  0.6 + 0.39 * (((q.id * 131 + r.j * 7 + 2) * 2654435761) % 4294967296) / 4294967296.0,
  NULL
 FROM query q, r ORDER BY q.id, r.j;
COMMIT;
SQL
	bench/cascade-gen "$dir/pristine" "$nq" "$k" "$np" 20 >/dev/null
	# the decisions: first the audit slice's first AUD items in audit
	# order (only that labelled prefix certifies thresholds), then
	# random other candidates up to DEC; each fn or tn by the same rule
	bench/cascade-gen --audit "$dir/pristine" "$aud" >"$dir/audit.csv"
	sqlite3 "$dir/pristine/negsieve.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TEMP TABLE first_audit(query_id INTEGER, passage_id INTEGER);
.import --csv $dir/audit.csv first_audit
CREATE TEMP TABLE pick AS
 SELECT c.id AS id, 0 AS k, a.rowid AS o FROM first_audit a
  JOIN candidate c ON c.query_id = a.query_id
   AND c.passage_id = a.passage_id AND c.run_id = 1;
INSERT INTO pick
 SELECT id, 1, (id * 2654435761) % 4294967296 FROM candidate
 WHERE id NOT IN (SELECT id FROM pick)
 ORDER BY (id * 2654435761) % 4294967296
 LIMIT max($dec - (SELECT count(*) FROM pick), 0);
INSERT INTO annotator(id, name, created_at) VALUES (1, 'bench', '2026-01-01');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 SELECT query_id, passage_id, 1,
  CASE WHEN dup_sim > 0.9 THEN
         CASE WHEN (c.id * 40503) % 100 < 97 THEN 'fn' ELSE 'tn' END
       WHEN dup_sim < 0.8 THEN
         CASE WHEN (c.id * 40503) % 1000 < 5 THEN 'fn' ELSE 'tn' END
       WHEN (c.id * 40503) % 2 = 0 THEN 'fn' ELSE 'tn' END,
  '2026-01-01T00:00:00Z'
 FROM pick p JOIN candidate c ON c.id = p.id ORDER BY p.k, p.o;
COMMIT;
ANALYZE;
SQL
fi
cands=$(sqlite3 "$dir/pristine/negsieve.db" "SELECT count(*) FROM candidate")
echo "negsieve cascade: $cands kept candidates, $nq queries, $dec decisions; $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
n=0
for bin in "$@"; do
	n=$((n + 1))
	rm -rf "$dir/bin$n"
	cp -r "$dir/pristine" "$dir/bin$n"
	"$bin" stats "$dir/bin$n" >/dev/null
done
# timed BIN ROUND COMMAND: run COMMAND ("cascade again": cascade) on
# $dir/work; wall, user+sys CPU, peak RSS, a digest of the verdicts
# (equal digests: equal results), the people line, and the phase times
# of a binary that writes them (NEGSIEVE_CASCADE_BENCH)
timed() {
	sync
	rm -f "$dir/phases"
	t0=$(now)
	NEGSIEVE_CASCADE_BENCH="$dir/phases" /usr/bin/time -v "$1" \
		"${3%% *}" "$dir/work" >"$dir/out" 2>"$dir/err"
	wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
	digest=$(sqlite3 "$dir/work/negsieve.db" "SELECT query_id,
		passage_id, verdict, stage, printf('%.12g', score),
		printf('%.12g', pfn), printf('%.12g', priority), audit
		FROM item_auto ORDER BY 1, 2" | md5sum | cut -c1-12)
	awk -F': ' -v b="$1" -v r="$2" -v w="$wall" -v cmd="$3" \
		-v d="$digest" -v line="$(grep '^people' "$dir/out")" '
		/User time|System time/ { c += $2 }
		/Maximum resident/ { m = $2 }
		END { printf "%s [%s] %s: wall %.2f s, cpu %.2f s, peak RSS %d MB; verdicts %s; %s\n",
		      b, r, cmd, w, c, m / 1024, d, line }' "$dir/err"
	grep '^cascade version' "$dir/out" | sed 's/^/    /'
	# "phase NAME... wall W cpu C peak P MB"
	[ -s "$dir/phases" ] && awk '
		{ n = split($0, f, " "); name = f[2]
		  for (i = 3; f[i] != "wall"; i++) name = name " " f[i]
		  s = s (s ? ", " : "") sprintf("%s %s/%s", name, f[i + 1], f[i + 3])
		  peak = f[i + 5] }
		END { print "    phases (wall/cpu s): " s "; peak " peak " MB" }' "$dir/phases"
	return 0
}
round=0
while [ "$round" -lt "$rounds" ]; do
	round=$((round + 1))
	sync
	t0=$(now)
	/usr/bin/time -v sqlite3 "$dir/bin1/negsieve.db" \
		"SELECT count(*), sum(score) FROM candidate" \
		>"$dir/out" 2>"$dir/err"
	wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
	awk -F': ' -v r="$round" -v w="$wall" '
		/User time|System time/ { c += $2 }
		END { printf "yardstick sqlite3 [%s]: wall %.2f s, cpu %.2f s\n", r, w, c }' "$dir/err"
	n=0
	for bin in "$@"; do
		n=$((n + 1))
		rm -rf "$dir/work"
		cp -r "$dir/bin$n" "$dir/work"
		timed "$bin" "$round" cascade
		[ "${FIT:-1}" = 1 ] || continue
		# then `negsieve fit` (labels, refit, every verdict anew)
		timed "$bin" "$round" fit
		# then 100 more decisions and `negsieve cascade` again (the
		# same version: the verdicts that change)
		sqlite3 "$dir/work/negsieve.db" "INSERT INTO decision(query_id,
			passage_id, annotator_id, action, at)
			SELECT query_id, passage_id, 1, CASE WHEN dup_sim > 0.85
			THEN 'fn' ELSE 'tn' END, '2026-01-02T00:00:00Z'
			FROM candidate c WHERE id % 9973 = 5 AND NOT EXISTS
			(SELECT 1 FROM decision d WHERE d.query_id = c.query_id
			AND d.passage_id = c.passage_id) LIMIT 100"
		timed "$bin" "$round" "cascade again"
	done
done
rm -rf "$dir/work"
# the refit in memory: this tree's bench/cascade-bench, or each of
# REFIT_BENCH (cascade-bench binaries, e.g. one built against an older
# libnegsieve.a) in turn, round by round
for r in $(seq 1 "$rounds"); do
	for rb in ${REFIT_BENCH:-bench/cascade-bench}; do
		echo "$rb:"
		"$rb" "$cands" "$dec" 1 | sed 's/^round 1/    round '"$r"'/'
	done
done
