#!/bin/sh
# cli-mine-kill.sh - a mining run is complete or invisible: `negsieve mine`
# killed at random moments (SIGKILL, SIGTERM, SIGINT as Ctrl-C sends it)
# leaves a database that passes integrity_check, shows no candidates of the
# unfinished run to review, stats or --refilter, and the same command run
# again resumes (or replaces) the run and ends with exactly what an
# uninterrupted run stores.
. "${top_srcdir:-.}/tests/lib.sh"
POOL=${top_srcdir:-.}/tests/pool.py
TRIALS=${MINE_KILL_TRIALS:-9}

# 4000 queries x 2000 passages, 32 dims, clustered; query qI's positive pI
python3 - "$T" <<'PY'
import os, random, struct, sys
random.seed(5)
t = sys.argv[1]
NQ, NB, D = 4000, 2000, 32
os.makedirs(t + '/beir/qrels')
with open(t + '/beir/corpus.jsonl', 'w') as f:
    for i in range(NB):
        f.write('{"_id": "p%d", "title": "", "text": "passage %d"}\n' % (i, i))
with open(t + '/beir/queries.jsonl', 'w') as f:
    for i in range(NQ):
        f.write('{"_id": "q%d", "text": "query %d"}\n' % (i, i))
with open(t + '/beir/qrels/train.tsv', 'w') as f:
    f.write('query-id\tcorpus-id\tscore\n')
    for i in range(NQ):
        f.write('q%d\tp%d\t1\n' % (i, i % NB))
cent = [[random.gauss(0, 1) for _ in range(D)] for _ in range(20)]
def vecs(path, ids, n, prefix):
    with open(path, 'wb') as f, open(ids, 'w') as g:
        for i in range(n):
            c = cent[random.randrange(20)]
            v = [x + random.gauss(0, 0.8) for x in c]
            s = sum(x * x for x in v) ** 0.5
            f.write(struct.pack('<i', D) + struct.pack('<%df' % D, *[x / s for x in v]))
            g.write('%s%d\n' % (prefix, i))
vecs(t + '/p.fvecs', t + '/p.ids', NB, 'p')
vecs(t + '/q.fvecs', t + '/q.ids', NQ, 'q')
PY
B=$T/base
"$NEGSIEVE" init "$B" >/dev/null
"$NEGSIEVE" import "$B" "$T/beir" >/dev/null
"$NEGSIEVE" embed --passages "$T/p.fvecs" --passage-ids "$T/p.ids" \
	--queries "$T/q.fvecs" --query-ids "$T/q.ids" "$B" >/dev/null
MINE="mine --model file:p.fvecs --range-max 40 --num-negatives 3 --relative-margin 0.02"

# what a run stores, without its id: the pool and the kept candidates
dump() {
	python3 "$POOL" "$1/negsieve.db" "$2"
	sqlite3 "$1/negsieve.db" "SELECT query_id, passage_id, rank, score, \
		coalesce(flag, '-') FROM candidate WHERE run_id = $2 \
		ORDER BY query_id, rank; SELECT query_id, passage_id, score \
		FROM run_positive WHERE run_id = $2 ORDER BY 1, 2"
}

cp -r "$B" "$T/ref"
t0=$(date +%s.%N)
# shellcheck disable=SC2086 # the options are words on purpose
"$NEGSIEVE" $MINE "$T/ref" >/dev/null 2>&1
t1=$(date +%s.%N)
dump "$T/ref" 1 >"$T/ref.dump"
kept_ref=$(sqlite3 "$T/ref/negsieve.db" "SELECT count(*) FROM candidate")
ok "reference run: some candidates kept ($kept_ref)" test "$kept_ref" -gt 0
is "$(wc -l <"$T/ref.dump")" "$((4000 * 40 + kept_ref + 4000))" \
   "reference run: 40 pooled candidates and a positive per query, and the kept ones"
# kills (SIGTERM, SIGINT) spread over the first 80% of the reference run's time: a run
# that goes faster than the reference (it ran beside other tests) would
# otherwise be killed after its end in every trial (seen: 0 of 9 left an
# unfinished run in a full parallel suite)
span=$(echo "$t0 $t1" | awk '{ print ($2 - $1) * 0.8 }')

