#!/bin/sh
# bench/review.sh - review TUI speed: start-up to first frame, keypress to
# finished frame (p50/p99 over a replay of 10k keys), peak resident memory;
# on generated projects of 10k and 1M candidates (kept in $BENCH_DIR,
# default /tmp/ns-bench-review, outside the repository).
set -eu
cd "$(dirname "$0")/.."
export NEGSIEVE=${NEGSIEVE:-$(pwd)/negsieve} LC_ALL=C.UTF-8
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
	rm -rf "$dir/$name"
	cp -r "$dir/$name.pristine" "$dir/$name"
	cands=$(sqlite3 "$dir/$name/negsieve.db" "SELECT count(*) FROM candidate")
	# start-up: median of 5 cold-process runs that quit at once
	for i in 1 2 3 4 5; do
		NEGSIEVE_REVIEW_SCRIPT="$dir/quit" NEGSIEVE_REVIEW_BENCH="$dir/out" \
			"$NEGSIEVE" review "$dir/$name"
		awk '/^startup_ms/{print $2}' "$dir/out"
	done | sort -n | sed -n 3p >"$dir/startup"
	NEGSIEVE_REVIEW_SCRIPT="$dir/keys" NEGSIEVE_REVIEW_BENCH="$dir/out" \
		"$NEGSIEVE" review "$dir/$name"
	printf '%s candidates: startup %s ms (median of 5); ' "$cands" "$(cat "$dir/startup")"
	awk '/^keys/{k=$2} /^p50_ms/{p50=$2} /^p99_ms/{p99=$2} /^max_ms/{mx=$2}
	     /^maxrss_kb/{rss=$2}
	     END{printf "%d keys: p50 %s ms, p99 %s ms, max %s ms; peak RSS %.1f MB\n",
	         k, p50, p99, mx, rss / 1024}' "$dir/out"
done
