#!/bin/sh
# tui-annotator.sh - the review screen after the first hour (issue 13),
# headless at 80x24 and 60x15: small terminals, both texts readable,
# similar rows told apart, signals, navigation that keeps your place,
# notes, safe drops, others' work, the header, keys under common TERMs,
# help that teaches, right-to-left text.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
me=$(id -un)

# no line of the last run's screens wider than $1 columns
fits() {
	python3 -c '
import sys, unicodedata
w = int(sys.argv[1]); bad = 0
for l in open(sys.argv[2], encoding="utf-8"):
    l = l.rstrip("\n")
    if l.startswith("=== screen"):
        continue
    n = sum(0 if unicodedata.category(c) in ("Mn", "Cf") else
            2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
    bad |= n > w
sys.exit(bad)' "$1" "$T/dump"
}
flat() { tr '\n' ' ' | tr -s ' '; }
# the selected row of screen N, blanks squeezed
sel() { screen "$1" | grep '^>' | tr -s ' '; }

for size in 80x24 60x15; do
cols=${size%x*}
export NEGSIEVE_REVIEW_SIZE=$size
P=$T/p$size
mkproj "$P"

# 1. smaller terminals: every part there, nothing wider than the screen
review_keys "$P" dump q
s=$(screen 1)
ok "$size: no 'too small'" sh -c "! printf '%s' \"\$1\" | grep -q 'too small'" - "$s"
is_in "$s" "Q q1: what is the tmux terminal multiplexer" "$size: query"
is_in "$s" "+ p1 0.900: tmux is a terminal multiplexer" "$size: positive"
is_in "$s" "p2 screen is a" "$size: candidate rows with their ids"
is_in "$s" "candidate p2, 76 chars" "$size: detail pane"
is_in "$s" "f FN  x TN  d drop  D drop query" "$size: key hints"
ok "$size: no line wider than $cols" fits "$cols"
is "$(screen 1 | wc -l)" "${size#*x}" "$size: the whole screen is used"
if [ "$cols" = 60 ]; then
	is_in "$s" "   sig   score    gap decision  id text" "60 columns: rank dropped first, score kept"
else
	is_in "$s" "   sig  rank   score    gap decision  id text" "80 columns: every column"
fi

# 2. read both sides: p shows the positive for this candidate only
review_keys "$P" p dump j dump p dump x dump q
is_in "$(screen 1)" "positive for p2 (p: back) p1," "$size: p shows the positive"
is_in "$(screen 1 | flat)" "tmux is a terminal multiplexer: it lets you switch between programs in one terminal." "$size: the whole positive is readable"
is_in "$(screen 1)" "The positive, for this candidate only" "$size: p says how long it holds"
is_in "$(screen 2)" "candidate p3, 76 chars" "$size: moving shows the next candidate"
is_in "$(screen 3)" "positive for p3" "$size: p again"
is_in "$(screen 4)" "candidate p4, 41 chars" "$size: a decision shows the next candidate, not the positive"
review_keys "$P" u q

# 3. similar rows: ids, same text marked, cascade columns only with a cascade
db "$P" "INSERT INTO passage(id, hash, title, text, source_id) VALUES (13, 13, '', 'screen is a full-screen window manager that multiplexes a physical terminal.', 1);
INSERT INTO passage_xid(xid, passage_id) VALUES ('p13', 13);
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter) VALUES (1, 1, 13, 5, 0.55, NULL);"
review_keys "$P" dump G dump q
is_in "$(screen 1)" ">    = " "$size: a row whose text another row has is marked ="
is_in "$(screen 2 | flat)" "= the same text as p2." "$size: the detail pane names the other row"
ok "$size: no P(FN) or stage column before the cascade" sh -c "! printf '%s' \"\$1\" | grep -q 'P(FN)'" - "$(screen 1)"
db "$P" "INSERT INTO item_auto(query_id, passage_id, verdict, stage, score, pfn, priority, audit) VALUES
 (1, 2, 'review', NULL, NULL, 0.42, 1, 0), (1, 3, 'tn', 'score', 0.1, 0.03, 0, 0), (1, 4, 'review', NULL, NULL, 0.2, 0.5, 1),
 (1, 13, 'review', NULL, NULL, 0.3, 0.7, 0)"
