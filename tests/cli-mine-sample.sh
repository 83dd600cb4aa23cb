#!/bin/sh
# cli-mine-sample.sh - mining the bundled Debian sample (BEIR format): dense
# over the built-in embedder's vectors (also streamed, as if larger than
# memory) and BM25 (one sharded slice, then all), with
# sensible results: a query's positive and passages of the same source
# package family (sample/debian-descriptions/families.tsv) rank high.
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample/debian-descriptions
[ -f "$S/corpus.jsonl" ] || skip_all "no $S"
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
run "$NEGSIEVE" import "$P" "$S"
is "$rc" 0 "the sample imports"
"$NEGSIEVE" embed "$P" >/dev/null

run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 "$P"
is "$rc" 0 "dense mining of the sample"
is_in "$out" "run 1: 3000 queries, 60000 candidates" "all 3000 queries, 20 candidates each"
set -- $(python3 "${top_srcdir:-.}/tests/sample-check.py" "$P" "$S/families.tsv" 1)
ok "dense: positive in the top 10 for $2 of $1 queries (>= 0.80)" \
	python3 -c "import sys; sys.exit(not $2 >= 0.80)"
ok "dense: a same-family passage in the top 10 for $3 of queries (>= 0.70)" \
	python3 -c "import sys; sys.exit(not $3 >= 0.70)"
# 3000 queries are two batches: the first's kept candidates were stored
# while the second was searched, the second's as they came; publishing
# the run again from its pool must store the very same rows
kept() {
	sqlite3 "$P/negsieve.db" "SELECT query_id, passage_id, rank, score, dup_sim, flag FROM candidate WHERE run_id = 1 ORDER BY 1, 2; SELECT * FROM run_positive WHERE run_id = 1 ORDER BY 2, 3" | cksum
}
k1=$(kept)
run "$NEGSIEVE" mine --refilter --range-max 20 --num-negatives 5 "$P"
is "$rc" 0 "the dense run published again from its pool"
is "$(kept)" "$k1" "the candidates stored while mining are those its pool publishes"

# BM25: one slice of 30, as one task of a batch job would mine it
run "$NEGSIEVE" mine --method bm25 --range-max 20 --shard 7/30 --output "$T/b7.db" "$P"
is "$rc" 0 "bm25 slice 7/30 of the sample"
is_in "$out" "shard 7/30: 100 queries, " "the slice has 100 queries"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run")" 1 "the slice went to its own file"
set -- $(python3 "${top_srcdir:-.}/tests/sample-check.py" "$P" "$S/families.tsv" "$T/b7.db")
ok "bm25: positive in the top 10 for $2 of $1 queries (>= 0.80)" \
	python3 -c "import sys; sys.exit(not $2 >= 0.80)"
ok "bm25: a same-family passage in the top 10 for $3 of queries (>= 0.70)" \
	python3 -c "import sys; sys.exit(not $3 >= 0.70)"
run "$NEGSIEVE" merge "$P" "$T/b7.db"
is "$rc" 3 "one slice of 30 does not merge"
is "$err" "negsieve: 1 of 30 shards given; missing 0/30, 1/30, 2/30, 3/30, 4/30, 5/30, 6/30, 8/30, ... (merge all shards of a job at once)" \
	"the missing shards are listed, the first 8"

# all of it: each distinct term asked of FTS5 once, queries summed
run "$NEGSIEVE" mine --method bm25 --range-max 20 "$P"
is "$rc" 0 "bm25 mining of the whole sample"
is_in "$out" "run 2: 3000 queries, " "all 3000 queries"
is_in "$out" "search bm25: " "the search says how it went"
is_in "$out" " 3000 queries as sums of their terms' scores (4 checked against the whole query's bm25()), 0 whole" \
	"... every query summed, four checked"
set -- $(python3 "${top_srcdir:-.}/tests/sample-check.py" "$P" "$S/families.tsv" 2)
ok "bm25: positive in the top 10 for $2 of $1 queries (>= 0.80)" \
	python3 -c "import sys; sys.exit(not $2 >= 0.80)"

