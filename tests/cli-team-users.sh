#!/bin/sh
# cli-team-users.sh - three OS users review one project at once (issue 11,
# "done means"): a project made with `init --group users`, and three
# scripted review sessions (NEGSIEVE_REVIEW_SCRIPT, NEGSIEVE_REVIEW_ACK)
# started together, each as a different OS user (setpriv to daemon, bin
# and sys, which every Debian system has, with the group as supplementary
# group).  Nobody passes --annotator: the name is the login.  Checks:
#
#   names         the annotators recorded are exactly the three OS users
#   none lost     every acknowledged decision is in the database, and each
#                 user has as many as it acknowledged
#   none doubled  k = 1: every item decided exactly once; overlap k = 2 on
#                 a share: the items two users decided are exactly the
#                 overlap items, none has more than two, no user decided
#                 an item twice
#   no busy error no status line said the project was busy (none at all)
#   leases        no query's decisions interleave two users
#   permissions   every directory 2775 and file 664 (the project's rule
#                 under umask 022), all in group users, nothing
#                 world-writable, whoever made the file
#
# Runs as root only (setpriv needs it); skipped otherwise.
. "${top_srcdir:-.}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
[ "$(id -u)" = 0 ] || skip_all "not root: cannot act as other OS users"
command -v setpriv >/dev/null || skip_all "no setpriv"
G=users
getent group "$G" >/dev/null || skip_all "no group $G"
USERS="daemon bin sys"
for u in $USERS; do
	id "$u" >/dev/null 2>&1 || skip_all "no user $u"
done

umask 022
chmod 755 "$T"		# the three users reach the projects below

# as U CMD...: run CMD as OS user U with group $G
as() {
	_u=$1; shift
	setpriv --reuid="$_u" --regid="$(id -g "$_u")" --groups="$G" "$@"
}
for u in $USERS; do
	as "$u" test -x "$NEGSIEVE" ||
		skip_all "$u cannot run $NEGSIEVE (a directory above it is closed)"
done

NQ=60		# queries x 10 imported negatives = 600 items
awk -v n="$NQ" 'BEGIN { for (i = 1; i <= n; i++) {
	printf "{\"query\": \"q%d\", \"pos\": [\"pos %d\"], \"neg\": [", i, i
	for (j = 1; j <= 10; j++)
		printf "%s\"neg %d.%d\"", (j > 1 ? ", " : ""), i, j
	print "]}" } }' >"$T/data.jsonl"
ITEMS=$((NQ * 10))

# mkproject P [CONFIG]: init --group $G (as root), import
mkproject() {
	if [ -n "${2:-}" ]; then
		"$NEGSIEVE" init --group "$G" --config "$2" "$1" >/dev/null
	else
		"$NEGSIEVE" init --group "$G" "$1" >/dev/null
	fi &&
	"$NEGSIEVE" import --no-fts "$1" "$T/data.jsonl" >/dev/null
}

# keys N: a script of N decision keys (f once in three, else x) and q
keys() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print (i % 3 ? "x" : "f"); print "q" }' >"$T/keys"
	chmod 644 "$T/keys"
}

# session U P TAG: one scripted review as user U, in the background;
# acknowledgements appended to $T/ack.U, its output in $T/out.U.TAG
session() {
	[ -e "$T/ack.$1" ] || { : >"$T/ack.$1"; chown "$1" "$T/ack.$1"; }
	as "$1" env NEGSIEVE_REVIEW_SCRIPT="$T/keys" \
		NEGSIEVE_REVIEW_ACK="$T/ack.$1" \
		"$NEGSIEVE" review "$2" >"$T/out.$1.$3" 2>&1 &
}

# together P: the three sessions at once; $status is the worst exit
together() {
	pids=""
	for u in $USERS; do
		session "$u" "$1" together
		pids="$pids $!"
	done
	status=0
	for p in $pids; do
		wait "$p" || status=$?
	done
}

q() { sqlite3 "$P/negsieve.db" "$1"; }

