#!/bin/sh
# bench/concurrency.sh - a team on one project (issue 11, deliverable 6):
# SESSIONS (default 32) scripted review sessions at once on one project,
# each pressing KEYS decision keys (default 100; f once in three, else x),
# against the yardstick measured in the same run on a fresh copy of the
# same project: one session alone pressing ALONE_KEYS (default 400).
# ROUNDS (default 2) rounds, the two taking turns.
#
# Per setting: decisions committed, wall time from the first start to the
# last exit, throughput (decisions/s), and the latency of a decision key
# (key read to finished frame, the commit and any wait for the write lock
# included; NEGSIEVE_REVIEW_BENCH "lat decide" lines of every session
# pooled): p50, p99, max.  Also: busy errors on status lines (must be 0)
# and that the database holds every acknowledged decision.
#
# The project lives in BENCH_DIR (default /tmp/ns-bench-conc: on disk, as a
# team's project would be, each commit synced).
#
#   bench/concurrency.sh [BINARY]
set -eu
cd "$(dirname "$0")/.."
bin=${1:-$(pwd)/negsieve}
export LC_ALL=C.UTF-8 NEGSIEVE_PROGRESS=0
ns=${SESSIONS:-32}
keys=${KEYS:-100}
alone=${ALONE_KEYS:-400}
rounds=${ROUNDS:-2}
dir=${BENCH_DIR:-/tmp/ns-bench-conc}
rm -rf "$dir"
mkdir -p "$dir"
lscpu | sed -n 's/^Model name: *//p' | sed 's/^/machine: /'
echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# a queue longer than every session's keys together
nq=$(( (ns * keys * 3 / 2 + 9) / 10 ))
[ "$nq" -ge $((alone / 10 + 10)) ] || nq=$((alone / 10 + 10))
awk -v n="$nq" 'BEGIN { for (i = 1; i <= n; i++) {
	printf "{\"query\": \"q%d\", \"pos\": [\"pos %d\"], \"neg\": [", i, i
	for (j = 1; j <= 10; j++)
		printf "%s\"neg %d.%d\"", (j > 1 ? ", " : ""), i, j
	print "]}" } }' >"$dir/data.jsonl"
printf 'review:\n  allow_annotator_override: true\n' >"$dir/cfg.yaml"
"$bin" init --config "$dir/cfg.yaml" "$dir/pristine" >/dev/null
"$bin" import --no-fts "$dir/pristine" "$dir/data.jsonl" >/dev/null
echo "project: $((nq * 10)) items"
for n in "$keys" "$alone"; do
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) print (i % 3 ? "x" : "f"); print "q" }' >"$dir/keys.$n"
done

now() { date +%s.%N; }

# run N KEYS: N sessions at once on a fresh copy; prints one result line
run() {
	rm -rf "$dir/p" "$dir"/ack.* "$dir"/bench.* "$dir"/out.*
	cp -a "$dir/pristine" "$dir/p"
	t0=$(now)
	pids=""
	i=1
	while [ $i -le "$1" ]; do
		NEGSIEVE_REVIEW_SCRIPT="$dir/keys.$2" \
		NEGSIEVE_REVIEW_ACK="$dir/ack.$i" \
		NEGSIEVE_REVIEW_BENCH="$dir/bench.$i" \
			"$bin" review --annotator "a$i" "$dir/p" >"$dir/out.$i" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	failed=0
	for p in $pids; do
		wait "$p" || failed=$((failed + 1))
	done
	t1=$(now)
	if [ $failed -gt 0 ]; then
		echo "$failed of $1 sessions failed:" >&2
		cat "$dir"/out.* | sort | uniq -c | head -5 >&2
	fi
	acked=$(cat "$dir"/ack.* | grep -c '^ack ' || true)
	busy=$(cat "$dir"/ack.* | grep -ci '^err .*busy' || true)
	indb=$(sqlite3 "$dir/p/negsieve.db" "SELECT count(*) FROM decision")
	cat "$dir"/bench.* | awk '$1 == "lat" && $2 == "decide" { print $3 }' |
		sort -n >"$dir/lat"
	awk -v n="$1" -v k="$2" -v t0="$t0" -v t1="$t1" -v acked="$acked" \
	    -v indb="$indb" -v busy="$busy" -v failed="$failed" '
		{ v[NR] = $1 }
		END {
			w = t1 - t0
			printf "%2d session(s) x %4d keys: %5d decisions (%d in the database, %d busy errors, %d sessions failed) in %6.2f s: %6.1f decisions/s; decision latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			    n, k, acked, indb, busy, failed, w, acked / w,
			    v[int(NR * 0.50) + 1], v[int(NR * 0.99) + 1], v[NR]
		}' "$dir/lat"
}

r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	echo "round $r"
	run 1 "$alone" | tee "$dir/alone.$r"
	run "$ns" "$keys" | tee "$dir/team.$r"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
