#!/bin/sh
# cli-simulate.sh - negsieve simulate on a hand-made project and oracle
# whose figures are worked out below (as in t-simulate), in both qrels
# formats, as a table and as CSV; the project is left unchanged; and the
# refusals, each with its message.
. "${top_srcdir:-.}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
P=$T/p
db() { sqlite3 "$P/negsieve.db" "$@"; }

run "$NEGSIEVE" init "$P"
is "$rc" 0 "init"
printf 'query-id\tcorpus-id\tscore\nq1\tp101\t1\n' >"$T/one.tsv"
run "$NEGSIEVE" simulate --oracle "$T/one.tsv" "$P"
is "$rc" 3 "a project without candidates: bad input"
is "$err" "negsieve: $P: no kept candidates to simulate on (import negatives or run negsieve mine first)" "and says what to do"

# Two queries, a positive each scored 0.9 and 12 candidates ranked 1..12
# with scores 0.92 0.89 ... 0.58; the oracle judges ranks 1..11 (rank 12
# not): false negatives are query 1's ranks 1 (grade 2), 2, 3 and 11, and
# query 2's rank 2 (grade 2): 5 FN, 17 TN.
db "
INSERT INTO source(id, path, format, created_at) VALUES (1, 'gen', 'test', 'now');
INSERT INTO run(id, source_id, method, created_at) VALUES (1, 1, 'dense', 'now');
WITH RECURSIVE q(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM q WHERE i < 2),
 r(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM r WHERE j < 12)
INSERT INTO passage(id, hash, text, source_id)
 SELECT 100 * i + j, 100 * i + j, 'passage ' || (100 * i + j), 1 FROM q, r;
INSERT INTO passage_xid(xid, passage_id) SELECT 'p' || id, id FROM passage;
INSERT INTO query(id, xid, text, source_id) VALUES (1, 'q1', 'query one', 1), (2, 'q2', 'query two', 1);
INSERT INTO qrel(query_id, passage_id, grade, source_id) VALUES (1, 100, 1, 1), (2, 200, 1, 1);
INSERT INTO run_positive(run_id, query_id, passage_id, score) VALUES (1, 1, 100, 0.9), (1, 2, 200, 0.9);
WITH RECURSIVE q(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM q WHERE i < 2),
 r(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM r WHERE j < 12)
INSERT INTO candidate(run_id, query_id, passage_id, rank, score)
 SELECT 1, i, 100 * i + j, j,
  CASE j WHEN 1 THEN 0.92 WHEN 2 THEN 0.89 WHEN 3 THEN 0.86 WHEN 4 THEN 0.83
   WHEN 5 THEN 0.79 WHEN 6 THEN 0.76 WHEN 7 THEN 0.73 WHEN 8 THEN 0.70
   WHEN 9 THEN 0.67 WHEN 10 THEN 0.64 WHEN 11 THEN 0.61 ELSE 0.58 END
 FROM q, r;"
{
	printf 'query-id\tcorpus-id\tscore\n'
	for q in 1 2; do
		for r in 1 2 3 4 5 6 7 8 9 10 11; do
			g=0
			[ "$q" = 1 ] && [ "$r" -le 3 -o "$r" = 11 ] && g=1
			[ "$q$r" = 11 ] && g=2
			[ "$q$r" = 22 ] && g=2
			printf 'q%s\tp%s\t%s\n' "$q" $((100 * q + r)) "$g"
		done
	done
	printf 'q1\tp100\t2\n'		# the positive: not a candidate
	printf 'q1\tp104\t0\n'		# repeated: the highest grade stays
	printf 'q9\tp999\t1\n'		# not in the project
} >"$T/oracle.tsv"
awk -F'\t' 'NR > 1 { print $1, 0, $2, $3 }' "$T/oracle.tsv" >"$T/oracle.qrels"
# one stage on the rank, fixed: ranks 1-2 flagged, 11-12 kept, 3-10 to
# people; no audit slice
cat >"$T/rank.yaml" <<'YAML'
cascade:
  audit_share: 0
  stages:
    - scorer: rank
      lo: -10.5
      hi: -2.5
      fit: false
YAML
before=$(md5sum <"$P/negsieve.db")

run "$NEGSIEVE" simulate --csv --config "$T/rank.yaml" --budget 0,50%,1 \
	--oracle "$T/oracle.tsv" "$P"
