#!/bin/sh
# cli-import.sh - negsieve import of every data set in ../shared/data that
# has text, judgments or runs, and of the bundled sample.
#
# The expected counts were computed independently, once, with python3 over
# the same files (json.loads / str.split): queries = distinct query ids (or
# texts when rows have no ids), passages = distinct (title, text) pairs
# (plus docids known only by id for TREC files), positives / judged
# negatives = distinct (query, passage) pairs with highest grade > 0 / <= 0,
# candidates = distinct (query, negative) pairs.
. "${top_srcdir:-.}/tests/lib.sh"
D=$NEGSIEVE_DATA

# counts PROJECT -> "queries passages passage_ids positives judged_negatives candidates"
counts() {
	"$NEGSIEVE" stats --json "$1" | awk -F'[:,]' '
		/^  "[a-z_]+": [0-9]+/ { gsub(/[" ]/, "", $1); gsub(/ /, "", $2); v[$1] = $2 }
		END { print v["queries"], v["passages"], v["passage_ids"], v["positives"], v["judged_negatives"], v["candidates"] }'
}

# imp NAME WANT_COUNTS [import args...]: import into a fresh project
n=0
imp() {
	name=$1 want=$2; shift 2
	n=$((n + 1))
	P=$T/p$n
	"$NEGSIEVE" init "$P" >/dev/null
	run "$NEGSIEVE" import "$P" "$@"
	is "$rc" 0 "$name: import exits 0"
	[ "$rc" = 0 ] || printf '# %s\n' "$err"
	is "$(counts "$P")" "$want" "$name: counts (queries passages ids pos neg cand)"
}

imp "sample debian-descriptions" "3000 3000 3000 3000 0 0" "$top_srcdir/sample/debian-descriptions"
is_in "$out" "(beir directory): 9000 records: 3000 passages, 3000 queries, 3000 judgments, 0 candidates" "sample: summary line"

# bge rows have no query ids: two rows with one query text are one query,
# merged; the summary counts them (an export of two queries that share a
# text does not import back as it was), a later import of the same
# query's rows is not counted, and st-* rows repeat their anchor by design
cat >"$T/dup.jsonl" <<'E'
{"query": "what is a hard negative", "pos": ["p one"], "neg": ["n one", "n two"]}
{"query": "another query", "pos": ["p two"], "neg": ["n three"]}
{"query": "what is a hard negative", "pos": ["p three"], "neg": ["n four"]}
{"query": "another query", "pos": ["p two"], "neg": ["n five"]}
{"query": "a third one", "pos": ["p four"], "neg": ["n one"]}
E
imp "bge: two queries repeated" "3 9 0 4 0 6" "$T/dup.jsonl"
is_in "$out" "dup.jsonl (bge: training rows): 5 records: 9 passages, 3 queries, 4 judgments, 6 candidates; " \
	"bge: 5 records, 3 queries"
is_in "$out" "; 2 records repeat the query text of an earlier record and were merged with it (no query ids: one text, one query; e.g. 'what is a hard negative')" \
	"bge: the records merged by their query text are counted"
printf '%s\n' '{"query": "a third one", "pos": ["p four"], "neg": ["n six"]}' \
	'{"query": "a third one", "pos": ["p five"], "neg": ["n seven"]}' >"$T/dup2.jsonl"
run "$NEGSIEVE" import "$P" "$T/dup2.jsonl"
is_in "$out" "; 1 record repeats the query text of an earlier record and was merged with it (no query ids: one text, one query; 'a third one')" \
	"bge: one repeat in the file counted, not the query known from the first import"
printf 'anchor\tpositive\tnegative\nq\tp1\tn1\nq\tp1\tn2\n' >"$T/st.tsv"
imp "st-tsv: a repeated anchor" "1 3 0 1 0 2" "$T/st.tsv"
case "$out" in
*"repeat the query"*|*"repeats the query"*) ok "st-tsv: a repeated anchor is not reported as a merge" false ;;
*) ok "st-tsv: a repeated anchor is not reported as a merge" true ;;
esac

need_data beir-dbpedia-arcd
imp "dbpedia (BEIR, header, grade 0, ids with <>:)" "50 5000 5000 880 2829 0" "$D/beir-dbpedia-arcd/dbpedia"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM passage_xid WHERE xid = '<dbpedia:Oceanic_Airlines>'")" 1 "dbpedia: id with <>: kept verbatim"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM passage_fts WHERE passage_fts MATCH 'oceanic'")" \
   "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM passage WHERE text LIKE '%oceanic%' OR title LIKE '%oceanic%'")" "dbpedia: FTS indexes the passages"