review_keys "$P" dump q
s=$(screen 1)
is_in "$s" "P(FN)" "$size: the P(FN) column once the cascade has filled it"
is_in "$s" "0.42" "$size: P(FN) of a candidate"
is_in "$s" "auto TN" "$size: the cascade's verdict in the decision column"
if [ "$cols" = 80 ]; then
	is_in "$s" "stage" "80 columns: the stage column with a cascade"
	is_in "$s" " 0.03 score auto TN" "80 columns: stage and verdict of a decided row"
fi
l4=$(printf '%s\n' "$s" | grep ' p4 vim')
l2=$(printf '%s\n' "$s" | grep ' p2 screen')
is "$(printf '%s' "$l4" | cut -c1-12 | tr -d '0-9.')" "$(printf '%s' "$l2" | cut -c1-12 | tr -d '0-9.')" "$size: an audit-slice row looks like any other"
db "$P" "DELETE FROM item_auto; DELETE FROM candidate WHERE passage_id = 13"

# 4. the strongest signals: above the positive, near-duplicate; gap scale
db "$P" "UPDATE candidate SET score = 0.95 WHERE query_id = 1 AND passage_id = 4;
UPDATE candidate SET flag = 'near_duplicate', dup_sim = 0.97 WHERE query_id = 1 AND passage_id = 3"
review_keys "$P" dump G dump q
s=$(screen 1)
is_in "$s" "^" "$size: ^ marks a candidate scoring above the positive"
is_in "$(printf '%s\n' "$s" | grep 'p4 vim')" "-0.050" "$size: its gap is below 0"
is_in "$(printf '%s\n' "$s" | grep 'p3 byobu')" "   d " "$size: d marks the near-duplicate"
is_in "$(screen 1 | flat)" "^ scores above the positive p1 (gap -0.050)." "$size: the detail pane says so"
db "$P" "UPDATE qrel SET score = -0.5 WHERE query_id = 1 AND passage_id = 1;
UPDATE candidate SET score = -0.6 WHERE query_id = 1 AND passage_id = 2"
review_keys "$P" dump q
is_in "$(screen 1 | grep 'p2 screen')" " 0.100 " "$size: a positive scoring below 0: the gap stays readable (absolute)"
db "$P" "UPDATE qrel SET score = 0.9 WHERE query_id = 1 AND passage_id = 1;
UPDATE candidate SET score = 0.8 WHERE query_id = 1 AND passage_id = 2;
UPDATE candidate SET score = 0.6 WHERE query_id = 1 AND passage_id = 4;
UPDATE candidate SET flag = NULL, dup_sim = NULL WHERE query_id = 1 AND passage_id = 3"

# 5. navigation: Tab goes on through the queue, back, jump by part of an id
review_keys "$P" G Tab dump q
is_in "$(screen 1)" "Q q2:" "$size: Tab on the last candidate goes on to the next query, not back up"
review_keys "$P" j Tab dump q
is_in "$(sel 1)" "p4 vim" "$size: Tab: the next undecided candidate of the query"
db "$P" "INSERT INTO query(id, xid, text, source_id) VALUES (6, 'q:acpi-support', 'acpi support scripts', 1), (7, 'q:acpi-fakekey', 'acpi fake key', 1);
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter) VALUES (1, 6, 11, 1, 0.5, NULL), (1, 7, 11, 1, 0.5, NULL);"
review_keys "$P" ":" "text:acpi-support" Enter dump ":" "text:acpi" Enter dump "'" dump q
is_in "$(screen 1)" "Q q:acpi-support:" "$size: : finds a query by part of its id"
is_in "$(screen 2 | flat)" "2 queries match 'acpi': q:acpi-support, q:acpi-fakekey. Type more of the id." "$size: several: a list"
is_in "$(screen 3)" "Q q1:" "$size: ' goes back to where the jump started"
review_keys "$P" j "/" "text:terminal" Enter dump n dump "'" dump q
is_in "$(screen 1 | flat)" "/terminal: 2 here and in a positive, 1 query" "$size: search says how many match (its positive p1 holds the word too)"
is_in "$(screen 2)" "Q q1:" "$size: n"
is_in "$(sel 3)" "p3 byobu" "$size: back to the candidate before the search"