is "$rc" 0 "simulate --csv"
is "$err" "2 of 24 candidates are not judged by the oracle: left out" "the unjudged are counted"
is "$(echo "$out" | head -1)" "policy,budget,decisions,fn_found,contamination,tn_kept,estimate,estimate_lo,estimate_hi,estimate_is_bound" "the CSV header"
is "$(echo "$out" | wc -l)" 16 "a row per policy and budget"
# budget 0: flagged ranks 1-2 (3 FN), 18 negatives of which 2 FN
is_in "$out" "cascade,0,0,0.6,0.111111,0.941176,,," "budget 0: the cascade alone"
# budget 0.5: 11 decisions, query 1's rank 3 among them whichever query
# is opened first; query 1's rank 11, kept, is left
is_in "$out" "cascade,0.5,11,0.8,0.0588235,0.941176,,," "budget 0.5: 11 decisions"
# budget 1: the queue runs out after the 16 candidates left to people
is_in "$out" "cascade,1,16,0.8,0.0588235,0.941176,,," "budget 1: 16 decisions"
is_in "$out" "keep-all,0.5,0,0,0.227273,1,,," "keep-all: 5 of 22"
is_in "$out" "skip-top-10,1,0,0.8,0.5,0.0588235,,," "skip-top-10: the two rank-11s, one FN"
is_in "$out" "relative-margin-0.05,0,0,0.8,0.0625,0.882353,,," "relative margin: ranks 1-3 out, 1 FN of 16 left"
is_in "$out" "absolute-margin-0.1,0.5,0,0.8,0.0714286,0.764706,,," "absolute margin: ranks 1-4 out, 1 FN of 14 left"
csv=$out

run "$NEGSIEVE" simulate --csv --config "$T/rank.yaml" --budget 0,50%,1 \
	--oracle "$T/oracle.qrels" "$P"
is "$out" "$csv" "TREC qrels: the same figures"
run "$NEGSIEVE" simulate --csv --config "$T/rank.yaml" --budget 1 \
	--relevant-grade 2 --oracle "$T/oracle.tsv" "$P"
is_in "$out" "keep-all,1,0,0,0.0909091,1,,," "--relevant-grade 2: 2 FN of 22"

# undecided candidates left out, as export --undecided drop: at budget 0
# only the two kept rank-11s (one FN) are written
run "$NEGSIEVE" simulate --csv --config "$T/rank.yaml" --budget 0 \
	--undecided drop --oracle "$T/oracle.tsv" "$P"
is_in "$out" "cascade,0,0,0.6,0.5,0.0588235,,," "--undecided drop: 2 negatives, 1 FN"
{ cat "$T/rank.yaml"; printf 'export:\n  undecided: drop\n'; } >"$T/drop.yaml"
run "$NEGSIEVE" simulate --csv --config "$T/drop.yaml" --budget 0 \
	--oracle "$T/oracle.tsv" "$P"
is_in "$out" "cascade,0,0,0.6,0.5,0.0588235,,," "export.undecided in the config: the same"
run "$NEGSIEVE" simulate --config "$T/drop.yaml" --budget 0 \
	--oracle "$T/oracle.tsv" "$P"
is_in "$out" "export      undecided candidates left out" "the table says so"
run "$NEGSIEVE" simulate --undecided maybe --oracle "$T/oracle.tsv" "$P"
is "$rc" 2 "--undecided takes keep or drop"
is_in "$err" "negsieve: simulate: --undecided: expected one of keep,drop, got 'maybe'" "and says so"
# --max-pfn 0: before P(FN) comes from a model (at budget 0: no label)
# nothing is left out; at budget 0.5 (11 labels, 1 FN: a model) every
# undecided candidate is: people's 10 TN and the two kept rank-11s (one
# FN) are the negatives, 1/12, TN kept 11/17
run "$NEGSIEVE" simulate --csv --config "$T/rank.yaml" --budget 0,50% \
	--max-pfn 0 --oracle "$T/oracle.tsv" "$P"
is_in "$out" "cascade,0,0,0.6,0.111111,0.941176,,," "--max-pfn 0 without a P(FN) model: nothing left out"
is_in "$out" "cascade,0.5,11,0.8,0.0833333,0.647059,,," "--max-pfn 0 with a model: every undecided candidate left out"
run "$NEGSIEVE" simulate --config "$T/rank.yaml" --budget 0 --max-pfn 0.3 \
	--oracle "$T/oracle.tsv" "$P"
