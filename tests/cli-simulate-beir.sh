#!/bin/sh
# cli-simulate-beir.sh - negsieve simulate on BEIR DBpedia-Entity (the
# shared test data), set up as bench/simulate-dbpedia.sh does it: one
# positive per judged query as the label, the oracle's other judgments
# hidden; candidates mined with BM25 only, to be quick.  Under --max-pfn
# the estimate is of the false negatives left without the cut and is no
# bound (it reads below the contamination on seeds 0, 2 and 9): "at
# most" is said of its interval's top, which holds the contamination.
# Then the same data imported whole, qrels included, and simulated
# against those qrels: the figures measure nothing, and a warning says so.
. "${top_srcdir:-.}/tests/lib.sh"
need_data beir-dbpedia-arcd
D=$NEGSIEVE_DATA/beir-dbpedia-arcd/dbpedia
O=$D/qrels/test.tsv
P=$T/p

# the first of the highest grade of each query: its one positive
awk -F'\t' 'NR > 1 && $3 >= 1 && (!($1 in g) || $3 > g[$1]) {
	g[$1] = $3; d[$1] = $2 }
    END { print "query-id\tcorpus-id\tscore"
	  for (q in d) print q "\t" d[q] "\t1" }' "$O" >"$T/labels.tsv"
run "$NEGSIEVE" init "$P"
run "$NEGSIEVE" import "$P" "$D/corpus.jsonl" "$D/queries.jsonl" "$T/labels.tsv"
is "$rc" 0 "import the corpus, the queries and a positive per query"
run "$NEGSIEVE" mine --method bm25 --num-negatives 0 "$P"
is "$rc" 0 "mine"

# the README's example: a judge, and export's cut on P(FN) at 0.4
low=0
for s in 0 2 9; do
	run "$NEGSIEVE" simulate --csv --budget 0.1 --judge-accuracy 0.85 \
		--max-pfn 0.4 --seed "$s" --oracle "$O" "$P"
	row=$(printf '%s\n' "$out" | grep '^cascade,')
	# contamination, estimate, estimate_hi, estimate_is_bound
	set -- $(printf '%s\n' "$row" | awk -F, '{ print $5, $7, $9, $10 }')
	is "$4" 1 "seed $s: under the cut the estimate is of a bound"
	ok "seed $s: the interval's top ($3) holds the contamination ($1)" \
		awk "BEGIN { exit !($3 >= $1) }"
	awk "BEGIN { exit !($2 < $1) }" && low=$((low + 1))
	pt=$(awk "BEGIN { printf \"%.1f\", 100 * $2 }")
	hi=$(awk "BEGIN { printf \"%.1f\", 100 * $3 }")
	run "$NEGSIEVE" simulate --budget 0.1 --judge-accuracy 0.85 \
		--max-pfn 0.4 --seed "$s" --oracle "$O" "$P"
	is "$rc:$err" "0:" "seed $s: the table, without a warning"
	line=$(printf '%s\n' "$out" | grep '^  cascade ')
	is_in "$line" "  at most $hi%; estimate $pt% [" \
		"seed $s: 'at most' the interval's top, the estimate called one"
	am=$(printf '%s\n' "$line" | sed -n 's/.* at most \([0-9.]*\)%.*/\1/p')
	ok "seed $s: what the table says is at most (${am:-none}%) is not below the contamination ($1)" \
		awk "BEGIN { exit !(\"$am\" != \"\" && $am >= 100 * $1) }"
done
ok "the estimate reads below the contamination on $low of the 3 seeds: it is no bound" \
	test "$low" -gt 0
run "$NEGSIEVE" simulate --budget 0.1 --max-pfn 0.4 --oracle "$O" "$P"
is_in "$out" "with --max-pfn it is of the false negatives
            left without the cut, over the negatives written after it,
            and can still read below the contamination: only its interval's
            top is a bound (\"at most\")" "the table says which figure is a bound"

# the whole directory imported, qrels included: every judgment of the
# oracle is the project's own (relevant ones positives, filtered out of
# the candidates; the others judged negatives)
W=$T/whole
run "$NEGSIEVE" init "$W"
run "$NEGSIEVE" import "$W" "$D"
is "$rc" 0 "import the BEIR directory whole"
run "$NEGSIEVE" mine --method bm25 --num-negatives 0 "$W"
is "$rc" 0 "mine"
before=$(md5sum <"$W/negsieve.db")
warning="negsieve: warning: $W already holds 3709 of the 3709 judgments of the oracle $O (imported with the corpus?): the pairs it grades relevant are positives and the others known negatives, so no false negative is left to find and these figures measure nothing; import the corpus and queries without those qrels (one positive per query taken from them, as bench/simulate-dbpedia.sh does) and simulate on that project"
run "$NEGSIEVE" simulate --budget 0.05,0.1 --oracle "$O" "$W"
is "$rc" 0 "simulate against the imported qrels runs"
is_in "$out" "(0 false negatives, 0.0%;" "and finds no false negative"
is "$err" "$warning" "a warning says why, and what to do"
run "$NEGSIEVE" simulate --csv --budget 0.1 --oracle "$O" "$W"
is_in "$err" "$warning" "the same with --csv"
is "$(md5sum <"$W/negsieve.db")" "$before" "the project is unchanged"
done_testing
