#!/bin/sh
# crash.sh - kill -9 at random moments of import, mine, cascade and
# review (>= 50 trials in all, ~30 s of CPU): after each kill the database
# passes PRAGMA integrity_check and foreign_key_check, every decision the
# review acknowledged (NEGSIEVE_REVIEW_ACK: written once committed) is
# there, no decision is there that was not acknowledged (but the one in
# flight), and the interrupted command simply runs again to the end.
#
# Commands are rows of the table below: NAME TRIALS BASE ARGS...; BASE is
# the project a trial starts from (empty: just init; mined: imported,
# embedded and mined once).  A row is all a new command needs; an
# optional shell function check_NAME adds checks after its re-run.  (The
# second mine row stores 300,000 candidates: mine commits every 200,000.)
# CRASH_SEED=N repeats a run's random moments (the seed is printed).
# A process crash loses nothing the page cache holds, so the projects live
# in /dev/shm when there is one: no fsync waits, the same crash semantics.
[ -d /dev/shm ] && [ -w /dev/shm ] && TMPDIR=/dev/shm
. "${top_srcdir:-.}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"

crash_table='
import  18  empty  import "$P" "$T/import.jsonl"
mine     9  mined  mine --index Flat "$P"
mine     2  mined  mine --index Flat --range-max 1000 "$P"
cascade  6  mined  cascade "$P"
review  18  mined  review --annotator "crash$trial" "$P"
'

seed=${CRASH_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000 ))}
echo "# CRASH_SEED=$seed"

# --- data and base projects -----------------------------------------------
# BGE rows: query i, one positive, three negatives; words shared across
# rows so that mining finds neighbours
gen() {
	awk -v n="$1" -v s="$2" 'BEGIN { srand(s)
		for (i = 1; i <= n; i++) {
			w = "w" int(rand() * 300); v = "w" int(rand() * 300)
			printf "{\"query\": \"question %d about topic%d %s\", \"pos\": [\"answer %d on topic%d %s %s\"], \"neg\": [\"other %d text %s\", \"more %d stuff here %s\", \"unrelated %d thing %s\"]}\n", i, i % 50, w, i, i % 50, w, v, i, v, i, w, i, v
		} }'
}
gen 1500 1 >"$T/import.jsonl"
gen 300 2 >"$T/base.jsonl"
cat >"$T/cfg.yaml" <<'EOF'
review:
  allow_annotator_override: true
cascade:
  stages:
    - name: score
      scorer: score
      lo: 0.1
      hi: 0.9
    - name: gap
      scorer: gap
      lo: -0.5
      hi: 0.5
EOF
# review keys: decide, decide, ... then quit
awk 'BEGIN { for (i = 0; i < 300; i++) print (i % 3 ? "x" : "f"); print "q" }' >"$T/keys-long"
awk 'BEGIN { for (i = 0; i < 10; i++) print "x"; print "q" }' >"$T/keys-short"

"$NEGSIEVE" init --config "$T/cfg.yaml" "$T/empty" >/dev/null
cp -a "$T/empty" "$T/mined"
"$NEGSIEVE" import "$T/mined" "$T/base.jsonl" >/dev/null &&
"$NEGSIEVE" embed --dim 64 "$T/mined" >/dev/null &&
"$NEGSIEVE" mine --index Flat "$T/mined" >/dev/null ||
	skip_all "cannot build the base project"
nq=$(sqlite3 "$T/mined/negsieve.db" "SELECT count(*) FROM query")

# The acknowledgement file itself: unopenable, or full.
cp -a "$T/mined" "$T/ackp"
NEGSIEVE_REVIEW_SCRIPT="$T/keys-short" NEGSIEVE_REVIEW_ACK="$T/no/such/ack" \
	run "$NEGSIEVE" review "$T/ackp"
is "$rc" 4 "NEGSIEVE_REVIEW_ACK unopenable: I/O error status"
is "$err" "negsieve: $T/no/such/ack: No such file or directory" \
	"NEGSIEVE_REVIEW_ACK unopenable: message"
if [ -w /dev/full ]; then
	printf 'x\ndump\nq\n' >"$T/keys-full"
	NEGSIEVE_REVIEW_SCRIPT="$T/keys-full" NEGSIEVE_REVIEW_ACK=/dev/full \
		NEGSIEVE_REVIEW_DUMP="$T/dump" run "$NEGSIEVE" review "$T/ackp"
	is "$rc" 0 "NEGSIEVE_REVIEW_ACK full: review goes on"
	is_in "$(cat "$T/dump")" "NEGSIEVE_REVIEW_ACK: No space left on device" \
		"NEGSIEVE_REVIEW_ACK full: said on the status line"
fi

# The state a clean import leaves, to compare re-runs with.
counts() {
	sqlite3 "$1/negsieve.db" "SELECT (SELECT count(*) FROM query) || ' ' ||
		(SELECT count(*) FROM passage) || ' ' || (SELECT count(*) FROM qrel)"
}
cp -a "$T/empty" "$T/ref"
"$NEGSIEVE" import "$T/ref" "$T/import.jsonl" >/dev/null
import_counts=$(counts "$T/ref")

# random fractions in [0, 1), one per line
awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 1000; i++) printf "%.4f\n", rand() }' >"$T/rand"
rnd_i=0

