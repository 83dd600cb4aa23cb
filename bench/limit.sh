#!/bin/sh
# bench/limit.sh - mining at the machine's limit, every ratio against a
# yardstick measured in the same run (the machine is shared: rounds
# alternate the yardsticks and the runs, and ranges are reported).
#
#   bench/limit.sh [exact] [ivf] [big] [bm25]      (default: exact)
#
# exact  10k queries x 100k passages x 384 (../shared/tools/make_vectors.c),
#        range_max 50, 5 negatives, whole processes: negsieve mine in f32,
#        bf16, int8 and the default (--precision auto) against the best f32 GEMM rate of the machine at the
#        mining shape (../shared/tools/gemm_best.c: OpenBLAS sgemm and
#        oneDNN matmul, timed before and after each round) and against
#        sentence-transformers' mine_hard_negatives (../shared/tools/peer-st,
#        upstream file unmodified; faiss, OMP_NUM_THREADS=2, passive wait),
#        with the agreement of their negatives.
# ivf    1M passages x 50k queries x 128 (bench/vecgen, clustered), the
#        whole job with --index auto against --index Flat (the default
#        precision, auto, and f32), recall@k; on CLUSTERS_IVF cluster
#        counts (default "1000 16000").
# big    a corpus larger than memory (BIG_NB x 384, default 20M: 31 GB),
#        mined exactly by negsieve mine, peak RSS against its size.
# bm25   mine --method bm25 against mine --method dense (built-in
#        embedder), whole processes, on the bundled sample (3000 short
#        queries, 3000 passages) and on the sample turned round (3000 long
#        queries, 2954 short passages; BM25_SETS="sample long");
#        OLD=path/to/negsieve also times an older binary's bm25 and
#        compares its candidates.
#
# Knobs (environment): ROUNDS=3, GEMMS (exact: also time f32 with each of
# these engines forced, e.g. GEMMS="openblas onednn avx512", one run each
# per round), WORK=/tmp/ns-limit (generated data, not
# in the repo), SHARED=../shared, ST_GIT (a bare git dir of
# huggingface/sentence-transformers; without it the peer is skipped unless
# /tmp/st-peer holds its files already; the peer runs on Debian's
# python3-torch, python3-faiss, python3-scipy, python3-pandas and
# python3-tqdm, installed by hand: they are not negsieve's), BIG_NB, BIG_NQ, BIG_VECTORS (a
# directory of vector files an earlier big run made, linked instead of
# generating 31 GB again; remove $WORK/big-base-NB/negsieve.db to remake
# the database, e.g. after one made by an older negsieve).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
N=$top/negsieve
SHARED=${SHARED:-$(cd .. && pwd)/shared}
WORK=${WORK:-/tmp/ns-limit}
ROUNDS=${ROUNDS:-3}
mkdir -p "$WORK"
make -s negsieve bench/vecgen >/dev/null

sections=${*:-exact}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs;" \
	"$(date -u +%Y-%m-%dT%H:%MZ); negsieve $(git rev-parse --short HEAD)"
"$N" --version | sed -n 's/^GEMM/negsieve GEMM probe/p'

# seconds, peak RSS (MiB), CPU seconds (user + sys) and GB read from disk
# of a whole process: "WALL RSS CPU GB"; on failure the process's output
# goes to stderr and nothing to stdout (callers check with ran "$@" after
# set -- $(timed ...))
timed() {
	/usr/bin/time -f '%e %M %U %S %I' -o "$WORK/time.out" "$@" >"$WORK/last.out" 2>&1 ||
		{ cat "$WORK/last.out" >&2; return 1; }
	awk '{ printf "%s %.0f %.2f %.2f\n", $1, $2 / 1024, $3 + $4, $5 * 512 / 1e9 }' "$WORK/time.out"
}

# the best f32 GEMM rate now: "BEST OPENBLAS ONEDNN" (GFLOP/s)
GB=$WORK/gemm_best
if [ ! -x "$GB" ]; then
	if [ -f "$SHARED/tools/gemm_best.c" ]; then
		cc -O2 -o "$GB" "$SHARED/tools/gemm_best.c" -lopenblas \
			-DHAVE_DNNL -ldnnl 2>/dev/null ||
		cc -O2 -o "$GB" "$SHARED/tools/gemm_best.c" -lopenblas
	else
		echo "limit.sh: no $SHARED/tools/gemm_best.c (the yardstick)" >&2
		exit 1
	fi
