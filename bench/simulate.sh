#!/bin/sh
# bench/simulate.sh [ROUNDS] - the speed of negsieve simulate: 10 budgets
# (1% .. 10%) over 100k judged candidates (1000 queries x 100, generated
# by bench/simulate-gen.sh in $BENCH_DIR, default /tmp/ns-bench-simulate,
# outside the repository), i.e. a replay of 10,000 decisions with a refit
# every 20.  The yardstick, measured in the same run on the same project:
# one `negsieve fit` (load the items, refit, store every verdict).  Wall
# and CPU seconds of each, ROUNDS times (default 3), alternating.
set -eu
cd "$(dirname "$0")/.."
NEGSIEVE=${NEGSIEVE:-$(pwd)/negsieve}
export NEGSIEVE
dir=${BENCH_DIR:-/tmp/ns-bench-simulate}
rounds=${1:-3}
mkdir -p "$dir"
p=$dir/gen100k
[ -f "$p/negsieve.db" ] || sh bench/simulate-gen.sh "$p" 1000 100
[ -f "$dir/gen100k-fit/negsieve.db" ] || {
	cp -r "$p" "$dir/gen100k-fit"
	"$NEGSIEVE" cascade "$dir/gen100k-fit" >/dev/null
}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
timed() {	# LABEL CMD...: one line of wall and CPU seconds
	label=$1; shift
	/usr/bin/time -f "$label: %e s wall, %U + %S s CPU, %M KB peak" \
		"$@" >/dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt"; exit 1; }
	tail -1 "$dir/time.txt"
}
r=0
while [ "$r" -lt "$rounds" ]; do
	timed "fit (the yardstick)" "$NEGSIEVE" fit "$dir/gen100k-fit"
	timed "simulate, 10 budgets" "$NEGSIEVE" simulate --csv \
		--budget 0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1 \
		--oracle "$p/oracle.tsv" "$p"
	r=$((r + 1))
done