# 6. notes: shown, editable, their own marker; c, not a
review_keys "$P" c "text:looks wrong" Enter dump c dump Enter dump c C-u "text:reads fine" Enter dump a dump q
is_in "$(screen 1 | grep 'p2 screen')" "#" "$size: a noted row is marked #"
is_in "$(screen 1)" "# note: looks wrong" "$size: the note is in the detail pane"
is_in "$(screen 2)" "note: looks wrong" "$size: c opens the note for editing"
is_in "$(screen 3)" "Note unchanged." "$size: nothing written when unchanged"
is_in "$(screen 4)" "# note: reads fine" "$size: an edited note replaces it"
is_in "$(screen 5)" "Key a does nothing here" "$size: a (accept, to Prodigy users) is not a note key"
is "$(db "$P" "SELECT group_concat(note, '|') FROM decision WHERE action = 'note' ORDER BY id")" "looks wrong|reads fine" "$size: two note events"
ok "$size: the positive keeps +, notes have #" sh -c "printf '%s' \"\$1\" | grep -q '^+ p1'" - "$(screen 4)"
review_keys "$P" u u q

# 7. safe drops: D asks; d drops the passage in every query it is in
db "$P" "INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter) VALUES (1, 4, 4, 3, 0.1, NULL)"
review_keys "$P" G d dump ":" "text:q4" Enter G dump x dump q
is_in "$(screen 1 | flat)" "Dropped passage p4 in all 2 queries it is in." "$size: d says where it applies"
is_in "$(screen 2 | grep 'p4 *vim')" "drop" "$size: ... and the other query shows it dropped"
is_in "$(screen 2)" "queue 2/11 done" "$size: the header counts both items again"
is "$(db "$P" "SELECT group_concat(query_id || ':' || label, ' ') FROM (SELECT * FROM item_label WHERE passage_id = 4 ORDER BY query_id)")" "1:drop_passage 4:tn" "$size: a later label in another query wins there only"
review_keys "$P" u u q
is "$(db "$P" "SELECT count(*) FROM item_label")" 0 "$size: undone: no label left"
review_keys "$P" G d q
is "$(db "$P" "SELECT group_concat(query_id, ' ') FROM (SELECT * FROM item_label WHERE passage_id = 4 ORDER BY query_id)")" "1 4" "$size: item_label holds the drop in both queries"
run "$NEGSIEVE" stats "$P"
is_in "$out" "drop passage 2" "$size: stats counts both items"
review_keys "$P" u q
db "$P" "DELETE FROM candidate WHERE query_id = 4 AND passage_id = 4"

# 8. others' work: a query another annotator holds is marked on arrival
db "$P" "INSERT INTO annotator(name, created_at) VALUES ('bob', '2026-01-01');
INSERT INTO review_session(annotator_id, started_at, host, pid) SELECT id, '2026-01-01', 'elsewhere', 1 FROM annotator WHERE name = 'bob';
INSERT INTO review_lease(query_id, annotator_id, session_id, expires_at) SELECT 2, a.id, s.id, 4102444800 FROM annotator a JOIN review_session s ON s.annotator_id = a.id WHERE a.name = 'bob'"
review_keys "$P" ">" dump q
is_in "$(screen 1)" "Q q2 [bob is reviewing it: read only]:" "$size: a query leased to bob is marked on the query line"
is_in "$(screen 1 | flat)" "Query q2 is being reviewed by bob; you can read it, but decisions are off here." "$size: ... and said on arrival"
db "$P" "DELETE FROM review_lease; UPDATE review_session SET ended_at = '2026-01-01' WHERE ended_at IS NULL"
# counts in the header follow others' decisions (PRAGMA data_version)
mkfifo "$T/fifo"
# the last run's dump has a screen 1 too: without this, a slow start let
# bob decide before the review had read anything
rm -f "$T/dump"
NEGSIEVE_REVIEW_SCRIPT="$T/fifo" NEGSIEVE_REVIEW_DUMP="$T/dump" "$NEGSIEVE" review "$P" >/dev/null 2>&1 &
pid=$!
exec 3>"$T/fifo"
echo dump >&3
# (up to 30 s: a loaded machine starts a review slowly; bob must decide
# after the first screen, or the count before him is not seen)
i=0; while [ $i -lt 300 ] && ! grep -q '=== screen 1' "$T/dump" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
db "$P" "INSERT INTO decision(query_id, passage_id, annotator_id, action, at) SELECT 3, 9, id, 'tn', '2026-01-01' FROM annotator WHERE name = 'bob'"
echo idle >&3
echo dump >&3
echo q >&3
exec 3>&-
wait $pid
is_in "$(screen 1)" " 0/10 done" "$size: before bob decides"
is_in "$(screen 2)" " 1/10 done" "$size: the header counts bob's decision"
rm -f "$T/fifo"