fi
yard() {
	"$GB" 2>"$WORK/gb.err" >"$WORK/gb.out"
	echo "$(cat "$WORK/gb.out") $(awk '{ print $2, $4 }' "$WORK/gb.err")"
}

# a fresh project sharing the vectors of $1: the database copied, vectors/
# linked (each timed run starts from the same state)
fresh() {
	rm -rf "$2"
	mkdir -p "$2"
	cp "$1/negsieve.db" "$2/"
	ln -s "$1/vectors" "$2/vectors"
}

# the 1-minute load average now (the machine is shared: say how busy it was)
load() {
	cut -d' ' -f1 /proc/loadavg
}

ran() {		# stop when the timed run before failed
	[ $# -ge 2 ] || { echo "limit.sh: the run failed (its output above)" >&2; exit 1; }
}

range() {	# "min-max" of the numbers on stdin (one per line)
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}

# ---- exact ----------------------------------------------------------------
exact() {
	nb=100000 nq=10000 d=384
	data=$WORK/st-vec-${nb}x${nq}x${d}
	if [ ! -f "$data/beir/qrels/train.tsv" ]; then
		cc -O2 -o "$WORK/mkvec" "$SHARED/tools/make_vectors.c" -lm
		mkdir -p "$data"
		"$WORK/mkvec" "$data" $nb $nq $d
	fi
	base=$WORK/exact-base
	if [ ! -f "$base/negsieve.db" ]; then
		rm -rf "$base"
		"$N" init "$base" >/dev/null
		"$N" import --no-fts "$base" "$data/beir" >/dev/null
		"$N" embed --passages "$data/passages.npy" \
			--passage-ids "$data/passages.ids" \
			--queries "$data/queries.npy" \
			--query-ids "$data/queries.ids" "$base" >/dev/null
	fi
	# the peer: sentence-transformers' own file, unmodified, in /tmp
	peer=no
	if [ -n "${ST_GIT:-}" ] && [ ! -f /tmp/st-peer/sentence_transformers/util/hard_negatives.py ]; then
		mkdir -p /tmp/st-peer/sentence_transformers/util
		for f in hard_negatives similarity tensor; do
			git --git-dir="$ST_GIT" show "HEAD:sentence_transformers/util/$f.py" \
				>/tmp/st-peer/sentence_transformers/util/$f.py
		done
		echo "$(git --git-dir="$ST_GIT" rev-parse HEAD)" >/tmp/st-peer/COMMIT
	fi
	if [ -f /tmp/st-peer/sentence_transformers/util/hard_negatives.py ] &&
	   /usr/bin/python3 -c 'import torch, faiss, pandas, scipy, tqdm' 2>/dev/null; then
		peer=yes
		echo "peer: sentence-transformers $(cut -c1-12 /tmp/st-peer/COMMIT 2>/dev/null)," \
			"torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')," \
			"faiss $(/usr/bin/python3 -c 'import faiss; print(faiss.__version__)')"
	else
		echo "peer: not available (set ST_GIT; needs python3-torch, python3-faiss, python3-scipy, python3-pandas, python3-tqdm)"
	fi
	flop=$(echo "$nq $nb $d" | awk '{ print 2 * $1 * $2 * $3 }')
	opts="--model file:passages.npy --index Flat --range-max 50 --num-negatives 5 --rank-of negatives"
	# the GEMM probe runs at a machine's first dense mine: not in a
	# timed run
	if "$N" --version | grep -q '^GEMM: not measured'; then
		fresh "$base" "$WORK/x-warm"
		# shellcheck disable=SC2086
		"$N" mine $opts "$WORK/x-warm" >/dev/null
		"$N" --version | sed -n 's/^GEMM/negsieve GEMM probe/p'
	fi
	: >"$WORK/exact.rows"
	: >"$WORK/exact.gemms"
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		r=$((r + 1))
		set -- $(yard)
		y1=$1 ob1=$2 dn1=$3
		for p in f32 bf16 int8 auto; do
			fresh "$base" "$WORK/x-$p"
			# shellcheck disable=SC2086
			set -- $(timed "$N" mine $opts --precision $p "$WORK/x-$p")
			ran "$@"
			eval "t_$p=$1 m_$p=$2"
			cp "$WORK/last.out" "$WORK/x-$p.out"
		done
		forced=
		for g in ${GEMMS:-}; do
			fresh "$base" "$WORK/x-g"
			# shellcheck disable=SC2086
			set -- $(NEGSIEVE_GEMM=$g timed "$N" mine $opts --precision f32 "$WORK/x-g")
			ran "$@"
			forced="$forced $g $1 s ($(echo "$flop $1" | awk '{ printf "%.1f", $1 / $2 / 1e9 }') GFLOP/s);"
			echo "$g $1" >>"$WORK/exact.gemms"
		done
		if [ "$peer" = yes ]; then
			set -- $(OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE timed /usr/bin/python3 \
				"$SHARED/tools/peer-st/run_st_mine.py" --mode st-faiss \
				--data "$data" --st-dir /tmp/st-peer --out "$WORK/peer.tsv")
			ran "$@"
			t_peer=$1 m_peer=$2
		else
			t_peer=nan m_peer=nan
		fi
		set -- $(yard)
		y2=$1 ob2=$2 dn2=$3
		best=$(echo "$y1 $y2" | awk '{ print ($1 > $2) ? $1 : $2 }')
		eff=$(echo "$flop $t_f32 $best" | awk '{ printf "%.3f", $1 / $2 / 1e9 / $3 }')
		rate=$(echo "$flop $t_f32" | awk '{ printf "%.1f", $1 / $2 / 1e9 }')
		sp=$(echo "$t_peer $t_f32" | awk '{ printf "%.2f", $1 / $2 }')
		b16=$(echo "$t_f32 $t_bf16" | awk '{ printf "%.2f", $1 / $2 }')
		i8=$(echo "$t_f32 $t_int8" | awk '{ printf "%.2f", $1 / $2 }')
		effa=$(echo "$flop $t_auto $best" | awk '{ printf "%.3f", $1 / $2 / 1e9 / $3 }')
		spa=$(echo "$t_peer $t_auto" | awk '{ printf "%.2f", $1 / $2 }')
		pa=$(sed -n 's/^precision auto: \([a-z0-9]*\).*/\1/p' "$WORK/x-auto.out")
		printf 'round %d: GEMM openblas %s/%s onednn %s/%s GFLOP/s (before/after); f32 %ss (%s GFLOP/s, %s of best, %s MiB); peer %ss (%s MiB, %sx); bf16 %ss (%sx); int8 %ss (%sx); default (auto: %s) %ss (%s of best, %sx the peer);%s load %s\n' \
			"$r" "$ob1" "$ob2" "$dn1" "$dn2" "$t_f32" "$rate" "$eff" "$m_f32" \
			"$t_peer" "$m_peer" "$sp" "$t_bf16" "$b16" "$t_int8" "$i8" \
			"$pa" "$t_auto" "$effa" "$spa" "${forced:+ forced:$forced}" "$(load)"
		echo "$best $t_f32 $eff $t_peer $sp $t_bf16 $b16 $t_int8 $i8 $m_f32 $m_peer $t_auto $effa $spa $m_auto" >>"$WORK/exact.rows"
	done
	echo "exact, ${nq} x ${nb} x ${d}, k=50, 5 negatives, $ROUNDS rounds (ranges):"
	echo "  best f32 GEMM (yardstick)  $(cut -d' ' -f1 "$WORK/exact.rows" | range) GFLOP/s"
	echo "  negsieve f32 whole process $(cut -d' ' -f2 "$WORK/exact.rows" | range) s = $(cut -d' ' -f3 "$WORK/exact.rows" | range) of the best GEMM rate (target >= 0.85)"
	echo "  peer whole process         $(cut -d' ' -f4 "$WORK/exact.rows" | range) s; negsieve $(cut -d' ' -f5 "$WORK/exact.rows" | range)x faster (target >= 3)"
	echo "  bf16 whole process         $(cut -d' ' -f6 "$WORK/exact.rows" | range) s = $(cut -d' ' -f7 "$WORK/exact.rows" | range)x the f32 speed (target >= 1.5)"
	echo "  int8 whole process         $(cut -d' ' -f8 "$WORK/exact.rows" | range) s = $(cut -d' ' -f9 "$WORK/exact.rows" | range)x the f32 speed"
	echo "  default (--precision auto: $(sed -n 's/^precision auto: //p' "$WORK/x-auto.out"))"
	echo "    whole process            $(cut -d' ' -f12 "$WORK/exact.rows" | range) s = $(cut -d' ' -f13 "$WORK/exact.rows" | range) of the best f32 GEMM rate, $(cut -d' ' -f14 "$WORK/exact.rows" | range)x the peer, peak RSS $(cut -d' ' -f15 "$WORK/exact.rows" | range) MiB"
	echo "  peak RSS negsieve / peer   $(cut -d' ' -f10 "$WORK/exact.rows" | range) / $(cut -d' ' -f11 "$WORK/exact.rows" | range) MiB"
	for g in ${GEMMS:-}; do
		echo "  f32 with NEGSIEVE_GEMM=$g   $(awk -v g="$g" '$1 == g { print $2 }' "$WORK/exact.gemms" | range) s"
	done
	for p in bf16 int8 auto; do
		set -- $(python3 bench/limit-check.py topk "$WORK/x-$p/negsieve.db" 1 \
			"$WORK/x-f32/negsieve.db" 1 51)
		echo "  $p top-51 = f32 top-51 for $1 of $2 queries; $(grep -o 'certified.*' "$WORK/x-$p.out" || true)"
	done
	if [ "$peer" = yes ]; then
		set -- $(python3 bench/limit-check.py peer "$WORK/x-f32/negsieve.db" 1 "$WORK/peer.tsv")
		echo "  negatives identical to the peer's for $1 of $3 queries (in the same order for $2: the order of near-equal scores follows each side's rounding)"
	fi
}

# ---- ivf ------------------------------------------------------------------
ivf() {
	nb=${IVF_NB:-1000000} nq=${IVF_NQ:-50000} d=128
	for nc in ${CLUSTERS_IVF:-1000 16000}; do
		data=$WORK/ivf-$nb-$nq-$nc
		base=$WORK/ivf-base-$nc
		if [ ! -f "$base/negsieve.db" ]; then
			bench/vecgen "$data" "$nb" "$nq" $d "$nc" 1.0 "$nc"
			rm -rf "$base"
			"$N" init "$base" >/dev/null
			"$N" import --no-fts "$base" "$data/beir" >/dev/null
			"$N" embed --passages "$data/passages.npy" \
				--passage-ids "$data/passages.ids" \
				--queries "$data/queries.npy" \
				--query-ids "$data/queries.ids" "$base" >/dev/null
			rm -rf "$data"
		fi
		: >"$WORK/ivf.rows"
		r=0
		while [ "$r" -lt "$ROUNDS" ]; do
			r=$((r + 1))
			# exact search as mine does it by default (--precision
			# auto: a bf16 screen where it pays) and in f32
			for ix in Flat auto Flat32; do
				fresh "$base" "$WORK/v-$ix"
				rm -f "$base"/index-*.faiss
				p=auto
				[ $ix = Flat32 ] && p=f32
				set -- $(timed "$N" mine --model file:passages.npy --index ${ix%32} \
					--precision $p --range-max 100 --num-negatives 5 "$WORK/v-$ix")
				ran "$@"
				eval "t_$ix=$1 m_$ix=$2"
				cp "$WORK/last.out" "$WORK/v-$ix.out"
			done
			set -- $(python3 bench/limit-check.py topk "$WORK/v-auto/negsieve.db" 1 \
				"$WORK/v-Flat/negsieve.db" 1 100)
			sp=$(echo "$t_Flat $t_auto" | awk '{ printf "%.2f", $1 / $2 }')
			sp32=$(echo "$t_Flat32 $t_auto" | awk '{ printf "%.2f", $1 / $2 }')
			printf 'ivf %s clusters, round %d: exact %ss (%s MiB; %s), auto %ss (%s MiB) = %sx, recall@100 %s; exact in f32 %ss (auto %sx); load %s; %s\n' \
				"$nc" "$r" "$t_Flat" "$m_Flat" \
				"$(sed -n 's/^precision auto: \([a-z0-9]*\).*/\1/p' "$WORK/v-Flat.out")" \
				"$t_auto" "$m_auto" "$sp" "$3" "$t_Flat32" "$sp32" "$(load)" \
				"$(grep '^index' "$WORK/v-auto.out" | tr '\n' ' ')"
			echo "$t_Flat $t_auto $sp $3 $t_Flat32 $sp32" >>"$WORK/ivf.rows"
		done
		echo "ivf ${nb} x ${nq} x ${d}, $nc clusters, $ROUNDS rounds: exact $(cut -d' ' -f1 "$WORK/ivf.rows" | range) s," \
			"auto $(cut -d' ' -f2 "$WORK/ivf.rows" | range) s = $(cut -d' ' -f3 "$WORK/ivf.rows" | range)x, recall@100 $(cut -d' ' -f4 "$WORK/ivf.rows" | range);" \
			"exact in f32 $(cut -d' ' -f5 "$WORK/ivf.rows" | range) s (auto $(cut -d' ' -f6 "$WORK/ivf.rows" | range)x)"
	done
}

# ---- big ------------------------------------------------------------------
# The project is made by hand (rows by SQL, vector files generated in
# place: importing 31 GB through embed would hold it three times on disk).
big() {
	nb=${BIG_NB:-20000000} nq=${BIG_NQ:-2000} d=384
	base=$WORK/big-base-$nb
	echo "disk: $(df -h "$WORK" | awk 'NR == 2 { print $4 " free of " $2 }'); memory: $(free -g | awk '/^Mem/ { print $2 " GB" }')"
	# the vectors (31 GB) and the database are made separately: a
	# project made by an older negsieve keeps its vectors, and
	# BIG_VECTORS=DIR links vector files made before
	if [ -n "${BIG_VECTORS:-}" ] && [ ! -e "$base/vectors" ]; then
		mkdir -p "$base"
		ln -s "$BIG_VECTORS" "$base/vectors"
	fi
	if [ ! -f "$base/vectors/passage-2.f32" ]; then
		rm -rf "$base"
		mkdir -p "$base"
		bench/vecgen --raw "$base/vectors" "$nb" "$nq" $d 4096 1.0 7
		mv "$base/vectors/passage.f32" "$base/vectors/passage-2.f32"
		mv "$base/vectors/passage.ids" "$base/vectors/passage-2.ids"
		mv "$base/vectors/query.f32" "$base/vectors/query-1.f32"
		mv "$base/vectors/query.ids" "$base/vectors/query-1.ids"
	fi
	if [ ! -f "$base/negsieve.db" ]; then
		"$N" init "$base" >/dev/null
		sqlite3 "$base/negsieve.db" "BEGIN;
INSERT INTO source(id, path, format, created_at) VALUES (1, 'vecgen', 'bench', 'now');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nb)
  INSERT INTO passage(id, text, source_id) SELECT i, NULL, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nq)
  INSERT INTO query(id, xid, text, source_id) SELECT i, 'q' || i, NULL, 1 FROM n;