# arcd: 652 qrels rows name queries missing from queries.jsonl and 18 name
# missing documents (653 rows in all); by default that is an error.
n=$((n + 1)); P=$T/p$n
"$NEGSIEVE" init "$P" >/dev/null
run "$NEGSIEVE" import "$P" "$D/beir-dbpedia-arcd/arcd"
is "$rc" 3 "arcd: dangling qrels reference exits 3"
is "$err" "negsieve: $D/beir-dbpedia-arcd/arcd/qrels/test.tsv:2:1: unknown query id 'arcd-q0' (not in the queries nor the project)
negsieve: nothing was imported (--skip-bad FILE imports the rest and writes the bad records to FILE)" "arcd: message names file, line and id"
is "$(counts "$P")" "0 0 0 0 0 0" "arcd: nothing imported"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM source")" 0 "arcd: no source row"
imp "arcd with --skip-bad" "50 255 255 49 0 0" --skip-bad "$T/arcd.bad" "$D/beir-dbpedia-arcd/arcd"
is "$(grep -c '^# ' "$T/arcd.bad")" 653 "arcd: 653 bad rows written"
is "$(grep -c 'unknown passage id' "$T/arcd.bad")" 1 "arcd: one row with a known query but a missing document"
is_in "$out" "653 bad records written to $T/arcd.bad" "arcd: summary names the skip file"
is "$(sqlite3 "$P/negsieve.db" "SELECT records || ' ' || skipped FROM source")" "1007 653" "arcd: source records and skipped"

