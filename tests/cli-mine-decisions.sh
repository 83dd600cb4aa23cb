#!/bin/sh
# cli-mine-decisions.sh - mining honours people's decisions: a passage
# labelled false negative (in the review TUI) is a positive of its query for
# `mine --refilter` and the next `mine`, dropped passages and queries are
# left out, the summary counts them, the decision log is untouched and a
# later review still shows the decisions.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
# passage 9 has the text of passage 7
sqlite3 "$P/negsieve.db" "
INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES
 (1,'q1','apt package manager',1),
 (2,'q2','text editor vim emacs',1),
 (3,'q3','nothingmatches',1);
INSERT INTO passage(id,text,source_id) VALUES
 (1,'apt is the package manager of debian',1),
 (2,'dpkg is a low level package manager',1),
 (3,'apt package manager',1),
 (4,'vim is a text editor',1),
 (5,'emacs is an editor and more',1),
 (6,'nano is a small text editor',1),
 (7,'the package manager apt installs package',1),
 (8,'manager of text',1),
 (9,'the package manager apt installs package',1);
INSERT INTO qrel VALUES(1,1,1,NULL,1),(2,4,1,NULL,1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');"
q() { sqlite3 "$P/negsieve.db" "$1"; }
# "passage:filter " of query $2 in the pool of run $1, by rank
reasons() {
	python3 "$top_srcdir/tests/pool.py" "$P/negsieve.db" "$1" |
	awk -F'\t' -v q="$2" '$1 == q { printf "%s:%s ", $2, $5 }'
}
# the words of $@, sorted by number
sorted() {
	printf '%s\n' "$@" | sort -n | tr '\n' ' '
}
keys() {
	: >"$T/keys"
	for _k in "$@"; do printf '%s\n' "$_k" >>"$T/keys"; done
	NEGSIEVE_REVIEW_SIZE=120x24 NEGSIEVE_REVIEW_SCRIPT="$T/keys" \
		NEGSIEVE_REVIEW_DUMP="$T/dump" "$NEGSIEVE" review "$P" \
		>"$T/.out" 2>"$T/.err"
}

run "$NEGSIEVE" mine --method bm25 --num-negatives 0 "$P"
is "$rc" 0 "bm25 mining before any decision"
is "$(q "SELECT passage_id FROM candidate WHERE query_id = 1 ORDER BY rank" | tr '\n' ' ')" \
   "7 9 2 8 " "query 1: four kept candidates"
ok "no decision, no line about decisions" sh -c '! printf "%s" "$1" | grep -q "decisions"' - "$out"

# q1: FN on the best candidate (7 or 9: the same text and score), drop
# passage 2, TN on 8; then on to q2, dropped whole
keys f j d x ">" D y q
is "$(q "SELECT label, count(*) FROM item_label WHERE query_id = 1 GROUP BY label ORDER BY label" | tr '\n' ' ')" \
   "drop_passage|1 fn|1 tn|1 " "the review labelled q1's items"
is "$(q "SELECT query_id FROM query_drop")" 2 "and dropped q2"
fn=$(q "SELECT passage_id FROM item_label WHERE label = 'fn'")
dup=$((16 - fn))		# the other one of 7 and 9
log=$(q "SELECT group_concat(id || action || coalesce(passage_id, '-'), ' ') FROM decision")

run "$NEGSIEVE" mine --refilter --num-negatives 2 "$P"
is "$rc" 0 "refilter with decisions"
is "$(reasons 1 1 | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
   "$(sorted 1:positive 2:dropped_passage 3:same_text $fn:false_negative $dup:same_text 8:-)" \
   "refilter: the FN is a positive, its twin same_text, the dropped passage out, the TN kept"
is "$(reasons 1 2)" "4:positive 5:dropped_query 6:dropped_query 8:dropped_query " \
   "refilter: every candidate of the dropped query is out"
is "$(q "SELECT query_id || ':' || passage_id FROM candidate WHERE run_id = 1" | tr '\n' ' ')" \
   "1:8 " "the FN is no kept negative any more"
is_in "$out" "Skipped 1 candidates (10.00%) by false_negative: a person labelled it a false negative" \
   "summary: the false negative"
is_in "$out" "Skipped 1 candidates (10.00%) by dropped_passage: a person dropped the passage" \
   "summary: the dropped passage"
is_in "$out" "Skipped 3 candidates (30.00%) by dropped_query: a person dropped the query" \
   "summary: the dropped query"
is_in "$out" "Left out 5 candidates (50.00%) because of people's decisions" \
   "summary: how many candidates decisions left out"
is "$(printf '%s\n' "$out" | sed -n 's/^Skipped .* by \([a-z_]*\):.*/\1/p' | tr '\n' ' ')" \
   "positive false_negative dropped_passage dropped_query same_text " \
   "summary: in the order the filters fire (decisions right after positive)"
is_in "$out" "Count                 3            1" "the FN's score counts among the positives"

run "$NEGSIEVE" mine --method bm25 --num-negatives 2 "$P"
is "$rc" 0 "a new mine with decisions"
is_in "$out" "run 2: 3 queries, 10 candidates" "run 2"
is "$(reasons 2 1 | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
   "$(sorted 1:positive 2:dropped_passage 3:same_text $fn:false_negative $dup:same_text 8:-)" \
   "the new run honours the decisions as the refilter did"
is "$(q "SELECT query_id || ':' || passage_id FROM candidate WHERE run_id = 2" | tr '\n' ' ')" \
   "1:8 " "its kept negatives leave them out"
is_in "$out" "Left out 5 candidates (50.00%) because of people's decisions" "and says so"
is "$(q "SELECT group_concat(id || action || coalesce(passage_id, '-'), ' ') FROM decision")" \
   "$log" "the decision log is untouched"

# a later review still shows the decisions on items no run keeps
keys dump q
s=$(screen 1)
is_in "$s" "gone FN        #7 the package manager apt installs package" "review still shows the FN, marked gone"
is_in "$s" "gone drop      #2 dpkg is a low level package manager" "and the dropped passage"
is_in "$s" "TN        #8 manager of text" "and the TN on the kept candidate of the new run"

# the FN's score is a positive's in the margins: anchored on the max, 8
# (score ~0) is more than 0.187 below the FN (0.193) but not below the
# labelled positive (0.180)
run "$NEGSIEVE" mine --refilter --run 2 --num-negatives 0 --anchor max --absolute-margin 0.187 "$P"
is "$(reasons 2 1 | tr ' ' '\n' | grep '^8:')" "8:-" "the margin is anchored on the FN's score"

# undo everything: the refilter takes the candidates back
keys u u u u q
is "$(q "SELECT count(*) FROM item_label")" 0 "four undos: no label left"
run "$NEGSIEVE" mine --refilter --run 2 --num-negatives 0 --anchor max --absolute-margin 0.187 "$P"
is "$(reasons 2 1 | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
   "1:positive 2:absolute_margin 3:same_text 7:absolute_margin 8:absolute_margin 9:absolute_margin " \
   "without the labels: the anchor is the labelled positive's, and 7 and 9 score above it"
is "$(reasons 2 2)" "4:positive 5:- 6:- 8:- " "the undropped query's candidates are back"
ok "no decisions, no line about them" sh -c '! printf "%s" "$1" | grep -q "decisions"' - "$out"

# dense mining (the built-in embedder) honours them too
keys f q
fn=$(q "SELECT passage_id FROM item_label WHERE label = 'fn'")
run "$NEGSIEVE" mine --num-negatives 0 "$P"
is "$rc" 0 "dense mining with a decision"
is_in "$out" "run 3:" "run 3"
is "$(reasons 3 1 | tr ' ' '\n' | grep "^$fn:")" "$fn:false_negative" "dense: the FN is a positive"
is "$(q "SELECT count(*) FROM candidate WHERE run_id = 3 AND query_id = 1 AND passage_id = $fn")" 0 \
   "dense: and no kept negative"

# A decision committed while a mine, a refilter or a merge waits for the
# write lock (another writer holds it, as a person's session does for a
# moment) is committed before the run is published, so the run honours it,
# although a mine read the labels before it waited: publishing looks
# again under its lock.  hold SQL: take the write lock and run SQL in it;
# release: after a second (the command is waiting), commit.
hold() {
	rm -f "$T/locked" "$T/release"
	python3 -c 'import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
for s in sys.argv[2].split(";"):
    if s.strip(): c.execute(s)
open(sys.argv[3], "w").close()
while not os.path.exists(sys.argv[4]): time.sleep(0.02)
c.execute("COMMIT")' "$P/negsieve.db" "$1" "$T/locked" "$T/release" & holder=$!
	while [ ! -e "$T/locked" ] && kill -0 $holder 2>/dev/null; do sleep 0.05; done
}
release() {
	sleep 1
	released=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
	touch "$T/release"
	wait $holder
}
q "INSERT INTO annotator(name, created_at) VALUES ('late', 'now')"
# kept DB [RUN]: "query passage" of the first kept candidate of run RUN of
# the project database DB, or of the shard file DB, not labelled here yet
# (a check that failed leaves its item kept)
used="''"
kept() {
	sqlite3 -separator ' ' "$1" "SELECT query_id, passage_id FROM candidate
		WHERE filter IS NULL ${2:+AND run_id = $2}
		  AND query_id || ':' || passage_id NOT IN ($used)
		ORDER BY query_id, rank LIMIT 1"
}
# late_fn CMD...: item $fq $fp labelled FN by 'late' while CMD waits for
# the lock; then $new is the newest run
late_fn() {
	hold "INSERT INTO decision(query_id, passage_id, annotator_id, action, at) VALUES ($fq, $fp, (SELECT id FROM annotator WHERE name = 'late'), 'fn', 'now')"
	"$@" >"$T/late.out" 2>&1 &
	_pid=$!
	release
	wait $_pid; rc=$?
	out=$(cat "$T/late.out")
	new=$(q "SELECT max(id) FROM run")
}
for how in "mine --method bm25 --num-negatives 0" "mine --method dense --num-negatives 0" \
	   "mine --refilter --num-negatives 0"; do
	set -- $(kept "$P/negsieve.db" "$(q "SELECT max(id) FROM run")")
	fq=$1 fp=$2 used="$used,'$1:$2'"
	late_fn "$NEGSIEVE" $how "$P"
	is "$rc" 0 "$how while a decision waits to commit"
	is "$(reasons $new $fq | tr ' ' '\n' | grep "^$fp:")" "$fp:false_negative" \
	   "... the FN committed while it waited for the lock is applied"
	is "$(q "SELECT count(*) FROM candidate WHERE run_id = $new AND query_id = $fq AND passage_id = $fp")" 0 \
	   "... and is no kept negative"
done
for i in 0 1; do
	"$NEGSIEVE" mine --method bm25 --num-negatives 0 --shard $i/2 -o "$T/late$i.db" "$P" >/dev/null 2>&1
done
set -- $(kept "$T/late1.db")
fq=$1 fp=$2 used="$used,'$1:$2'"
late_fn "$NEGSIEVE" merge "$P" "$T/late0.db" "$T/late1.db"
is "$rc" 0 "merge while a decision waits to commit"
is "$(reasons $new $fq | tr ' ' '\n' | grep "^$fp:")" "$fp:false_negative" \
   "... the FN committed while it waited for the lock is applied"

# a person's decision that waits for the lock (a run being published) is
# stamped when it is written, after the wait: the log's times say that it
# came after the publish.  The review reads its keys from a pipe, so that
# the lock is taken after it started.
mkfifo "$T/kpipe"
NEGSIEVE_REVIEW_SIZE=120x24 NEGSIEVE_REVIEW_SCRIPT="$T/kpipe" \
	NEGSIEVE_REVIEW_DUMP="$T/dump" "$NEGSIEVE" review "$P" >"$T/.out" 2>"$T/.err" &
rpid=$!
exec 3>"$T/kpipe"
echo dump >&3
while ! grep -q "^=== screen 1" "$T/dump" 2>/dev/null && kill -0 $rpid 2>/dev/null; do sleep 0.05; done
hold ""
last=$(q "SELECT max(id) FROM decision")
echo f >&3
release
echo q >&3
exec 3>&-
wait $rpid
is "$?" 0 "a review whose decision waited for the lock"
at=$(q "SELECT at FROM decision WHERE id > $last")
ok "... stamps the decision after the wait ($at, lock released $released)" \
   test -n "$at" -a "$(printf '%s\n%s\n' "$released" "$at" | sort | head -1)" = "$released"

# a dropped passage stays dropped in every query, refilter after refilter:
# the first refilter removes its candidate rows elsewhere, through which
# item_label finds the drop there (it came back in the second refilter);
# a tn given after the drop in one query wins there
D=$T/drop
"$NEGSIEVE" init "$D" >/dev/null
sqlite3 "$D/negsieve.db" "
INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES
 (1,'q1','alpha beta',1), (2,'q2','alpha gamma',1), (3,'q3','alpha delta',1);
INSERT INTO passage(id,text,source_id) VALUES
 (1,'alpha beta one',1), (2,'alpha gamma two',1), (3,'alpha delta three',1),
 (4,'alpha bad text',1), (5,'alpha other words here',1);
INSERT INTO qrel VALUES(1,1,1,NULL,1),(2,2,1,NULL,1),(3,3,1,NULL,1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');"
dq() { sqlite3 "$D/negsieve.db" "$1"; }
run "$NEGSIEVE" mine --method bm25 --num-negatives 5 "$D"
is "$(dq "SELECT group_concat(query_id, ' ') FROM candidate WHERE passage_id = 4")" \
   "1 2 3" "passage 4 is a kept candidate of the three queries"
dq "INSERT INTO annotator(name, created_at) VALUES ('d', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 VALUES (1, 4, 1, 'drop_passage', '2026-01-01T00:00:00Z')"
run "$NEGSIEVE" mine --refilter "$D"
is "$(dq "SELECT count(*) FROM candidate WHERE passage_id = 4")" 0 \
   "dropped in query 1: the refilter leaves it out of every query"
run "$NEGSIEVE" mine --refilter "$D"
is "$rc" 0 "a second refilter"
is "$(dq "SELECT count(*) FROM candidate WHERE passage_id = 4")" 0 \
   "... still leaves it out of every query"
is_in "$out" "Skipped 3 candidates" "... and counts the three"
dq "INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 VALUES (3, 4, 1, 'tn', '2026-01-01T00:00:01Z')"
run "$NEGSIEVE" mine --refilter "$D"
is "$(dq "SELECT group_concat(query_id, ' ') FROM candidate WHERE passage_id = 4")" 3 \
   "a later tn in query 3 wins there; the others stay dropped"
run "$NEGSIEVE" mine --method bm25 --num-negatives 5 "$D"
is "$(dq "SELECT group_concat(query_id, ' ') FROM candidate WHERE passage_id = 4 AND run_id = (SELECT max(id) FROM run)")" 3 \
   "a new run: the same"

# A person's true negative answers the rules that guess false negatives:
# an FN label that joins the positives' scores moves the anchor of the
# margin below a candidate labelled TN, which the refilter keeps (and says
# so) and export writes.  bm25 scores of q1: 5 0.240, 3 0.185, positive
# 1 0.167, 2 0.151, 4 ~2e-6, 6 ~1e-6.
# apples DIR [SQL]: a new project of these two queries, then SQL
apples() {
	"$NEGSIEVE" init "$1" >/dev/null
	sqlite3 "$1/negsieve.db" "
INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES
 (1,'q1','red apple pie',1), (2,'q2','green tea cake',1);
INSERT INTO passage(id,text,source_id) VALUES
 (1,'red apple pie with cream',1), (2,'red apple pie recipe from grandma',1),
 (3,'red apple and pie',1), (4,'apple pie',1), (5,'red apple',1),
 (6,'a pie',1), (7,'green tea cake with matcha',1), (8,'green tea',1),
 (9,'tea cake',1);
INSERT INTO qrel VALUES(1,1,1,NULL,1),(2,7,1,NULL,1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');
${2:-}"
}
K=$T/tn
apples "$K" "INSERT INTO annotator(name, created_at) VALUES ('a', 'now');"
kq() { sqlite3 "$K/negsieve.db" "$1"; }
# label Q P ACTION: a decision of annotator a
label() {
	kq "INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	    VALUES ($1, $2, 1, '$3', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
}
kreasons() {
	python3 "$top_srcdir/tests/pool.py" "$K/negsieve.db" "$1" |
	awk -F'\t' -v q="$2" '$1 == q { printf "%s:%s ", $2, $5 }'
}
kept_rows() {
	kq "SELECT group_concat(id || ':' || query_id || ':' || passage_id || ':' || coalesce(flag, '-'), ' ') FROM candidate WHERE filter IS NULL"
}
run "$NEGSIEVE" mine --method bm25 --num-negatives 0 --relative-margin 0.05 "$K"
is "$(kreasons 1 1)" "5:relative_margin 3:relative_margin 1:positive 2:- 4:- 6:- " \
   "tn: the margin keeps 2, 4 and 6 of q1"
label 1 2 tn
rows=$(kept_rows)
run "$NEGSIEVE" mine --refilter "$K"
is "$rc" 0 "tn: a refilter after a TN on a kept candidate"
is "$(kept_rows)" "$rows" "tn: ... leaves every kept row as it was (nothing rewritten)"
ok "tn: ... and the summary has nothing to say about it" \
   sh -c '! printf "%s" "$1" | grep -q "true negative"' - "$out"
label 1 4 fn
run "$NEGSIEVE" mine --refilter "$K"
is "$(kreasons 1 1)" "5:relative_margin 3:relative_margin 1:positive 2:- 4:false_negative 6:- " \
   "tn: the FN moves the anchor below 2, whose TN keeps it"
is_in "$out" "Kept 1 candidates (11.11%) that people labelled true negative although a rule would have left them out (relative_margin 1)" \
   "tn: the summary counts the TN kept against the margin"
run "$NEGSIEVE" export -o "$T/tn.jsonl" "$K"
is "$rc" 0 "tn: export"
is "$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["query"] == "red apple pie": print(" | ".join(sorted(r["neg"])))' "$T/tn.jsonl")" \
   "a pie | red apple pie recipe from grandma" "tn: export writes the TN as a negative"
# the rules that say nothing about a label still apply
run "$NEGSIEVE" mine --refilter --num-negatives 1 "$K"
is "$(kreasons 1 1)" "5:relative_margin 3:relative_margin 1:positive 2:- 4:false_negative 6:unsampled " \
   "tn: it takes the one place of --num-negatives 1"
label 1 6 tn
run "$NEGSIEVE" mine --refilter --min-score 0.1 "$K"
is "$(kreasons 1 1)" "5:relative_margin 3:relative_margin 1:positive 2:- 4:false_negative 6:min_score " \
   "tn: a TN below --min-score stays out"
is_in "$out" "that people labelled true negative, by rules a label does not answer (min_score 1)" \
   "tn: and the summary counts it"
run "$NEGSIEVE" mine --refilter --min-score off --range-max 5 "$K"
is "$(kreasons 1 1)" "5:relative_margin 3:relative_margin 1:positive 2:- 4:false_negative 6:rank " \
   "tn: so does one outside the rank window"
is_in "$out" "that people labelled true negative, by rules a label does not answer (rank window 1)" \
   "tn: and the summary counts it"
label 1 5 tn
run "$NEGSIEVE" mine --refilter --max-score 0.2 --relative-margin off "$K"
is "$(kreasons 1 1)" "5:- 3:unsampled 1:positive 2:- 4:false_negative 6:rank " \
   "tn: two TNs kept, one against --max-score, both against --num-negatives 1"
is_in "$out" "although a rule would have left them out (max_score 1, unsampled 1)" \
   "tn: the summary names the rules overruled"
# dense: a near-duplicate of the positive labelled TN is not flagged (5 of
# q1, labelled above, and one of q2)
run "$NEGSIEVE" mine --num-negatives 0 --near-duplicate 0.5 "$K"
is_in "$out" "Did not flag 1 candidates" "tn: a new run does not flag a TN near-duplicate"
dup=$(kq "SELECT passage_id FROM candidate WHERE run_id = 2 AND query_id = 2 AND flag = 'near_duplicate' ORDER BY rank LIMIT 1")
ok "tn: dense mining flags a near-duplicate in q2 ($dup)" test -n "$dup"
label 2 "${dup:-0}" tn
run "$NEGSIEVE" mine --refilter "$K"
is "$(kq "SELECT coalesce(flag, '-') FROM candidate WHERE run_id = 2 AND query_id = 2 AND passage_id = ${dup:-0}")" "-" \
   "tn: the TN near-duplicate is kept, not flagged"
is_in "$out" "Did not flag 2 candidates" "tn: and the summary says so"

# With review.overlap an item's label is final once two annotators agree:
# one annotator's label (fn or tn) waits for the other's, and a conflict
# for an adjudicator.  A refilter keeps such an item against the rules
# that guess false negatives as it keeps a TN, or the second annotator
# could never see it (and the queue never be finished); a pending FN is no
# positive yet.  The same q1 as above: 5 0.240, 3 0.185, positive 1 0.167,
# 2 0.151, 4 and 6 ~0.
O=$T/ov
apples "$O" "INSERT INTO annotator(name, created_at) VALUES ('a', 'now'), ('b', 'now');
INSERT INTO item_need VALUES (1, 2, 2), (1, 4, 2), (1, 5, 2);"
oq() { sqlite3 "$O/negsieve.db" "$1"; }
# olabel Q P ACTION ANNOTATOR
olabel() {
	oq "INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	    VALUES ($1, $2, $4, '$3', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
}
oreasons() {
	python3 "$top_srcdir/tests/pool.py" "$O/negsieve.db" "$1" |
	awk -F'\t' -v q="$2" '$1 == q { printf "%s:%s ", $2, $5 }'
}
run "$NEGSIEVE" mine --method bm25 --num-negatives 0 "$O"
is "$(oreasons 1 1)" "5:- 3:- 1:positive 2:- 4:- 6:- " "overlap: q1 mined"
olabel 1 2 tn 1
olabel 1 5 fn 1
olabel 1 4 fn 1
run "$NEGSIEVE" mine --refilter --max-score 0.1 "$O"
is "$rc" 0 "overlap: a refilter after one annotator's labels"
is "$(oreasons 1 1)" "5:- 3:max_score 1:positive 2:- 4:- 6:- " \
   "overlap: one annotator's TN and FN keep 2 and 5 against --max-score; the FN on 4 is no positive yet"
is_in "$out" "Kept 2 candidates (22.22%) that people labelled true negative although a rule would have left them out (max_score 2)" \
   "overlap: the summary counts them with the TNs"
is_in "$out" "  2 of them have one annotator's label only (fn or tn), waiting for the others' or an adjudicator's" \
   "overlap: and says they wait for another label"
is "$(oq "SELECT group_concat(passage_id, ' ') FROM (SELECT passage_id FROM candidate WHERE query_id = 1 AND filter IS NULL ORDER BY passage_id)")" \
   "2 4 5 6" "overlap: so they stay in the queue for b"
# b agrees on 2 (a TN now) and not on 5 (a conflict, still waiting)
olabel 1 2 tn 2
olabel 1 5 tn 2
run "$NEGSIEVE" mine --refilter --max-score 0.1 "$O"
is "$(oreasons 1 1)" "5:- 3:max_score 1:positive 2:- 4:- 6:- " \
   "overlap: the agreed TN and the conflict stay kept"
is_in "$out" "  1 of them have one annotator's label only" \
   "overlap: the conflict is the one that waits"
# a second FN on 4 makes it final: a positive of q1 now
olabel 1 4 fn 2
run "$NEGSIEVE" mine --refilter --max-score 0.1 "$O"
is "$(oreasons 1 1)" "5:- 3:max_score 1:positive 2:- 4:false_negative 6:- " \
   "overlap: two FNs make a false negative"

# labels that cannot be read: nothing changes
runs=$(q "SELECT count(*) FROM run")
cp "$P/negsieve.db" "$T/before.db"
q "DROP VIEW item_label"
before=$(q "SELECT group_concat(run_id || ':' || query_id || ':' || passage_id, ' ') FROM candidate")
run "$NEGSIEVE" mine --refilter --num-negatives 1 "$P"
is "$rc" 5 "unreadable labels: refilter fails"
is "$err" "negsieve: reading people's labels: no such table: item_label" "with what it could not read"
is "$(q "SELECT group_concat(run_id || ':' || query_id || ':' || passage_id, ' ') FROM candidate")" \
   "$before" "the run is as it was"
run "$NEGSIEVE" mine --method bm25 "$P"
is "$rc" 5 "unreadable labels: mine fails"
is "$err" "negsieve: reading people's labels: no such table: item_label" "with the same message"
is "$(q "SELECT count(*) FROM run")" "$runs" "and makes no run"
done_testing
