#!/bin/sh
# tui-gone.sh - the review's rows for the items people labelled that no
# run keeps any more ("gone": a refilter or a new mine left them out,
# their labels still count in the estimate and the fit).  They were
# listed as "- - - TN", with no score, rank or reason, like a broken row
# (explore7, finding 6): now "gone" stands where the gap would be, the
# detail pane says what the label still does, and the score and rank the
# last run that had them gave them, with the filter that left them out.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
. "$top_srcdir/tests/tmux-lib.sh"
S=$top_srcdir/sample
[ -f "$S/debian-descriptions/corpus.jsonl" ] || skip_all "no $S/debian-descriptions"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
"$NEGSIEVE" import "$P" "$S/debian-descriptions" >/dev/null
"$NEGSIEVE" mine --num-negatives 5 "$P" >/dev/null
q() { sqlite3 "$P/negsieve.db" "$1"; }
# query 1's candidates by rank: the 2nd labelled FN, the 4th and 5th TN
# (by another annotator: the review shows final labels of anyone)
cand() {
	q "SELECT passage_id FROM candidate WHERE run_id = 1 AND query_id = 1
	   ORDER BY rank LIMIT 1 OFFSET $1"
}
q "INSERT INTO annotator(name, created_at) VALUES ('alice', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at) VALUES
 (1, $(cand 1), 1, 'fn', 'now'), (1, $(cand 3), 1, 'tn', 'now'),
 (1, $(cand 4), 1, 'tn', 'now');"
tn1=$(q "SELECT xid FROM passage_xid WHERE passage_id = $(cand 3)")
s3=$(q "SELECT printf('%.3f', score) FROM candidate WHERE run_id = 1
  AND query_id = 1 ORDER BY rank LIMIT 1 OFFSET 3")
r3=$(q "SELECT rank FROM candidate WHERE run_id = 1 AND query_id = 1
  ORDER BY rank LIMIT 1 OFFSET 3")
# a --min-score between the 3rd and the 4th: the two TN go (a rule a
# label does not answer), the FN is a positive now
min=$(q "SELECT (a.score + b.score) / 2 FROM
  (SELECT score FROM candidate WHERE run_id = 1 AND query_id = 1
   ORDER BY rank LIMIT 1 OFFSET 2) a,
  (SELECT score FROM candidate WHERE run_id = 1 AND query_id = 1
   ORDER BY rank LIMIT 1 OFFSET 3) b")
run "$NEGSIEVE" mine --refilter --min-score "$min" "$P"
is_in "$out" "Left out 2 candidates (0.00%) that people labelled true negative" \
   "the refilter leaves the two TN out"
is "$(q "SELECT count(*) FROM item_label l JOIN candidate c
  USING (query_id, passage_id) WHERE c.query_id = 1")" 0 \
   "no labelled candidate of query 1 is kept"

# on an 80x24 terminal: the three labelled rows say "gone", with run 1's
# scores (from its pool: a filtered candidate has no row)
tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$P'"
ok "the review opens on query 1" wait_for "Q q:7kaa"
rows=$(printf '%s\n' "$pane" | grep -c ' gone TN ')
is "$rows" 2 "the two TN rows say gone"
is "$(printf '%s\n' "$pane" | grep -c ' gone FN ')" 1 "... and the FN row"
is_in "$pane" "$(printf '%5s %7s   gone TN' "$r3" "$s3")" \
   "a gone row shows the rank and score run 1 gave it"
tm send-keys -t t: j j j
ok "the cursor on the first gone TN" wait_for "candidate $tn1,"
flat=$(printf '%s\n' "$pane" | tr '\n' ' ' | tr -s ' ')
is_in "$flat" "gone: no run keeps it now (a refilter or a new mine left it out); its TN label still counts as evidence (estimate, fit); not exported." \
   "the detail pane says what the row is"
is_in "$flat" "run 1 gave it score $s3, rank $r3; left out by min_score." \
   "... and the score, rank and filter of the run that last had it"
case "$flat" in *"not in run 1 (no score)"*) said=yes ;; *) said=no ;; esac
is "$said" no "... not 'no score'"
tm send-keys -t t: k
ok "the FN row" wait_for "export writes it as a positive."
tm send-keys -t t: q
new_server

# a new mine that does not retrieve them (run 2: ranks 1..3): their
# score is run 1's, said to be of another run than the one shown
"$NEGSIEVE" mine --range-max 3 "$P" >/dev/null
tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$P'"
ok "run 2 shown" wait_for " run 2 dense"
is "$(printf '%s\n' "$pane" | grep -c '      -       -   gone TN ')" 2 \
   "run 2 did not retrieve the TN: no score in its columns, still gone"
tm send-keys -t t: j j
ok "a gone TN" wait_for "(not the run shown)"
is_in "$(printf '%s\n' "$pane" | tr '\n' ' ' | tr -s ' ')" "run 1 (not the run shown) gave it score" \
   "the detail pane gives run 1's score"
tm send-keys -t t: q
new_server

# an imported run keeps no pool: a labelled candidate its new import
# left out has no score stored anywhere, and the detail pane says so
F=$T/f
mkproj "$F"
db "$F" "INSERT INTO annotator(name, created_at) VALUES ('alice', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 VALUES (1, 4, 1, 'tn', 'now');
DELETE FROM candidate WHERE query_id = 1 AND passage_id = 4;"
review_keys "$F" j j dump q
is_in "$(screen 1 | grep ' p4 ')" "      -       -   gone TN" "no score: gone, with '-' for rank and score"
is_in "$(screen 1 | tr '\n' ' ' | tr -s ' ')" "not exported. no run stored its score." \
   "the detail pane says no run stored its score"
# the pools cannot be read: the review says what it could not read, and
# writes nothing
db "$F" "ALTER TABLE run_pool RENAME COLUMN data TO d"
n0=$(db "$F" "SELECT count(*) FROM decision")
review_keys "$F" dump q
is "$rc" 5 "unreadable pools: the review fails"
is_in "$err" "no such column: p.data" "... saying what it could not read"
is "$(db "$F" "SELECT count(*) FROM decision")" "$n0" "... and writes no decision"
done_testing