INSERT INTO qrel(query_id, passage_id, grade, source_id) SELECT id, (id * 7919) % $nb + 1, 1, 1 FROM query;
INSERT INTO vecset(id, kind, model, dim, count, path, ids_path, created_at) VALUES
  (1, 'query', 'file:big', $d, $nq, 'vectors/query-1.f32', 'vectors/query-1.ids', 'now'),
  (2, 'passage', 'file:big', $d, $nb, 'vectors/passage-2.f32', 'vectors/passage-2.ids', 'now');
COMMIT;"
	fi
	size=$(du -smL "$base/vectors" | cut -f1)
	set -- $(yard)
	y1=$1
	fresh "$base" "$WORK/b"
	set -- $(timed "$N" mine --model file:big --index Flat \
		--range-max 50 --num-negatives 5 "$WORK/b")
	ran "$@"
	t=$1 m=$2 cpu=$3 gb=$4
	set -- $(yard)
	y2=$1
	best=$(echo "$y1 $y2" | awk '{ print ($1 > $2) ? $1 : $2 }')
	flop=$(echo "$nq $nb $d" | awk '{ print 2 * $1 * $2 * $3 }')
	echo "big: $nq x $nb x $d exact, vectors $size MiB: $t s (CPU $cpu s), peak RSS $m MiB, $gb GB read from disk, load $(load)," \
		"$(echo "$flop $t $best" | awk '{ printf "%.1f GFLOP/s = %.2f of the best GEMM (%s)", $1 / $2 / 1e9, $1 / $2 / 1e9 / $3, $3 }')"
	grep -E '^index|^run' "$WORK/last.out"
}