# 9. header: labelled fields, never cut; filters; skipped come back
review_keys "$P" dump q
head1=$(screen 1 | head -1)
is_in "$head1" "$me: 0 decisions, 0/h" "$size: the header ends with the labelled rate, whole"
# (at 80 columns "this" goes first, or the percentage would)
is_in "$(printf '%s' "$head1" | sed 's/ in this query / in query /')" " | 3 left in query | " "$size: what is left in this query, labelled"
review_keys "$P" Space f F dump F dump F dump F dump F dump q
is_in "$(screen 1)" "text (filter: my FN)" "$size: F: my FN"
is_in "$(screen 1)" "p3 byobu" "$size: my FN shown"
ok "$size: my FN only" sh -c "! printf '%s' \"\$1\" | grep -q 'p2 screen'" - "$(screen 1)"
is_in "$(screen 2 | flat)" "Filter my TN: no such items in the queue" "$size: F: my TN (none)"
is_in "$(screen 3)" "p2 screen" "$size: F: my skipped lists the skipped item"
ok "$size: ... only it" sh -c "! printf '%s' \"\$1\" | grep -q 'p3 byobu'" - "$(screen 3)"
is_in "$(screen 5)" "Filter off" "$size: F cycles back to every item"
review_keys "$P" u u q

# 10. keys under common TERMs: escape sequences ncurses leaves split
esc=$(printf '\033')
review_keys "$P" "text:${esc}[4~" dump "text:${esc}[1~" dump "text:${esc}OF" dump "text:${esc}OH" dump "text:${esc}[6~" dump "text:${esc}[5~" dump "text:${esc}[9~" dump q
is_in "$(sel 1)" "p4 vim" "$size: ESC [ 4 ~ is End"
is_in "$(sel 2)" "p2 screen" "$size: ESC [ 1 ~ is Home"
is_in "$(sel 3)" "p4 vim" "$size: ESC O F is End"
is_in "$(sel 4)" "p2 screen" "$size: ESC O H is Home"
is_in "$(sel 5)" "p4 vim" "$size: ESC [ 6 ~ is PgDn"
is_in "$(sel 6)" "p2 screen" "$size: ESC [ 5 ~ is PgUp"
is_in "$(screen 7)" "Unknown key (Esc [9~)" "$size: an unknown sequence is named"

# 11. help: keys, a legend of every column and marker, the guideline
# the whole help, page by page
set -- "?"
i=0; while [ $i -lt 12 ]; do set -- "$@" dump; n=0; while [ $n -lt 10 ]; do set -- "$@" j; n=$((n + 1)); done; i=$((i + 1)); done
review_keys "$P" "$@" q
help=$(cat "$T/dump" | flat)
for m in "> the selected" "* tagged" "/ matches the last search" "sig ^ scores above the positive" "sig d near-duplicate" "sig = the same text" "rank rank in the run" "score the run's score" "gap the positive's score minus" "P(FN) the cascade's probability" "stage the cascade stage" "decision the current label" "# the candidate has a note" "id the passage's id" "+ the line under the query"; do
	is_in "$help" " $m" "$size: the legend: $m"