# --- checks -------------------------------------------------------------
# acks_missing P: acknowledged decisions that are not in the database
acks_missing() {
	[ -s "$T/ack" ] || { echo 0; return; }
	vals=$(awk '{ printf "%s(%d, %d, \"%s\")", (NR > 1 ? "," : ""), $2, $3, $4 }' "$T/ack")
	sqlite3 "$1/negsieve.db" "WITH ack(q, p, a) AS (VALUES $vals)
		SELECT count(*) FROM ack WHERE NOT EXISTS (SELECT 1 FROM decision d
		WHERE d.query_id = ack.q AND coalesce(d.passage_id, 0) = ack.p
		AND d.action = replace(ack.a, '-', '_'))"
}
# decisions of annotator NAME in P
decisions_of() {
	sqlite3 "$1/negsieve.db" "SELECT count(*) FROM decision d JOIN annotator a
		ON a.id = d.annotator_id WHERE a.name = '$2'"
}
check_import() {
	is "$(counts "$P")" "$import_counts" "$what: re-run leaves what a clean import leaves"
}
check_mine() {
	# a killed mine leaves no finished run with only some queries (an
	# unfinished one, state 'mining', is invisible and resumed or
	# replaced by the next mine)
	partial=$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run r WHERE
		r.method IN ('dense', 'bm25') AND r.state = 'done' AND
		(SELECT count(DISTINCT query_id) FROM candidate c
		WHERE c.run_id = r.id) < $nq")
	is "$partial" 0 "$what: no partial mining run"
	is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM run WHERE state <> 'done'")" 0 \
		"$what: the re-run finished or replaced the killed one"
}
check_review() {
	is "$(acks_missing "$P")" 0 "$what: re-run's acknowledged decisions are there"
}

# --- the trials ---------------------------------------------------------
kills=0
trials=0
t0=$(date +%s)
printf '%s\n' "$crash_table" | while read -r name ntrials base args; do
	[ -n "$name" ] || continue
	# how long the command takes, on a fresh copy
	P=$T/time-$name
	trial=0
	cp -a "$T/$base" "$P"
	export NEGSIEVE_REVIEW_SCRIPT="$T/keys-long" NEGSIEVE_REVIEW_ACK="$T/ack"
	: >"$T/ack"
	a=$(date +%s%N)
	eval "set -- $args"
	"$NEGSIEVE" "$@" >/dev/null 2>&1
	dur=$(( ($(date +%s%N) - a) / 1000000 ))
	echo "# $name takes $dur ms"
	rm -rf "$P"
	trial=1
	while [ $trial -le "$ntrials" ]; do
		P=$T/trial
		rm -rf "$P"
		cp -a "$T/$base" "$P"
		what="$name trial $trial"
		eval "set -- $args"
		# kill at a random moment; if the command was done before
		# it, try again sooner (up to three times)
		rnd_i=$((rnd_i + 1))
		f=$(sed -n "${rnd_i}p" "$T/rand")
		landed=0
		for attempt in 1 2 3; do
			: >"$T/ack"
			ms=$(awk -v f="$f" -v d="$dur" -v a="$attempt" 'BEGIN { printf "%d", f * d / (a * a) }')
			"$NEGSIEVE" "$@" >"$T/out" 2>&1 &
			pid=$!
			sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
			kill -9 $pid 2>/dev/null
			wait $pid 2>/dev/null
			st=$?
			if [ $st = 137 ]; then
				landed=1
				break
			fi
			rm -rf "$P"
			cp -a "$T/$base" "$P"
		done
		echo "# $what: killed after $ms ms (attempt $attempt, status $st)"
		ok "$what: killed mid-command" test $landed = 1
		is "$(sqlite3 "$P/negsieve.db" 'PRAGMA integrity_check')" ok \
			"$what: integrity_check"
		is "$(sqlite3 "$P/negsieve.db" 'PRAGMA foreign_key_check' | wc -l)" 0 \
			"$what: foreign_key_check"
		if [ "$name" = review ]; then
			acked=$(wc -l <"$T/ack")
			is "$(acks_missing "$P")" 0 "$what: all $acked acknowledged decisions are there"
			n=$(decisions_of "$P" "crash$trial")
			ok "$what: $n decisions, at most one more than the $acked acknowledged" \
				test "$n" -le $((acked + 1))
			export NEGSIEVE_REVIEW_SCRIPT="$T/keys-short"
		fi
		: >"$T/ack"
		run "$NEGSIEVE" "$@"
		is "$rc" 0 "$what: runs again to the end"
		[ "$rc" = 0 ] || printf '# %s\n' "$err" | head -5
		if command -v "check_$name" >/dev/null 2>&1; then
			"check_$name"
		fi
		export NEGSIEVE_REVIEW_SCRIPT="$T/keys-long"
		echo "$landed" >>"$T/landed"
		trial=$((trial + 1))
	done
	echo "$_n $_failed" >"$T/tally"
done
# the loop ran in a subshell (a pipe): take its counts back
read -r _n _failed <"$T/tally"
landed=$(grep -c 1 "$T/landed")
total=$(wc -l <"$T/landed")
echo "# $landed of $total kills landed mid-command in $(( $(date +%s) - t0 )) s"
ok "at least 50 trials" test "$total" -ge 50
done_testing