is_in "$out" "export      undecided candidates kept as negatives, but those whose P(FN) is above 0.3 left out" \
	"the table says so"
is_in "$out" "contamination; with --max-pfn it is of the false negatives
            left without the cut, over the negatives written after it,
            and can still read below the contamination: only its interval's
            top is a bound (\"at most\")" \
	"and that the estimate is then no bound, its interval's top one"
run "$NEGSIEVE" simulate --max-pfn 2 --oracle "$T/oracle.tsv" "$P"
is "$rc" 2 "--max-pfn above 1: usage error"
is_in "$err" "negsieve: simulate: --max-pfn: expected a number in 0..1, got '2'" "and says so"

run "$NEGSIEVE" simulate --config "$T/rank.yaml" --budget 0.5 \
	--oracle "$T/oracle.tsv" "$P"
is "$rc" 0 "the table"
is_in "$out" "candidates  24 kept, 22 judged by the oracle (5 false negatives, 22.7%; 17 true negatives), 2 not judged: left out" "what takes part"
is_in "$out" "budget 50.0% of the judged candidates (11 decisions)" "a block per budget"
is_in "$out" "  cascade                      11           4 80.0%          5.9%    94.1%  no audit label yet" "the cascade's line"
is_in "$out" "people found 1, the cascade flagged 4 (3 right), kept 2, left 5 undecided" "and where its figures come from"
is_in "$out" "  absolute-margin-0.1           0           4 80.0%          7.1%    76.5%" "a fixed rule's line"

run "$NEGSIEVE" simulate --config "$T/rank.yaml" --budget 0.5 \
	--judge-accuracy 1 --oracle "$T/oracle.tsv" "$P"
is_in "$out" "cascade     rank, judge_simulated; refit every 20 decisions" "the judge is the last stage"
is_in "$out" "simulated judge of accuracy 1 (noise sd 0.000)" "with its noise"

# the project's own config (the default stages, an audit slice): the
# estimate is printed beside the true contamination
run "$NEGSIEVE" simulate --budget 1 --oracle "$T/oracle.tsv" "$P"
is "$rc" 0 "the project's cascade"
is_in "$out" "cascade     near_duplicate, gap, bm25_agreement;" "its stages"
is_in "$out" "estimate    what stats prints: the contamination (false negatives among the
            negatives export would write) estimated from the audit labels,
            kept between 0 and the share of undecided negatives" "the table says what the estimate is a share of"
is_in "$out" "; 17 negatives written" "and how many negatives both shares are of"
is "$(md5sum <"$P/negsieve.db")" "$before" "the project is unchanged"
is "$(db "SELECT count(*) FROM decision")" 0 "no decision written"