done
is_in "$help" "absolute, not a percentage" "$size: the legend says how the gap is measured"
is_in "$help" "Labelling guideline" "$size: the guideline is under ?"
is_in "$help" "A false negative (FN) is a candidate that answers the query" "$size: the built-in guideline says what a false negative is"
ok "$size: help fits $cols columns" fits "$cols"
done
unset NEGSIEVE_REVIEW_SIZE

# the guideline of the project (review.guideline), and a missing one
printf 'Count a passage as FN when it names the Debian package.\nAsk Ana when unsure.\n' >"$T/guide.txt"
printf 'review:\n  guideline: %s\n' "$T/guide.txt" >"$T/g.yaml"
mkproj "$T/g" "$T/g.yaml"
set -- "?"
i=0; while [ $i -lt 12 ]; do set -- "$@" dump; n=0; while [ $n -lt 10 ]; do set -- "$@" j; n=$((n + 1)); done; i=$((i + 1)); done
review_keys "$T/g" "$@" q
help=$(cat "$T/dump" | flat)
is_in "$help" "Labelling guideline (review.guideline)" "the project's guideline is named"
is_in "$help" "Count a passage as FN when it names the Debian package. Ask Ana when unsure." "... and shown"
printf 'review:\n  guideline: nowhere.txt\n' >"$T/g2.yaml"
mkproj "$T/g2" "$T/g2.yaml"
review_keys "$T/g2" q
is "$rc" 6 "a guideline that cannot be read: exit 6"
is "$err" "negsieve: review.guideline: $T/g2/nowhere.txt: No such file or directory" "... naming the file"
is "$(db "$T/g2" "SELECT count(*) FROM review_session")" 0 "... before a session starts"

# 2 with long ids at 60x15: the detail title keeps every part it shows
# whole (the line count goes short, 1-3/3, then goes, before a cut)
P=$T/long
mkproj "$P"
db "$P" "UPDATE passage_xid SET xid = 'arcd-' || xid || '-0123'"
NEGSIEVE_REVIEW_SIZE=60x15 review_keys "$P" p dump q
title=$(screen 1 | grep 'positive for ')
is_in "$title" " positive for arcd-p2-0123 (p: back) arcd-p1-0123, 1-" "60x15, long ids: the title names both passages"
ok "60x15, long ids: ... and its line count, short and whole" sh -c "printf '%s' \"\$1\" | grep -Eq ', 1-[0-9]+/[0-9]+ '" - "$title"
db "$P" "UPDATE passage_xid SET xid = replace(xid, 'arcd-', 'arcd-doc-')"
NEGSIEVE_REVIEW_SIZE=60x15 review_keys "$P" p dump q
title=$(screen 1 | grep 'positive for ')
is_in "$title" " positive for arcd-doc-p2-0123 (p: back) arcd-doc-p1-0123 " "60x15, longer ids: both passages named whole"
ok "60x15, longer ids: ... and no line count cut short" sh -c "! printf '%s' \"\$1\" | grep -q 'arcd-doc-p1-0123,'" - "$title"

# 12. right-to-left text is isolated from the fields around it
P=$T/p80x24
review_keys "$P" ":" "text:q3" Enter dump q
fsi=$(printf '\342\201\250'); pdi=$(printf '\342\201\251')
is_in "$(screen 1)" "p9 ${fsi}الطقس في الإسكندرية معتدل${pdi}" "a right-to-left row text is isolated after its id"
is_in "$(screen 1)" "Q q3: ${fsi}ما هو الطقس في القاهرة${pdi}" "the query's text too"
row=$(screen 1 | grep 'p9 ')
ok "the isolates take no column" sh -c "printf '%s' \"\$1\" | python3 -c 'import sys; l=sys.stdin.read(); sys.exit(l.index(\"p9\") != 38)'" - "$row"
review_keys "$P" dump q
ok "no isolate around left-to-right text" sh -c "! printf '%s' \"\$1\" | grep -q \"$fsi\"" - "$(screen 1)"
done_testing