need_data flagembedding-bge
B=$D/flagembedding-bge
imp "bge msmarco (scores, prompt, type)" "10 260 0 10 0 250" "$B/msmarco.jsonl"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM qrel WHERE score IS NOT NULL")" 10 "bge: pos_scores kept as qrel scores"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM candidate WHERE score IS NOT NULL AND rank IS NOT NULL")" 250 "bge: neg_scores and ranks kept"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM candidate c1 JOIN candidate c2 ON c1.query_id = c2.query_id AND c1.rank < c2.rank AND c1.score < c2.score")" 0 "bge: ranks follow scores"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(DISTINCT type) || ' ' || count(prompt) FROM query")" "1 10" "bge: type and prompt stored"
imp "bge nli" "10 20 0 10 0 10" "$B/nli.jsonl"
imp "bge nq (duplicated negative)" "10 986 0 10 0 977" "$B/nq.jsonl"
is_in "$out" "2 repeated negatives ignored" "bge nq: repeated negatives reported"
imp "bge sts (no scores)" "10 271 0 10 0 280" "$B/sts.jsonl"
imp "bge toy (no trailing newline)" "10 80 0 10 0 70" "$B/toy_finetune_data.jsonl"
imp "bge toy minedHN" "10 69 0 10 0 150" "$B/toy_finetune_data_minedHN.jsonl"
imp "bge toy before and after mining" "10 80 0 10 0 220" "$B/toy_finetune_data.jsonl" "$B/toy_finetune_data_minedHN.jsonl"
# FlagEmbedding's files use only the keys negsieve knows: no unknown key
"$NEGSIEVE" init "$T/pbge" >/dev/null
run "$NEGSIEVE" import "$T/pbge" "$B"/*.jsonl
is "$rc:$err" "0:" "bge: FlagEmbedding's files imported without a warning"

need_data splade-msmarco-toy
imp "splade triplets (st-tsv, no header)" "100 146 0 100 0 100" "$D/splade-msmarco-toy/triplets/raw.tsv"
is_in "$out" "(st-tsv: training rows): 100 records" "triplets detected as st-tsv"
imp "splade full_collection (id-text)" "0 89 89 0 0 0" "$D/splade-msmarco-toy/full_collection/raw.tsv"
is_in "$out" "(id-text: passages; long texts: " "collection detected as id-text passages by the lengths of its texts"

need_data trec-eval-tests
E=$D/trec-eval-tests
imp "trec results.test (unsorted, ties)" "3 1500 1500 0 0 1500" "$E/results.test"
# trec_eval order: score descending, ties by docid descending; the rank column is not used.
is "$(sqlite3 "$P/negsieve.db" "SELECT x.xid FROM candidate c JOIN passage_xid x ON x.passage_id = c.passage_id JOIN query q ON q.id = c.query_id WHERE q.xid = '301' AND c.rank = 1")" \
   "$(awk '$1 == 301' "$E/results.test" | sort -t '	' -k5,5gr -k3,3r | head -1 | cut -f3)" "trec: rank 1 is the top score"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM candidate c1 JOIN candidate c2 ON c1.query_id = c2.query_id AND c1.rank < c2.rank AND c1.score < c2.score")" 0 "trec: ranks recomputed from scores"
imp "trec results-302" "1 500 500 0 0 500" "$E/results-302.test"
imp "trec results.trunc (extra columns)" "2 584 584 0 0 584" "$E/results.trunc"
imp "trec results.comment.test (# in ids)" "301 29865 29865 0 0 30100" "$E/results.comment.test"
imp "trec qrels.test" "3 3338 3338 561 3120 0" "$E/qrels.test"
imp "trec qrels-302" "1 1061 1061 77 984 0" "$E/qrels-302.test"
imp "trec qrels.123 (repeated, max grade)" "3 3338 3338 612 3121 0" "$E/qrels.123"
is_in "$out" "6629 repeated judgments merged (highest grade kept)" "qrels.123: repeats reported"
imp "trec qrels.rel_level (-1..4)" "3 3338 3338 559 3122 0" "$E/qrels.rel_level"
imp "trec qrels with # comments and # in a docid" "3 3338 3338 561 3120 0" "$E/qrels.test.with-comments"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM passage_xid WHERE xid = 'CR#93E-1860'")" 1 "docid with # kept whole"
imp "trec qrels.comment.test" "31 5828 5828 4463 1427 0" "$E/qrels.comment.test"
imp "trec run + qrels together" "3 4099 4099 561 3120 1500" "$E/results.test" "$E/qrels.test"

# TREC ids first, then text from an id-text file: passages are filled in.
printf 'FBIS3-10082\tsome text\n' >"$T/ids.tsv"
run "$NEGSIEVE" import "$P" "$T/ids.tsv"
is "$rc" 0 "id-text after a run"
is "$(sqlite3 "$P/negsieve.db" "SELECT text FROM passage p JOIN passage_xid x ON x.passage_id = p.id WHERE x.xid = 'FBIS3-10082'")" "some text" "id-only passage filled in"
# They are no new passages, but the import did something: say what.
is_in "$out" "of the project): 1 records: 0 passages, 0 queries, 0 judgments, 0 candidates; filled in the text of 1 passage known by id only" "id-text after a run: the input's line counts the passage filled in"
is_in "$out" "imported 0 passages, 0 queries, 0 judgments, 0 candidates from 1 records in" "... no new passage"
is_in "$out" "; filled in the text of 1 passage known by id only; FTS index" "... and the summary says one was filled in"
# queries known by id only, from the run, given their text by topics;
# and both kinds in one import
printf '301\tinternational organized crime\n' >"$T/topics.tsv"
run "$NEGSIEVE" import "$P" --queries "$T/topics.tsv"
is_in "$out" "topics.tsv (trec-topics: queries): 1 records: 0 passages, 0 queries, 0 judgments, 0 candidates; filled in the text of 1 query known by id only" "topics after a run: the input's line counts the query filled in"
is_in "$out" "; filled in the text of 1 query known by id only; FTS index" "... and so does the summary"
printf '302\tsome query\n303\tanother query\n' >"$T/topics2.tsv"
printf 'FBIS3-10169\tmore text\nFBIS3-10243\tand more\n' >"$T/ids2.tsv"
run "$NEGSIEVE" import "$P" --queries "$T/topics2.tsv" --corpus "$T/ids2.tsv"
is_in "$out" "; filled in the text of 2 passages and 2 queries known by id only; FTS index" "passages and queries filled in: both counted in the summary"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM query WHERE text IS NOT NULL")" 3 "... and filled in"

# Run entries that are positives of their query are marked with the
# filter "positive", whether the qrels come in the same import or later.
# 131 = pairs of results.test judged rel > 0 in qrels.test (awk join).
P2=$T/trecpos
"$NEGSIEVE" init "$P2" >/dev/null
"$NEGSIEVE" import "$P2" "$NEGSIEVE_DATA/trec-eval-tests/results.test" >/dev/null
is "$(sqlite3 "$P2/negsieve.db" "SELECT count(*) FROM candidate WHERE filter = 'positive'")" 0 "run alone: no positives known yet"
"$NEGSIEVE" import "$P2" "$NEGSIEVE_DATA/trec-eval-tests/qrels.test" >/dev/null
is "$(sqlite3 "$P2/negsieve.db" "SELECT count(*) FROM candidate WHERE filter = 'positive'")" 131 "qrels imported later mark the run's positives"
P3=$T/trecpos1
"$NEGSIEVE" init "$P3" >/dev/null
"$NEGSIEVE" import "$P3" "$NEGSIEVE_DATA/trec-eval-tests/results.test" "$NEGSIEVE_DATA/trec-eval-tests/qrels.test" >/dev/null
is "$(sqlite3 "$P3/negsieve.db" "SELECT count(*) FROM candidate WHERE filter IS NULL")" 1369 "run and qrels in one import: 1500 - 131 kept"
# a pair judged 0 first and positive by a later import: its candidate is
# then a positive too (the later judgment only merged with the known one)
P4=$T/trecpos2
"$NEGSIEVE" init "$P4" >/dev/null
printf 'q1 Q0 d1 1 5.0 t\nq1 Q0 d2 2 4.0 t\n' >"$T/run2.txt"
printf 'q1 0 d1 0\n' >"$T/qa.txt"
printf 'q1 0 d1 1\n' >"$T/qb.txt"
"$NEGSIEVE" import "$P4" "$T/run2.txt" >/dev/null
"$NEGSIEVE" import "$P4" "$T/qa.txt" >/dev/null
is "$(sqlite3 "$P4/negsieve.db" "SELECT count(*) FROM candidate WHERE filter = 'positive'")" 0 "judged 0: not a positive"
"$NEGSIEVE" import "$P4" "$T/qb.txt" >/dev/null
is "$(sqlite3 "$P4/negsieve.db" "SELECT count(*) FROM candidate WHERE filter = 'positive'")" 1 "judged 1 later: its candidate marked positive"

done_testing
