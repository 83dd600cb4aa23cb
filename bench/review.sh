#!/bin/sh
# bench/review.sh - review TUI speed: start-up to first frame, keypress to
# finished frame (p50/p99 over a replay of 10k keys), peak resident memory;
# on generated projects of 10k and 1M candidates (kept in $BENCH_DIR,
# default /tmp/ns-bench-review, outside the repository).  Key latency is
# split by class: move (within a query), query (load another query),
# decide (a committed decision, undo, tag, note).
#
# bench/review.sh [BINARY...] compares binaries (default ./negsieve): they
# take turns on fresh copies of each project, ROUNDS times (default 1).
# The projects are made by the first BINARY (the yardstick: give the
# older one first, and a newer schema migrates its copy in its first
# start-up run, which the median leaves out), or by $NEGSIEVE; delete
# $BENCH_DIR after a schema change.  The machine and the load average
# are printed with each round (the machine is shared: compare binaries
# of one run).
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "${NEGSIEVE:-$(pwd)/negsieve}"
export NEGSIEVE=${NEGSIEVE:-$1} LC_ALL=C.UTF-8
rounds=${ROUNDS:-1}
printf '%s; %s\n' "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' |
	head -1)" "$(nproc) cores"
dir=${BENCH_DIR:-/tmp/ns-bench-review}
mkdir -p "$dir"
for size in 10k:100:100 1m:10000:100; do
	name=${size%%:*}; rest=${size#*:}; nq=${rest%%:*}; k=${rest#*:}
	[ -f "$dir/$name.pristine/negsieve.db" ] ||
		sh bench/review-gen.sh "$dir/$name.pristine" "$nq" "$k"
done
# 10k keys: mostly moving and deciding, some undo, query jumps, scrolling
python3 - "$dir/keys" <<'PY'
import random, sys
random.seed(7)
keys = ["j"] * 30 + ["k"] * 10 + ["f"] * 6 + ["x"] * 14 + ["Space"] * 5 + \
       ["u"] * 5 + ["J"] * 5 + ["K"] * 3 + [">"] * 4 + ["<"] * 2 + \
       ["g"] * 3 + ["G"] * 3 + ["PgDn"] * 3 + ["PgUp"] * 2
with open(sys.argv[1], "w") as f:
    for _ in range(10000):
        f.write(random.choice(keys) + "\n")
    f.write("q\n")
PY
printf 'q\n' >"$dir/quit"
for name in 10k 1m; do
cands=$(sqlite3 "$dir/$name.pristine/negsieve.db" "SELECT count(*) FROM candidate")
round=0
while [ "$round" -lt "$rounds" ]; do
round=$((round + 1))
printf 'round %s, %s: load average %s\n' "$round" "$name" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
for bin in "$@"; do
	rm -rf "$dir/$name"
	cp -r "$dir/$name.pristine" "$dir/$name"
	# start-up: median of 5 cold-process runs that quit at once
	for i in 1 2 3 4 5; do
		NEGSIEVE_REVIEW_SCRIPT="$dir/quit" NEGSIEVE_REVIEW_BENCH="$dir/out" \
			"$bin" review "$dir/$name"
		awk '/^startup_ms/{print $2}' "$dir/out"
	done | sort -n | sed -n 3p >"$dir/startup"
	NEGSIEVE_REVIEW_SCRIPT="$dir/keys" NEGSIEVE_REVIEW_BENCH="$dir/out" \
		"$bin" review "$dir/$name"
	printf '%s [%s] %s candidates: startup %s ms (median of 5)\n' \
		"$bin" "$round" "$cands" "$(cat "$dir/startup")"
	awk '/^maxrss_kb/{rss=$2}
	     /keys /{k[$1]=$2} /p50_ms/{p50[$1]=$2} /p99_ms/{p99[$1]=$2}
	     /max_ms/{mx[$1]=$2}
	     END{n = split("move_ query_ decide_ -", c, " ")
	         for (i = 1; i <= n; i++) { p = c[i] == "-" ? "" : c[i]
	           printf "  %-7s %5d keys: p50 %s ms, p99 %s ms, max %s ms\n",
	             p == "" ? "all" : substr(p, 1, length(p) - 1),
	             k[p "keys"], p50[p "p50_ms"], p99[p "p99_ms"], mx[p "max_ms"] }
	         printf "  peak RSS %.1f MB\n", rss / 1024}' "$dir/out"
done
done
done