# ---- bm25 -----------------------------------------------------------------
# Two sets: the bundled sample (3000 short queries, 3000 passages of ~60
# words) and the same turned round ("long": the passages' texts as 3000
# long queries, the queries as 2954 short passages, the shape of the
# issue's maths set).  Each round, on a fresh copy of the project: dense
# (built-in embedder, vectors made once), bm25, and with OLD=binary the
# older binary's bm25, whose candidates must be the same.
bm25_set() {	# bm25_set NAME: the BEIR directory of set NAME
	if [ "$1" = sample ]; then
		echo "$top/sample/debian-descriptions"
		return
	fi
	d=$WORK/bm25-long-set
	if [ ! -f "$d/qrels/train.tsv" ]; then
		mkdir -p "$d/qrels"
		python3 - "$top/sample/debian-descriptions" "$d" <<'PY'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
with open(dst + "/corpus.jsonl", "w") as f:
    for l in open(src + "/queries.jsonl"):
        q = json.loads(l)
        f.write(json.dumps({"_id": "p:" + q["_id"], "title": "", "text": q["text"]}) + "\n")
with open(dst + "/queries.jsonl", "w") as f:
    for l in open(src + "/corpus.jsonl"):
        c = json.loads(l)
        f.write(json.dumps({"_id": "q:" + c["_id"], "text": c["text"]}) + "\n")
with open(dst + "/qrels/train.tsv", "w") as f:
    f.write("query-id\tcorpus-id\tscore\n")
    for l in list(open(src + "/qrels/train.tsv"))[1:]:
        q, p, s = l.rstrip("\n").split("\t")
        f.write("q:%s\tp:%s\t%s\n" % (p, q, s))
PY
	fi
	echo "$d"
}