# the oracle imported into the project (a BEIR directory imported whole):
# the project holds its judgments and the figures measure nothing.  Of
# its 24 distinct judgments the project holds q1/p100; with query 1's 11
# judged candidates too, 12: half, no warning; with one more, 13: most
H=$T/held
cp -r "$P" "$H"
hq() { sqlite3 "$H/negsieve.db" "INSERT INTO qrel(query_id, passage_id, grade, source_id)
	SELECT query_id, passage_id, 0, 1 FROM candidate WHERE $1"; }
hq "query_id = 1 AND rank <= 11"
run "$NEGSIEVE" simulate --csv --budget 0.5 --oracle "$T/oracle.tsv" "$H"
is "$rc:$err" "0:2 of 24 candidates are not judged by the oracle: left out" \
	"12 of the oracle's 24 judgments held: no warning"
hq "query_id = 2 AND rank = 1"
run "$NEGSIEVE" simulate --budget 0.5 --oracle "$T/oracle.tsv" "$H"
is "$rc:$err" "0:negsieve: warning: $H already holds 13 of the 24 judgments of the oracle $T/oracle.tsv (imported with the corpus?): the pairs it grades relevant are positives and the others known negatives, so no false negative is left to find and these figures measure nothing; import the corpus and queries without those qrels (one positive per query taken from them, as bench/simulate-dbpedia.sh does) and simulate on that project" \
	"13 held: a warning, after the table"
is_in "$out" "budget 50.0% of the judged candidates" "which is printed"
run "$NEGSIEVE" simulate --csv --budget 0.5 --oracle "$T/oracle.tsv" "$H"
is_in "$err" "negsieve: warning: $H already holds 13 of the 24" "the same with --csv"

# refusals
run "$NEGSIEVE" simulate "$P"
is "$rc" 2 "no --oracle: usage error"
is_in "$err" "negsieve: simulate: --oracle QRELS is required: the graded qrels that answer for people" "says what is missing"
run "$NEGSIEVE" simulate --oracle "$T/none.tsv" "$P"
is "$rc" 7 "a missing oracle: not found"
is_in "$err" "$T/none.tsv" "names the file"
printf '{"_id": "p1", "text": "a"}\n' >"$T/corpus.jsonl"
run "$NEGSIEVE" simulate --oracle "$T/corpus.jsonl" "$P"
is "$rc" 3 "not a qrels file: bad input"
is "$err" "negsieve: $T/corpus.jsonl: not a qrels file (it reads as beir): expected TREC qrels (query iteration docid grade) or BEIR qrels (query-id corpus-id score)" "says what it read"
printf 'query-id\tcorpus-id\tscore\nq1\tp101\t1\nq1\tp102\thigh\n' >"$T/bad.tsv"
run "$NEGSIEVE" simulate --oracle "$T/bad.tsv" "$P"
is "$rc" 3 "a bad judgment: bad input"
is "$err" "negsieve: $T/bad.tsv:3:9: score is not an integer grade: 'high'" "with its line and column, as import says it"
printf 'x1\ty1\t1\n' >"$T/other.tsv"
run "$NEGSIEVE" simulate --oracle "$T/other.tsv" "$P"
is "$rc" 3 "an oracle of another data set"
is "$err" "negsieve: $T/other.tsv: the oracle judges none of the 24 kept candidates of $P (are its query and passage ids the project's?)" "says so"
run "$NEGSIEVE" simulate --budget 0.1,2 --oracle "$T/oracle.tsv" "$P"
is "$rc" 2 "a budget above 1"
is_in "$err" "negsieve: simulate: --budget: expected shares of the judged candidates in 0..1 (0.1 or 10%), separated by commas, got '0.1,2'" "is refused"
run "$NEGSIEVE" simulate --budget 0.1, --oracle "$T/oracle.tsv" "$P"
is "$rc" 2 "a trailing comma is refused"
run "$NEGSIEVE" simulate --judge-accuracy 0.5 --oracle "$T/oracle.tsv" "$P"
is "$rc" 2 "a judge no better than a coin"
is_in "$err" "negsieve: simulate: --judge-accuracy: expected a number > 0.5 and <= 1, got '0.5'" "is refused"
run "$NEGSIEVE" simulate --relevant-grade 0 --oracle "$T/oracle.tsv" "$P"
is "$rc" 2 "grade 0 cannot mean relevant"
printf 'cascade:\n  audit_share: 2\n' >"$T/bad.yaml"
run "$NEGSIEVE" simulate --config "$T/bad.yaml" --oracle "$T/oracle.tsv" "$P"
is "$rc" 6 "a bad --config: configuration error"
is_in "$err" "bad.yaml:2:16: cascade.audit_share: expected a number in 0..1, got '2'" "with its position"
# the checks config and init make (the same function): review.keys,
# the stages together, each at its place
printf 'review:\n  keys:\n    y: fnord\n' >"$T/keys-bad.yaml"
run "$NEGSIEVE" simulate --config "$T/keys-bad.yaml" --oracle "$T/oracle.tsv" "$P"
is "$rc:$out" "6:" "a --config with an unknown review.keys action: refused, as by config"
is "$err" "negsieve: $T/keys-bad.yaml:3:8: review.keys: unknown action 'fnord' for key 'y'" "... at its place"
printf 'cascade:\n  stages:\n    - scorer: gap\n      lo: 5\n      hi: 1\n' >"$T/lohi.yaml"
run "$NEGSIEVE" simulate --config "$T/lohi.yaml" --oracle "$T/oracle.tsv" "$P"
is "$rc:$out" "6:" "a --config with lo above hi: refused"
is "$err" "negsieve: $T/lohi.yaml:3:7: cascade.stages[0] (gap): lo 5 is above hi 1" "... at the stage"
run "$NEGSIEVE" simulate --oracle "$T/oracle.tsv" "$T/nowhere"
is "$rc" 7 "no such project"
is "$(md5sum <"$P/negsieve.db")" "$before" "the project is still unchanged"
done_testing
