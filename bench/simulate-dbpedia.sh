#!/bin/sh
# bench/simulate-dbpedia.sh [SEEDS] - what negsieve simulate says on BEIR
# DBpedia-Entity (../shared/data/beir-dbpedia-arcd/dbpedia: 40 queries
# with graded qrels, explicit grade-0 judgments), as the issue asks: one
# positive per query is kept as the label (its highest grade, the first
# in the file), every other judgment goes into the oracle only; the
# candidates are mined with BM25 and then the built-in embedder (dense,
# the scoring run; BM25 is the agreement stage's other run), every
# retrieved candidate kept (top 100 each).
#
# Then SEEDS (default 20) seeds of each setting, budgets 1..50% of the
# judged candidates:
#   default       the default cascade and settings
#   default-judge the same with a simulated judge of accuracy 0.85
#   small         bench/simulate-small.yaml (a larger audit slice and
#                 looser targets, for a small set)
#   small-judge   the same with the judge
#   small-judge-drop  ... and undecided candidates dropped at export
#   default-cut, default-cut-0.2  the default cascade, export leaving
#                 out undecided candidates with P(FN) above 0.15 / 0.2
#   default-judge-cut  with the judge, P(FN) above 0.4 left out
# CSVs (a seed column first) and the tables and plots of BENCHMARKS.md go
# to $BENCH_DIR (default /tmp/ns-bench-simulate), with analysis.md
# (bench/simulate-analysis.py: single-score cuts chosen with hindsight).
set -eu
cd "$(dirname "$0")/.."
NEGSIEVE=${NEGSIEVE:-$(pwd)/negsieve}
data=${NEGSIEVE_DATA:-$(pwd)/../shared/data}/beir-dbpedia-arcd/dbpedia
dir=${BENCH_DIR:-/tmp/ns-bench-simulate}
seeds=${1:-20}
budgets=0.01,0.02,0.05,0.1,0.2,0.5
[ -d "$data" ] || { echo "no $data" >&2; exit 1; }
mkdir -p "$dir"
p=$dir/dbpedia
if [ ! -f "$p/negsieve.db" ]; then
	awk -F'\t' 'NR > 1 && $3 >= 1 && (!($1 in g) || $3 > g[$1]) {
		g[$1] = $3; d[$1] = $2 }
	    END { print "query-id\tcorpus-id\tscore"
		  for (q in d) print q "\t" d[q] "\t1" }' \
		"$data/qrels/test.tsv" >"$dir/labels.tsv"
	"$NEGSIEVE" init "$p" >/dev/null
	"$NEGSIEVE" import "$p" "$data/corpus.jsonl" "$data/queries.jsonl" \
		"$dir/labels.tsv" >/dev/null
	"$NEGSIEVE" mine --method bm25 --num-negatives 0 "$p" >/dev/null
	"$NEGSIEVE" mine --method dense --num-negatives 0 "$p" >/dev/null
fi
oracle=$data/qrels/test.tsv
one() {	# NAME OPTIONS...
	name=$1; shift
	: >"$dir/$name.csv"
	s=0
	while [ "$s" -lt "$seeds" ]; do
		"$NEGSIEVE" simulate --csv --seed "$s" --budget "$budgets" \
			--oracle "$oracle" "$@" "$p" 2>/dev/null |
			sed "1d; s/^/$s,/" >>"$dir/$name.csv"
		s=$((s + 1))
	done
	python3 bench/simulate-report.py "$dir/$name.csv" \
		"$dir/$name.svg" "$name" >"$dir/$name.md"
	echo "$dir/$name.md"
}
start=$(date +%s)
one default
one default-judge --judge-accuracy 0.85
one small --config bench/simulate-small.yaml
one small-judge --config bench/simulate-small.yaml --judge-accuracy 0.85
one small-judge-drop --config bench/simulate-small.yaml --judge-accuracy 0.85 \
	--undecided drop
# undecided candidates that P(FN) puts above a cut left out (export
# --max-pfn): without a judge, and with one
one default-cut --max-pfn 0.15
one default-cut-0.2 --max-pfn 0.2
one default-judge-cut --judge-accuracy 0.85 --max-pfn 0.4
"$NEGSIEVE" simulate --oracle "$oracle" --budget 0.1 "$p" |
	sed -n '1,3p' >"$dir/facts.txt"
echo "$(( $(date +%s) - start )) s for 5 x $seeds simulations" >>"$dir/facts.txt"
cat "$dir/facts.txt"
# what one score does with hindsight, and people alone at their best
python3 bench/simulate-analysis.py "$p/negsieve.db" "$oracle" \
	>"$dir/analysis.md"
cat "$dir/analysis.md"