# the checks every run gets (label $1)
check() {
	is "$status" 0 "$1: every session exited 0"
	# (but the summary line each session prints as it quits)
	is "$(cat "$T"/out.* | grep -v '^negsieve: review: [0-9]* decisions in ' | head -5)" "" \
		"$1: nothing on any session's output but its summary line"
	is "$(q "SELECT group_concat(name, ' ') FROM (SELECT name FROM annotator ORDER BY name)")" \
		"bin daemon sys" "$1: the annotators are the three OS users"
	missing=0
	for u in $USERS; do
		a=$(grep -c '^ack ' "$T/ack.$u")
		d=$(q "SELECT count(*) FROM decision d JOIN annotator n ON n.id = d.annotator_id WHERE n.name = '$u'")
		echo "# $1: $u acknowledged $a decisions, the database has $d"
		[ "$a" = "$d" ] || missing=$((missing + 1))
		[ "$a" -gt 0 ] || missing=$((missing + 1))
	done
	is "$missing" 0 "$1: none lost: each user made decisions, all of them in the database"
	for u in $USERS; do
		awk -v u="$u" '$1 == "ack" { print u "|" $2 "|" $3 "|" $4 }' "$T/ack.$u"
	done | sort >"$T/acks"
	q "SELECT n.name || '|' || d.query_id || '|' || coalesce(d.passage_id, 0) || '|' || d.action
	   FROM decision d JOIN annotator n ON n.id = d.annotator_id" | sort >"$T/indb"
	is "$(comm -23 "$T/acks" "$T/indb" | wc -l)" 0 \
		"$1: none lost: every acknowledged decision is in the database, under its user"
	is "$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn', 'drop_passage')
		GROUP BY query_id, passage_id, annotator_id HAVING count(*) > 1)")" 0 \
		"$1: no user decided an item twice"
	cat "$T"/ack.* | grep '^err ' | sort | uniq -c | sort -rn | head -5 | sed 's/^/# /'
	is "$(cat "$T"/ack.* | grep -ci '^err .*busy')" 0 "$1: no busy error reached a user"
	is "$(cat "$T"/ack.* | grep -c '^err ')" 0 "$1: no error on any status line"
	is "$(q "WITH d AS (SELECT query_id, annotator_id, LAG(annotator_id)
		OVER (PARTITION BY query_id ORDER BY id) AS prev FROM decision),
		s AS (SELECT query_id, sum(prev IS NOT NULL AND prev != annotator_id) AS sw,
		count(DISTINCT annotator_id) AS na FROM d GROUP BY query_id)
		SELECT count(*) FROM s WHERE sw > na - 1")" 0 \
		"$1: leases respected: no query's decisions interleave users"
	is "$(find "$P" -mindepth 1 \( -type d ! -perm 2775 -printf 'dir %m %p\n' \) -o \
		\( -type f ! -perm 664 -printf 'file %m %p\n' \); stat -c %a "$P")" 2775 \
		"$1: the project directory and every directory under it 2775, every file 664"
	is "$(find "$P" ! -group "$G" -printf '%g %p\n')" "" "$1: everything in group $G"
	is "$(find "$P" -perm -o+w)" "" "$1: nothing world-writable"
	is "$(q 'PRAGMA integrity_check')" ok "$1: integrity"
}

# --- k = 1: no item decided twice -----------------------------------------
P=$T/team
mkproject "$P"
keys "$ITEMS"		# each user could decide the whole queue alone
together "$P"
check "k=1"
twice=$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn', 'drop_passage')
	GROUP BY query_id, passage_id HAVING count(*) > 1)")
is "$twice" 0 "k=1: none doubled: no item decided twice"
# they did work at once: in commit order, the decisions change hands
# between users more often than three sessions one after the other would
sw=$(q "SELECT count(*) FROM (SELECT annotator_id, LAG(annotator_id) OVER (ORDER BY id) AS prev
	FROM decision) WHERE prev IS NOT NULL AND prev != annotator_id")
