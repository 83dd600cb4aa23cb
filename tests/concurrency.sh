#!/bin/sh
# concurrency.sh - scripted annotators at once on one project (issue 11,
# deliverable 6): CONC_ANNOTATORS processes (default 8), each with
# CONC_DECISIONS decision keys (default 10000; f once in three, else x) on
# a queue longer than all of them together, stopped with SIGTERM after
# CONC_SECONDS (default 35) if still going, which keeps the test under a
# minute on a busy 2-core machine.  Each acknowledges its decisions and
# the errors on its status line (NEGSIEVE_REVIEW_ACK).  Checks:
#
#   none lost     every acknowledged decision is in the database, and each
#                 annotator has exactly as many as it acknowledged (also
#                 when the bound stopped it in the middle of its work)
#   none doubled  no item has two labelling decisions (overlap is not
#                 configured, so k = 1): not from two annotators, not from
#                 one annotator twice
#   no busy error no status line said the project was busy
#   leases        no query's decisions interleave two annotators (one holds
#                 it until it is done or released)
#   progress      every annotator made at least CONC_MIN decisions
#                 (default 50; none stuck on a query someone else had), so
#                 a run cut short by the bound still had them contend
#
# then the same with more keys than items (the end of the queue), which
# the bound (120 s there) does not cut.
#
# Quick:  top_srcdir=. NEGSIEVE=./negsieve CONC_DECISIONS=400 sh tests/concurrency.sh
# Whole (no bound): ... CONC_SECONDS=100000 sh tests/concurrency.sh
[ -d /dev/shm ] && [ -w /dev/shm ] && TMPDIR=/dev/shm
. "${top_srcdir:-.}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"

NA=${CONC_ANNOTATORS:-8}
ND=${CONC_DECISIONS:-10000}
SECS=${CONC_SECONDS:-35}
MIN=${CONC_MIN:-50}

printf 'review:\n  allow_annotator_override: true\n' >"$T/cfg.yaml"

# mkproject P Q: a project whose queue is Q queries x 10 imported negatives
mkproject() {
	awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) {
		printf "{\"query\": \"q%d\", \"pos\": [\"pos %d\"], \"neg\": [", i, i
		for (j = 1; j <= 10; j++)
			printf "%s\"neg %d.%d\"", (j > 1 ? ", " : ""), i, j
		print "]}" } }' >"$T/data.jsonl"
	"$NEGSIEVE" init --config "$T/cfg.yaml" "$1" >/dev/null &&
	"$NEGSIEVE" import --no-fts "$1" "$T/data.jsonl" >/dev/null
}

# annotate P KEYS: run NA annotators a1..aNA with KEYS decision keys each
# until done or SECS have passed; their acknowledgements in $T/ack.aN
annotate() {
	awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) print (i % 3 ? "x" : "f"); print "q" }' >"$T/keys"
	pids=""
	i=1
	while [ $i -le "$NA" ]; do
		: >"$T/ack.a$i"
		NEGSIEVE_REVIEW_SCRIPT="$T/keys" NEGSIEVE_REVIEW_ACK="$T/ack.a$i" \
			"$NEGSIEVE" review --annotator "a$i" "$1" \
			>"$T/out.a$i" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	start=$(date +%s)
	stopped=0
	while :; do
		alive=0
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ $alive = 1 ] || break
		if [ $stopped = 0 ] && [ $(( $(date +%s) - start )) -ge "$SECS" ]; then
			echo "# stopping the annotators after $SECS s"
			kill -TERM $pids 2>/dev/null
			stopped=1
		fi
		sleep 0.2
	done
	status=0
	for p in $pids; do
		wait "$p" || status=$?
	done
	elapsed=$(( $(date +%s) - start ))
}

q() { sqlite3 "$P/negsieve.db" "$1"; }