mid=0 i=0
while [ "$i" -lt "$TRIALS" ]; do
	i=$((i + 1))
	case $((i % 3)) in
	0) sig=KILL ;;
	1) sig=TERM ;;
	*) sig=INT ;;
	esac
	P=$T/p$i
	rm -rf "$P"
	cp -r "$B" "$P"
	delay=$(awk -v s="$span" -v i="$i" 'BEGIN { srand(i * 7919); printf "%.3f", rand() * s }')
	# shellcheck disable=SC2086
	"$NEGSIEVE" $MINE "$P" >"$T/out$i" 2>&1 &
	pid=$!
	if [ "$sig" = KILL ]; then
		# every third trial: at the first pooled batch, so that some
		# kill lands mid-run however fast or slow the machine is
		# (random delays alone missed it in all 9 trials under load)
		when="at the first pooled batch"
		while [ "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool" 2>/dev/null || echo 0)" = 0 ] &&
		      kill -0 "$pid" 2>/dev/null; do
			sleep 0.01
		done
	else
		when="after ${delay}s"
		sleep "$delay"
	fi
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	q() { sqlite3 "$P/negsieve.db" "$1"; }
	is "$(q "PRAGMA integrity_check")" ok "trial $i ($sig $when): integrity_check"
	unfinished=$(q "SELECT count(*) FROM run WHERE state != 'done'")
	[ "$unfinished" -gt 0 ] && mid=$((mid + 1))
	is "$(q "SELECT count(*) FROM candidate c JOIN run r ON r.id = c.run_id \
		WHERE r.state != 'done'")" 0 "trial $i: no candidate of an unfinished run"
	done_runs=$(q "SELECT count(*) FROM run WHERE state = 'done'")
	kept=$(q "SELECT count(*) FROM candidate")
	ok "trial $i: stats counts a whole run or none ($kept candidates)" \
		test "$kept" = 0 -o "$kept" = "$kept_ref"
	if [ "$done_runs" = 0 ]; then
		run "$NEGSIEVE" mine --refilter "$P"
		is "$rc" 7 "trial $i: nothing to refilter"
		if [ "$unfinished" -gt 0 ]; then
			id=$(q "SELECT id FROM run WHERE state != 'done'")
			run "$NEGSIEVE" mine --refilter --run "$id" "$P"
			is "$err" "negsieve: run $id: unfinished (its mining was interrupted); run 'negsieve mine $P' again to resume it" \
			   "trial $i: refilter of the unfinished run refused"
			run "$NEGSIEVE" review --run "$id" "$P"
			is "$rc" 7 "trial $i: review of the unfinished run refused"
		fi
		# shellcheck disable=SC2086
		run "$NEGSIEVE" $MINE "$P"
		is "$rc" 0 "trial $i: mining again succeeds"
		if [ "$unfinished" -gt 0 ]; then
			is_in "$out" "resuming unfinished run 1" "trial $i: it resumes the run"
		fi
	fi
	is "$(q "SELECT count(*) || ' ' || sum(state = 'done') FROM run")" "1 1" \
	   "trial $i: one run, done"
	dump "$P" 1 >"$T/dump$i"
	ok "trial $i: the run stores what an uninterrupted run stores" \
		cmp "$T/ref.dump" "$T/dump$i"
	rm -rf "$P"
done
ok "at least one kill left an unfinished run ($mid of $TRIALS)" test "$mid" -gt 0

# options changed between the kill and the next run: the unfinished run
# of other settings is replaced, not resumed
# (a fast machine may finish the run between the poll and the kill: up to
# five tries)
P=$T/repl
try=0
while [ "$try" -lt 5 ]; do
	try=$((try + 1))
	rm -rf "$P"
	cp -r "$B" "$P"
	# shellcheck disable=SC2086
	"$NEGSIEVE" $MINE "$P" >/dev/null 2>&1 &
	pid=$!
	while [ "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run_pool" 2>/dev/null || echo 0)" = 0 ] &&
	      kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	kill -s KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run WHERE state = 'mining'")" = 1 ] && break
done
if [ "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run WHERE state = 'mining'")" = 1 ]; then
	run "$NEGSIEVE" mine --model file:p.fvecs --range-max 30 "$P"
	is "$rc" 0 "other settings: mining succeeds"
	is_in "$out" "removed 1 unfinished run of other settings" "other settings: the unfinished run is replaced"
	is "$(sqlite3 "$P/negsieve.db" "SELECT group_concat(state || ' ' || \
		json_extract(params, '\$.range_max')) FROM run")" "done 30" \
	   "other settings: only the new run is left"
else
	skip_n=3
	while [ "$skip_n" -gt 0 ]; do
		_n=$((_n + 1)); echo "ok $_n # SKIP the run finished before the kill"
		skip_n=$((skip_n - 1))
	done
fi
done_testing