echo "# k=1: the decisions change hands $sw times in commit order"
ok "k=1: the three sessions ran at the same time" test "$sw" -gt 2
is "$(q "SELECT count(DISTINCT query_id || ',' || passage_id) FROM decision WHERE action IN ('fn', 'tn')")" \
	"$ITEMS" "k=1: every one of the $ITEMS items decided"
is "$(q "SELECT count(*) FROM decision WHERE action IN ('fn', 'tn')")" "$ITEMS" \
	"k=1: exactly $ITEMS labelling decisions"
echo "# k=1: decisions per user: $(q "SELECT group_concat(name || ' ' || c, ', ') FROM (SELECT n.name, count(*) AS c FROM decision d JOIN annotator n ON n.id = d.annotator_id GROUP BY n.name ORDER BY n.name)")"

# --- overlap k = 2 on 30%: doubles exactly on the overlap items -----------
rm -f "$T"/ack.* "$T"/out.*
printf 'review:\n  overlap: 2\n  overlap_share: 0.3\n' >"$T/overlap.yaml"
P=$T/overlap
mkproject "$P" "$T/overlap.yaml"
keys $((ITEMS + ITEMS / 3))
together "$P"
need=$(q "SELECT count(*) FROM item_need")
echo "# overlap: $need items need 2 users"
ok "overlap: the share drawn (between 15% and 45% of $ITEMS)" \
	test "$need" -ge $((ITEMS * 15 / 100)) -a "$need" -le $((ITEMS * 45 / 100))
is "$(q "SELECT count(*) FROM (SELECT query_id, passage_id FROM decision WHERE action IN ('fn', 'tn', 'drop_passage')
	GROUP BY query_id, passage_id HAVING count(DISTINCT annotator_id) > 1) d
	WHERE NOT EXISTS (SELECT 1 FROM item_need n WHERE n.query_id = d.query_id AND n.passage_id = d.passage_id)")" 0 \
	"overlap, together: no item outside the overlap decided by two users"
is "$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn', 'drop_passage')
	GROUP BY query_id, passage_id HAVING count(DISTINCT annotator_id) > 2)")" 0 \
	"overlap, together: no item decided by more than two users"
short=$(q "SELECT count(*) FROM item_need n WHERE (SELECT count(DISTINCT annotator_id) FROM decision d
	WHERE d.query_id = n.query_id AND d.passage_id = n.passage_id AND d.action IN ('fn', 'tn')) < 2")
# A user whose queue ran out while another held the last queries' lease
# has none left at that moment; each user alone once more takes the rest.
echo "# overlap: $short overlap items had one user when the three were done together"
for u in $USERS; do
	session "$u" "$P" alone
	wait $! || status=$?
done
check "overlap"
is "$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn')
	GROUP BY query_id, passage_id HAVING count(DISTINCT annotator_id) = 2)")" "$need" \
	"overlap: exactly the $need overlap items decided by two users"
is "$(q "SELECT count(*) FROM item_need n WHERE (SELECT count(DISTINCT annotator_id) FROM decision d
	WHERE d.query_id = n.query_id AND d.passage_id = n.passage_id AND d.action IN ('fn', 'tn')) = 2")" \
	"$need" "overlap: each of them by two users"
is "$(q "SELECT count(*) FROM (SELECT 1 FROM decision WHERE action IN ('fn', 'tn')
	GROUP BY query_id, passage_id HAVING count(*) > 1) d")" "$need" \
	"overlap: no other item decided twice"
is "$(q "SELECT count(*) FROM decision WHERE action IN ('fn', 'tn')")" "$((ITEMS + need))" \
	"overlap: $ITEMS + $need labelling decisions in all"
conf=$(q "SELECT count(*) FROM item_conflict")
agree=$(q "SELECT count(*) FROM item_label l JOIN item_need n ON n.query_id = l.query_id AND n.passage_id = l.passage_id")
echo "# overlap: $agree overlap items agreed, $conf in conflict"
is "$((agree + conf))" "$need" "overlap: each overlap item either agreed (final) or in conflict"
done_testing