# the checks on project $P after annotate (label: $1)
check() {
	is "$status" 0 "$1: every annotator exited 0"
	acked=$(cat "$T"/ack.a* | grep -c '^ack ')
	total=$(q "SELECT count(*) FROM decision")
	echo "# $1: $acked decisions acknowledged, $total in the database, in $elapsed s"
	# none lost
	missing=0
	i=1
	while [ $i -le "$NA" ]; do
		a=$(grep -c '^ack ' "$T/ack.a$i")
		d=$(q "SELECT count(*) FROM decision d JOIN annotator n ON n.id = d.annotator_id WHERE n.name = 'a$i'")
		[ "$a" = "$d" ] || { echo "# a$i: acknowledged $a, database has $d"; missing=$((missing + 1)); }
		i=$((i + 1))
	done
	is "$missing" 0 "$1: none lost: each annotator's database count equals its acknowledgements"
	cat "$T"/ack.a* | awk '$1 == "ack" { print $2 "|" $3 "|" $4 }' >"$T/acks"
	q "SELECT query_id || '|' || coalesce(passage_id, 0) || '|' || action FROM decision" |
		sort >"$T/indb"
	is "$(sort "$T/acks" | comm -23 - "$T/indb" | wc -l)" 0 \
		"$1: none lost: every acknowledged decision is in the database"
	# none doubled
	twice=$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn', 'drop_passage')
		GROUP BY query_id, passage_id HAVING count(*) > 1)")
	two=$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn', 'drop_passage')
		GROUP BY query_id, passage_id HAVING count(DISTINCT annotator_id) > 1)")
	opposite=$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn')
		GROUP BY query_id, passage_id HAVING count(DISTINCT action) > 1)")
	echo "# $1: $twice items decided more than once, $two by two annotators, $opposite with opposite labels"
	is "$twice" 0 "$1: none doubled: no item decided twice"
	is "$two" 0 "$1: none doubled: no item decided by two annotators"
	# errors on the status lines
	cat "$T"/ack.a* | grep '^err ' | sort | uniq -c | sort -rn | head -5 |
		sed 's/^/# /'
	is "$(cat "$T"/ack.a* | grep '^err ' | grep -ci 'busy')" 0 \
		"$1: no busy error reached an annotator"
	is "$(cat "$T"/ack.a* | grep -c '^err ')" 0 "$1: no error on any status line"
	# leases: a query's decisions do not interleave annotators
	inter=$(q "WITH d AS (SELECT query_id, annotator_id, LAG(annotator_id)
		OVER (PARTITION BY query_id ORDER BY id) AS prev FROM decision),
		s AS (SELECT query_id, sum(prev IS NOT NULL AND prev != annotator_id) AS sw,
		count(DISTINCT annotator_id) AS na FROM d GROUP BY query_id)
		SELECT count(*) FROM s WHERE sw > na - 1")
	is "$inter" 0 "$1: leases respected: no query's decisions interleave annotators"
	echo "# $1: decisions per annotator: $(for f in "$T"/ack.a*; do grep -c '^ack ' "$f"; done | sort -n | tr '\n' ' ')"
	stuck=0
	min=$(( $2 < MIN ? $2 : MIN ))
	i=1
	while [ $i -le "$NA" ]; do
		[ "$(grep -c '^ack ' "$T/ack.a$i")" -ge $min ] || stuck=$((stuck + 1))
		i=$((i + 1))
	done
	[ $min -gt 0 ] &&
		is "$stuck" 0 "$1: every annotator made at least $min decisions"
	is "$(q 'PRAGMA integrity_check')" ok "$1: integrity"
}

# --- many decisions, a queue longer than all of them together ------------
P=$T/big
mkproject "$P" $(( (NA * ND * 5 / 4 + 9) / 10 ))
echo "# $NA annotators x $ND keys on $(q "SELECT count(*) FROM candidate") items"
annotate "$P" "$ND"
if [ $stopped = 1 ]; then
	echo "# $NA x $ND: stopped by the bound ($SECS s) with $(cat "$T"/ack.a* | grep -c '^ack ') of $((NA * ND)) decisions made"
else
	echo "# $NA x $ND: every key pressed"
fi
check "$NA x $ND" "$ND"

# --- the end of the queue: more keys than items ---------------------------
P=$T/end
mkproject "$P" 20
SECS=120	# only a hang is cut short here
annotate "$P" 60
check "end of queue" 0	# a late one may find all leased or done
is "$(q "SELECT count(*) FROM decision WHERE action IN ('fn', 'tn')")" 200 \
	"end of queue: each of the 200 items decided exactly once"
done_testing
