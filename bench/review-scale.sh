#!/bin/sh
# bench/review-scale.sh [BINARY...] - what the review's keys cost in the
# 1M-candidate project of bench/review.sh once it has been worked on:
#   decided  people decided every kept item of the first 3,000 queries
#            (300,000 decisions); Tab from the last item goes to the
#            next query to review (the queue's search), > loads the next
#            query;
#   scores   a cascade stage scored every kept candidate (stage_score);
#            > loads the next query (its stages' answers are shown);
#   dropped  one query was dropped; Tab searches the next query;
#   routed   the cascade left a verdict on every kept item and routed
#            one in 10 to people (item_auto); Tab searches the next
#            routed item by priority.
# Start-up (the first search, from the start of the queue) and the
# latency of each key (p50 and max of the query class, headless as in
# bench/review.sh).  Binaries take turns on fresh copies; the first makes
# the projects (give the yardstick, the older schema, first).
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "${NEGSIEVE:-$(pwd)/negsieve}"
export NEGSIEVE=${NEGSIEVE:-$1} LC_ALL=C.UTF-8
dir=${BENCH_DIR:-/tmp/ns-bench-review}
mkdir -p "$dir"
printf '%s; %s\n' "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' |
	head -1)" "$(nproc) cores"
[ -f "$dir/1m.pristine/negsieve.db" ] ||
	sh bench/review-gen.sh "$dir/1m.pristine" 10000 100
for s in decided scores dropped routed; do
	[ -f "$dir/$s.pristine/negsieve.db" ] && continue
	rm -rf "$dir/$s.pristine"
	cp -r "$dir/1m.pristine" "$dir/$s.pristine"
	case $s in
	decided) sql="INSERT INTO annotator(name, created_at)
		VALUES ('bench', '2026-01-01');
		INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
		SELECT query_id, passage_id, (SELECT id FROM annotator
		  WHERE name = 'bench'), 'tn', '2026-01-01'
		FROM candidate WHERE query_id <= 3000 AND filter IS NULL
		ORDER BY query_id, passage_id;" ;;
	scores) sql="INSERT INTO stage_score(stage, query_id, passage_id,
		  score, raw, input, at)
		SELECT 'judge', query_id, passage_id, 0.5, 'not relevant', 1,
		  '2026-01-01' FROM candidate WHERE filter IS NULL;" ;;
	dropped) sql="INSERT INTO annotator(name, created_at)
		VALUES ('bench', '2026-01-01');
		INSERT INTO decision(query_id, annotator_id, action, at)
		VALUES (7000, (SELECT id FROM annotator WHERE name = 'bench'),
		  'drop_query', '2026-01-01');" ;;
	routed) sql="INSERT INTO item_auto(query_id, passage_id, verdict,
		  priority, audit)
		SELECT query_id, passage_id,
		  CASE WHEN (query_id * 7 + passage_id) % 10 = 0 THEN 'review'
		  ELSE 'tn' END,
		  ((query_id * 7919 + passage_id * 104729) % 1000003) / 1e6, 0
		FROM candidate WHERE filter IS NULL;" ;;
	esac
	sqlite3 "$dir/$s.pristine/negsieve.db" "$sql"
done
keys() {	# COUNT KEY... (the keys COUNT times, then q)
	i=0
	n=$1; shift
	while [ "$i" -lt "$n" ]; do printf '%s\n' "$@"; i=$((i + 1)); done
	echo q
}
# Tab from the last item: the next query with something to decide
keys 10 G Tab >"$dir/keys-tab"
keys 10 '>' >"$dir/keys-next"
keys 3 '>' >"$dir/keys-next3"
printf 'load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
for run in decided:keys-tab decided:keys-next scores:keys-next3 \
	   dropped:keys-tab routed:keys-tab; do
	s=${run%%:*}; k=${run#*:}
	for bin in "$@"; do
		rm -rf "$dir/$s"
		cp -r "$dir/$s.pristine" "$dir/$s"
		# migrate a newer schema outside the timing
		NEGSIEVE_REVIEW_SCRIPT=/dev/null "$bin" review "$dir/$s" \
			>/dev/null 2>&1 || true
		NEGSIEVE_REVIEW_SCRIPT="$dir/$k" NEGSIEVE_REVIEW_BENCH="$dir/out" \
			"$bin" review "$dir/$s"
		awk -v b="$bin" -v r="$s, ${k#keys-}" '
		     /^startup_ms/{st=$2} /^query_keys/{n=$2}
		     /^query_p50_ms/{p50=$2} /^query_max_ms/{mx=$2}
		     END{printf "%s [%s]: start-up %s ms; %d keys: p50 %s ms, max %s ms\n",
		         b, r, st, n, p50, mx}' "$dir/out"
	done
done
printf 'load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
