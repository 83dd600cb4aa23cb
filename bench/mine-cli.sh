#!/bin/sh
# bench/mine-cli.sh - `negsieve mine` end to end as a user runs it (open
# the project, load the vectors, search, filter, sample, store, commit),
# binaries taking turns on fresh copies of one generated project.
#
#   bench/mine-cli.sh [BINARY...]      (default ./negsieve)
#
# NQ queries and NB passages (default 10000 and 100000) of generated text
# are imported and embedded with the built-in embedder (384 dimensions)
# once, by the FIRST binary (list the oldest first: newer ones migrate the
# copy they get before they are timed).  Then ROUNDS times (default 3) each
# binary mines a fresh copy: dense, exact (Flat), k = 20, relative margin
# 0.05, 3 negatives.  Prints wall seconds, user+sys CPU and peak RSS per
# run.  Data lives in $BENCH_DIR (default /tmp/ns-bench-mine).
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "$(pwd)/negsieve"
nq=${NQ:-10000}
nb=${NB:-100000}
rounds=${ROUNDS:-3}
dir=${BENCH_DIR:-/tmp/ns-bench-mine}/$nq-$nb
mkdir -p "$dir"
now() { date +%s.%N; }
if [ ! -f "$dir/pristine/negsieve.db" ]; then
	rm -rf "$dir/pristine" "$dir/beir"
	mkdir -p "$dir/beir/qrels"
	awk -v nq="$nq" -v nb="$nb" -v d="$dir/beir" 'BEGIN {
		split("the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out other some what into about than up them could only time new these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three package manager editor server archive mail kernel driver network socket thread memory cache index query vector matrix filter sample score", w, " ")
		# 69069 * 2^32 < 2^53: exact in doubles
		nw = length(w); x = 4242
		for (i = 1; i <= nb; i++) {
			t = ""
			for (j = 0; j < 40; j++) {
				x = (x * 69069 + 1) % 4294967296
				t = t (j ? " " : "") w[1 + int(x / 65536) % nw]
			}
			printf "{\"_id\": \"p%d\", \"text\": \"%s %d\"}\n", i, t, i > d "/corpus.jsonl"
		}
		print "query-id\tcorpus-id\tscore" > d "/qrels/train.tsv"
		for (i = 1; i <= nq; i++) {
			t = ""
			for (j = 0; j < 8; j++) {
				x = (x * 69069 + 1) % 4294967296
				t = t (j ? " " : "") w[1 + int(x / 65536) % nw]
			}
			printf "{\"_id\": \"q%d\", \"text\": \"%s\"}\n", i, t > d "/queries.jsonl"
			printf "q%d\tp%d\t1\n", i, 1 + (i * 7919) % nb > d "/qrels/train.tsv"
		}
	}'
	"$1" init "$dir/pristine" >/dev/null
	"$1" import --no-fts "$dir/pristine" "$dir/beir" >/dev/null
	"$1" embed "$dir/pristine" >/dev/null
fi
got=$("$1" stats --json "$dir/pristine" | sed -n 's/^  "passages": \([0-9]*\),$/\1/p')
if [ "$got" != "$nb" ]; then
	echo "bench/mine-cli.sh: $got distinct passages, not $nb" >&2
	exit 1
fi
echo "negsieve mine, $nq queries x $nb passages x 384, k = 20 ($(lscpu | sed -n 's/^Model name: *//p'))"
n=0
for bin in "$@"; do
	n=$((n + 1))
	# each binary's own copy, migrated to its schema, untimed
	rm -rf "$dir/bin$n"
	cp -r "$dir/pristine" "$dir/bin$n"
	"$bin" stats "$dir/bin$n" >/dev/null
done
round=0
while [ "$round" -lt "$rounds" ]; do
	round=$((round + 1))
	n=0
	for bin in "$@"; do
		n=$((n + 1))
		rm -rf "$dir/work"
		cp -r "$dir/bin$n" "$dir/work"
		sync
		t0=$(now)
		/usr/bin/time -v "$bin" mine --index Flat --range-max 20 \
			--relative-margin 0.05 --num-negatives 3 "$dir/work" \
			>"$dir/out" 2>"$dir/err"
		wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
		awk -F': ' -v b="$bin" -v r="$round" -v w="$wall" \
			-v line="$(grep '^run ' "$dir/out")" '
			/User time|System time/ { c += $2 }
			/Maximum resident/ { m = $2 }
			END { printf "%s [%s]: wall %.2f s, cpu %.2f s, peak RSS %d MB; %s\n",
			      b, r, w, c, m / 1024, line }' "$dir/err"
	done
done
rm -rf "$dir/work"