bm25() {
	for set in ${BM25_SETS:-sample long}; do
		base=$WORK/bm25-base-$set
		if [ ! -f "$base/negsieve.db" ]; then
			rm -rf "$base"
			"$N" init "$base" >/dev/null
			"$N" import "$base" "$(bm25_set "$set")" >/dev/null
			"$N" embed "$base" >/dev/null
		fi
		: >"$WORK/bm25.rows"
		r=0
		while [ "$r" -lt "$ROUNDS" ]; do
			r=$((r + 1))
			fresh "$base" "$WORK/bm-d"
			set -- $(timed "$N" mine --method dense "$WORK/bm-d")
			ran "$@"
			td=$1 cd=$3
			fresh "$base" "$WORK/bm-b"
			set -- $(timed "$N" mine --method bm25 "$WORK/bm-b")
			ran "$@"
			tb=$1 cb=$3
			line=$(grep '^search bm25' "$WORK/last.out" || true)
			to=nan same=
			if [ -n "${OLD:-}" ]; then
				fresh "$base" "$WORK/bm-o"
				set -- $(timed "$OLD" mine --method bm25 "$WORK/bm-o")
				ran "$@"
				to=$1
				same=$(sqlite3 "$WORK/bm-b/negsieve.db" "ATTACH '$WORK/bm-o/negsieve.db' AS o;
SELECT count(*) || ' of ' || (SELECT count(*) FROM run_pool) FROM run_pool a JOIN o.run_pool b USING (query_id) WHERE a.data = b.data;")
				pos=$(sqlite3 "$WORK/bm-b/negsieve.db" "ATTACH '$WORK/bm-o/negsieve.db' AS o;
SELECT count(*) FROM run_positive a JOIN o.run_positive b USING (query_id, passage_id) WHERE a.score IS b.score;")
				same="; candidates as OLD's for $same queries, positives' scores $pos"
			fi
			echo "$td $tb $(echo "$tb $td" | awk '{ printf "%.2f", $1 / $2 }') $to $cd $cb $(echo "$cb $cd" | awk '{ printf "%.2f", $1 / $2 }')" >>"$WORK/bm25.rows"
			echo "bm25 $set round $r: dense ${td}s (CPU ${cd}s), bm25 ${tb}s (CPU ${cb}s), OLD bm25 ${to}s; load $(load)$same"
		done
		echo "  $line"
		echo "bm25 $set, $ROUNDS rounds: dense $(cut -d' ' -f1 "$WORK/bm25.rows" | range) s," \
			"bm25 $(cut -d' ' -f2 "$WORK/bm25.rows" | range) s = $(cut -d' ' -f3 "$WORK/bm25.rows" | range)x dense (target <= 1)," \
			"median $(cut -d' ' -f3 "$WORK/bm25.rows" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')x;" \
			"CPU $(cut -d' ' -f7 "$WORK/bm25.rows" | range)x dense's" \
			"${OLD:+; OLD bm25 $(cut -d' ' -f4 "$WORK/bm25.rows" | range) s}"
	done
}

for s in $sections; do
	"$s"
done