# dense again as if the vectors (4.6 MB) were larger than memory: the
# search streams the mapped file and the rows read at random afterwards
# (rescoring, positives) are read ahead and dropped per batch; the same
# candidates and scores as run 1
NEGSIEVE_MEMORY=2000000 run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 "$P"
is "$rc" 0 "dense mining, streamed"
is_in "$out" "is larger than half the memory: streamed" "... it says it streams"
is_in "$out" "run 3: 3000 queries, 60000 candidates" "... all queries"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool a JOIN run_pool b USING (query_id) WHERE a.run_id = 1 AND b.run_id = 3 AND a.data = b.data")" 3000 \
	"... the same candidates and scores as without streaming"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_positive a JOIN run_positive b USING (query_id, passage_id) WHERE a.run_id = 1 AND b.run_id = 3 AND a.score = b.score")" 3000 \
	"... and the same scores of the positives"

# screened in bf16 and in int8 (oneDNN), rescored in f32: the run says how
# many queries its bound certified, and the pool is run 1's for every
# query (the uncertified ones were searched again in f32)
r=3
for p in bf16 int8; do
	r=$((r + 1))
	run "$NEGSIEVE" mine --method dense --precision $p --gemm onednn --range-max 20 --num-negatives 5 "$P"
	if [ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q "oneDNN\|onednn"; then
		skip "$p screening: no oneDNN ($err)"
		continue
	fi
	is "$rc" 0 "dense mining screened in $p"
	is_in "$out" "run $r: 3000 queries, 60000 candidates" "... all queries"
	is_in "$out" "exact search: the $p screen certified the top " "... it says what its bound certified"
	is_in "$out" " of 3000 queries; " "... out of all 3000"
	is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool a JOIN run_pool b USING (query_id) WHERE a.run_id = 1 AND b.run_id = $r AND a.data = b.data")" 3000 \
		"... the same candidates and scores as f32 for every query"
done

# --precision auto (the default): bf16 where the probe found its product
# 1.5x the best f32 one or more, else f32; the answers are f32's either
# way.  The probe's cache is written by hand to make each choice.
CA=$T/cache-auto
XDG_CACHE_HOME=$CA NEGSIEVE_GEMM_PROBE=64,256,384 run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 "$P"
is "$rc" 0 "auto precision: mines (the probe measured)"
is_in "$out" "precision auto: " "... saying which precision and why"
if grep -q 'bf16=[1-9]' "$CA/negsieve/gemm-probe"; then
	for v in 99999.0:bf16 0.5:f32; do
		sed -i "s/bf16=[0-9.]*/bf16=${v%%:*}/" "$CA/negsieve/gemm-probe"
		XDG_CACHE_HOME=$CA NEGSIEVE_GEMM_PROBE=64,256,384 run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 "$P"
		is "$rc" 0 "auto precision, bf16 at ${v%%:*} GFLOP/s: mines"
		r=$(sqlite3 "$P/negsieve.db" "SELECT max(id) FROM run")
		if [ "${v#*:}" = bf16 ]; then
			is_in "$out" "precision auto: bf16 (its product " "... bf16, the probe's rates said"
			is_in "$out" "exact search on onednn in bf16, rescored in f32" "... screened in bf16"
			is_in "$out" "exact search: the bf16 screen certified the top 20 for 3000 of 3000 queries" "... what its proof certified"
		else
			is_in "$out" "precision auto: f32 (the bf16 product is 0.0" "... f32, saying why"
			is_in "$out" "in f32 (GEMM:" "... screened in f32"
		fi
		is "$(sqlite3 "$P/negsieve.db" "SELECT json_extract(params, '$.precision') FROM run WHERE id = $r")" "${v#*:}" \
			"... the run records the precision it searched in"
		is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool a JOIN run_pool b USING (query_id) WHERE a.run_id = 1 AND b.run_id = $r AND a.data = b.data")" 3000 \
			"... the same candidates and scores as run 1 (f32) for every query"
	done
	# the shards of one job on two machines where auto chose bf16 and
	# f32: one job, merged, the same answers as run 1
	cp -r "$CA" "$T/cache-auto2"
	sed -i "s/bf16=[0-9.]*/bf16=99999.0/" "$T/cache-auto2/negsieve/gemm-probe"
	XDG_CACHE_HOME=$T/cache-auto2 NEGSIEVE_GEMM_PROBE=64,256,384 run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 --shard 0/2 --output "$T/auto0.db" "$P"
	is_in "$out" "precision auto: bf16" "shard 0/2 where auto chose bf16"
	XDG_CACHE_HOME=$CA NEGSIEVE_GEMM_PROBE=64,256,384 run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 --shard 1/2 --output "$T/auto1.db" "$P"
	is_in "$out" "precision auto: f32" "shard 1/2 where auto chose f32"
	run "$NEGSIEVE" merge "$P" "$T/auto0.db" "$T/auto1.db"
	is "$rc" 0 "... merged as one job"
	r=$(sqlite3 "$P/negsieve.db" "SELECT max(id) FROM run")
	is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool a JOIN run_pool b USING (query_id) WHERE a.run_id = 1 AND b.run_id = $r AND a.data = b.data")" 3000 \
		"... the same candidates and scores as run 1 (f32) for every query"
	XDG_CACHE_HOME=$CA NEGSIEVE_GEMM_PROBE=64,256,384 run "$NEGSIEVE" mine --method dense --precision auto --gemm openblas --range-max 20 --num-negatives 5 "$P"
	is "$rc" 0 "--precision auto --gemm openblas: mines"
	is_in "$out" "precision auto: f32 (the engine openblas was chosen)" "... in f32, saying why"
else
	skip "auto precision's choices: no bf16 product here"
fi

# each engine of exact search by name, our own AVX-512 kernel also packing
# chunk by chunk (a copy larger than a quarter of the memory) and
# streamed: run 1's candidates and scores for every query
for g in openblas onednn avx512 avx512:6000000 avx512:2000000; do
	mem=${g#*:}
	[ "$mem" = "$g" ] && mem=
	g=${g%%:*}
	NEGSIEVE_MEMORY=$mem run "$NEGSIEVE" mine --method dense --gemm $g --range-max 20 --num-negatives 5 "$P"
	if [ "$rc" -ne 0 ] && { { [ $g = onednn ] && printf '%s' "$err" | grep -q "oneDNN\|onednn"; } ||
	   { [ $g = avx512 ] && printf '%s' "$err" | grep -q "no AVX-512F"; }; }; then
		skip "--gemm $g: not here ($err)"
		continue
	fi
	is "$rc" 0 "dense mining, --gemm $g${mem:+, $mem bytes of memory}"
	is_in "$out" "exact search on $g in f32" "... on $g"
	r=$(sqlite3 "$P/negsieve.db" "SELECT max(id) FROM run")
	is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool a JOIN run_pool b USING (query_id) WHERE a.run_id = 1 AND b.run_id = $r AND a.data = b.data")" 3000 \
		"... the same candidates and scores as run 1 for every query"
done
runs=$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run")
# as on a CPU without AVX-512: --gemm avx512 says so, auto and
# NEGSIEVE_GEMM do without it
NEGSIEVE_NO_AVX512=1 run "$NEGSIEVE" mine --method dense --gemm avx512 --range-max 20 --num-negatives 5 "$P"
is "$rc" 3 "--gemm avx512 on a CPU without AVX-512: an error"
is_in "$err" "avx512 products are not available on this CPU: it has no AVX-512F (use openblas or onednn)" "... saying why and what to use"
NEGSIEVE_NO_AVX512=1 NEGSIEVE_GEMM=avx512 run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 "$P"
is "$rc" 6 "NEGSIEVE_GEMM=avx512 there: a configuration error"
is_in "$err" "NEGSIEVE_GEMM=avx512: expected one of openblas" "... listing what there is"
XDG_CACHE_HOME=$T/cache-noavx NEGSIEVE_NO_AVX512=1 run "$NEGSIEVE" mine --method dense --precision f32 --range-max 20 --num-negatives 5 "$P"
is "$rc" 0 "auto there: mines"
case "$out" in
*"exact search on openblas in f32"*|*"exact search on onednn in f32"*) ok "... on a library" true ;;
*) ok "... on a library ($out)" false ;;
esac
ok "... its probe timed no avx512" sh -c "! grep -q 'avx512=[1-9]' '$T/cache-noavx/negsieve/gemm-probe'"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run")" "$((runs + 1))" "... one run more"
runs=$((runs + 1))
NEGSIEVE_GEMM=blas run "$NEGSIEVE" mine --method dense --range-max 20 --num-negatives 5 "$P"
is "$rc" 6 "NEGSIEVE_GEMM=blas: a configuration error"
is_in "$err" "NEGSIEVE_GEMM=blas: expected one of openblas" "... naming the variable and what it takes"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run")" "$runs" "... and no run stored"
done_testing
