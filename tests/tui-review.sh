#!/bin/sh
# tui-review.sh - the review TUI run headless (scripted keys, saved
# screens): decisions reach the database, undo across restarts, resize,
# wide characters, search, help, small terminals, refusals.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
P=$T/p
mkproj "$P"

# refusals before curses starts
run env TERM=xterm "$NEGSIEVE" review "$P" </dev/null
is "$rc" 11 "no terminal: exit 11"
is "$err" "negsieve: review: needs a terminal (standard input and output must be a terminal)" "no terminal: message"
run "$NEGSIEVE" review "$T/missing"
is "$rc" 7 "missing project: exit 7"
run "$NEGSIEVE" review
is "$rc" 2 "no PROJECT: usage error"

# the man page's KEY BINDINGS are generated from the action table
keys=$("$NEGSIEVE" review --keys-man)
is_in "$(cat "$top_srcdir/man/negsieve.1")" "$keys" "negsieve.1 holds 'review --keys-man' verbatim"

# first screen: header, query, positive, ranked candidates, detail
NEGSIEVE_REVIEW_SIZE=100x30 review_keys "$P" q
s=$(screen last)
is_in "$s" " p | run 1 import | queue 0/8 done (0.0%), 4 queries | 3 left in this query | $(id -un): 0 decisions, 0/h" "header: every field with its label (100 columns)"
review_keys "$P" q
is "$rc" 0 "q quits with 0"
is "$err" "" "nothing on stderr"
s=$(screen last)
is_in "$s" "queue 0/8 done" "header shows progress at 80 columns"
is_in "$s" "| $(id -un): 0 decisions, 0/h" "header shows the annotator and the rate, labelled"
is_in "$s" " | 3 left in query | " "header shows what is left of this query, saying so"
is_in "$out" "negsieve: review: 0 decisions in 0:00 (0/h); 8 of 8 items left in the queue." "quitting prints a session summary"
is_in "$s" "Q q1: what is the tmux terminal multiplexer" "query shown"
is_in "$s" "+ p1 0.900: tmux is a terminal multiplexer" "positive shown"
is_in "$s" "   sig  rank   score    gap decision  id text" "column heads; no P(FN) or stage before the cascade"
is_in "$s" ">          1   0.800  0.100 -         p2 screen is a" "best candidate first with rank, score, absolute gap, id"
is_in "$s" "           3   0.600  0.300 -         p4 vim" "third candidate"
is_in "$s" "candidate p2, 76 chars, lines 1-1 of 1" "detail pane title"
is_in "$s" "f FN  x TN  d drop  D drop query  Space skip  u undo" "key hints"

# decisions reach the database before they are shown
review_keys "$P" f x dump q
is "$(db "$P" "SELECT group_concat(action || ':' || passage_id, ' ') FROM decision ORDER BY id")" "fn:2 tn:3" "f and x are in the log"
is "$(db "$P" "SELECT count(*) FROM decision WHERE annotator_id = (SELECT id FROM annotator WHERE name = '$(id -un)') AND ms_on_item IS NOT NULL")" 2 "annotator and time on item recorded"
is_in "$(screen 1)" "           1   0.800  0.100 FN        p2" "FN shown in the list"
is_in "$(screen 1)" "TN: p3." "status line confirms"
is_in "$(screen 1)" " | 1 left in query | " "left counts down with decisions"
is_in "$out" "negsieve: review: 2 decisions in 0:0" "the summary counts the session's decisions"
is_in "$out" "6 of 8 items left in the queue." "... and what is left"

# undo survives a restart; reopening resumes at the first undecided item
review_keys "$P" dump u dump q
is_in "$(screen 1)" ">          3   0.600" "resumes at the first undecided item"
is_in "$(screen 2)" "Undid: TN of p3." "undo after restart"
is "$(db "$P" "SELECT count(*) FROM decision_live")" 1 "one decision left in force"
is "$(db "$P" "SELECT count(*) FROM decision")" 3 "undo appended, nothing deleted"

# a relabel: one label per item on the screen, in item_label and in stats
R=$T/relabel
mkproj "$R"
review_keys "$R" f k x dump q
is_in "$(screen 1)" "TN (was FN): p2." "a relabel says so on the status line"
is_in "$(screen 1)" "           1   0.800  0.100 TN" "the list shows the latest label"
is "$(db "$R" "SELECT group_concat(label, ' ') FROM item_label WHERE passage_id = 2")" "tn" "item_label: one row, the latest"
run "$NEGSIEVE" stats "$R"
is_in "$out" "labelled    1 items (FN 0, TN 1, drop passage 0, in dropped queries 0)" "stats counts the item once, by its current label"
is_in "$out" "$(printf '  %-9s 1 items (FN 0, TN 1, drop passage 0, in dropped queries 0); 2 events' "$(id -un)")" "stats per annotator"
review_keys "$R" g x dump q
is_in "$(screen 1)" "Already TN: p2." "the same label again writes nothing"
is "$(db "$R" "SELECT count(*) FROM decision")" 2 "still two events"

# skip, drop, drop query, rest as TN, tags, note
review_keys "$P" u Space dump d q
is_in "$(screen 1)" "skip" "skip shown"
review_keys "$P" ">" D dump n dump D y dump q
is_in "$(screen 1)" "Drop query q2 with all its 2 candidates? y drops it, any other key keeps it." "D asks first"
is_in "$(screen 2)" "Not dropped." "any other key keeps the query"
is "$(db "$P" "SELECT count(*) FROM decision_live WHERE action='drop_query' AND query_id=2")" 1 "D y drops the query"
is_in "$(screen 3)" "Dropped query q2 (2 candidates; u undoes)." "drop query confirmed, and how to undo it"
# stats counts items: the one query dropped is its 2 items, said so
run "$NEGSIEVE" stats "$P"
is_in "$out" ", in dropped queries 2)" "stats: a dropped query's items, not read as 2 queries"
review_keys "$P" u ":" "text:q1" Enter X dump q
is_in "$(screen 1)" "TN: " "rest of the query as TN"
review_keys "$P" ":" "text:q2" Enter t t ";" f dump q
is "$(db "$P" "SELECT count(*) FROM decision_live WHERE action='fn' AND query_id=2")" 2 "tag and apply to tagged"

# NEGSIEVE_REVIEW_ACK names the items a decision was written on: each
# tagged one (not the candidate under the cursor), the rest of X, the
# query of D; one line per decision row, the count going up by one
A=$T/ack-p
mkproj "$A"
printf 'j\nt\nj\nt\nk\nk\n;\nf\n:\ntext:q2\nEnter\nX\n:\ntext:q3\nEnter\nD\ny\nq\n' >"$T/ack-keys"
NEGSIEVE_REVIEW_SCRIPT="$T/ack-keys" NEGSIEVE_REVIEW_ACK="$T/ack" "$NEGSIEVE" review "$A" >/dev/null 2>&1
is "$(db "$A" "SELECT group_concat(query_id || ':' || coalesce(passage_id, 0) || ':' || action, ' ') FROM (SELECT * FROM decision ORDER BY id)")" \
	"1:3:fn 1:4:fn 2:6:tn 2:7:tn 3:0:drop_query" "tagged p3 and p4 labelled FN with the cursor on p2; X; D"
is "$(cat "$T/ack")" "ack 1 3 fn 1
ack 1 4 fn 2
ack 2 6 tn 3
ack 2 7 tn 4
ack 3 0 drop-query 5" "the acknowledgements name those items, one line each"
review_keys "$P" ":" "text:q3" Enter c "text:looks wrong" Enter dump q
is "$(db "$P" "SELECT note FROM decision WHERE action='note'")" "looks wrong" "inline note saved"
cat >"$T/ed.sh" <<'E'
#!/bin/sh
printf 'from the editor\n' >"$1"
E
chmod +x "$T/ed.sh"
EDITOR="$T/ed.sh" VISUAL= review_keys "$P" ":" "text:q3" Enter C dump q
is "$(db "$P" "SELECT note FROM decision WHERE action='note' ORDER BY id DESC LIMIT 1")" "from the editor" "note through \$EDITOR"
is_in "$(screen 1)" "Note saved on p9." "editor note confirmed"
# an editor that leaves no file: an error, not an empty note (which
# would take the note back); the template says what an empty note does
cat >"$T/rm-ed.sh" <<E
#!/bin/sh
cp "\$1" "$T/template"
rm -f "\$1"
E
chmod +x "$T/rm-ed.sh"
EDITOR="$T/rm-ed.sh" VISUAL= review_keys "$P" ":" "text:q3" Enter C dump q
is_in "$(screen 1 | tr '\n' ' ' | tr -s ' ')" "Cannot read the note back from /tmp/negsieve-note-" "an editor that removes the file: an error"
is "$(db "$P" "SELECT coalesce(note, '(none)') FROM decision WHERE action='note' ORDER BY id DESC LIMIT 1")" "from the editor" "... and the note stays"
is_in "$(cat "$T/template")" "# Lines starting with # are left out; an empty note removes this one (u in the review brings it back)." "the editor's template says an empty note removes the note"
# a note removed while F shows only the noted items: the selection
# goes to a noted item still shown
NP=$T/np
mkproj "$NP"
review_keys "$NP" c "text:first" Enter j c "text:second" Enter F F F F dump c C-u Enter dump q
is_in "$(screen 1 | grep '^>' | tr -s ' ')" "# p3" "F noted: p3 selected"
is_in "$(screen 2 | grep '^>' | tr -s ' ')" "# p2" "F noted: its note removed, the selection goes to p2"
NEGSIEVE_REVIEW_SIZE=200x60 review_keys "$P" "?" dump q q
is_in "$(screen 1)" "Comment: write or edit the note; saving it empty removes it" "the help says how to remove a note"

# with a cascade: two reasons an item left to people is not offered yet,
# each with its own word in the stage column, in the detail pane and in
# the legend; and what is left is said to be this query's, not the
# queue's (the queue is bigger than the cascade's window)
W=$T/window
mkproj "$W"
db "$W" "INSERT INTO item_auto(query_id, passage_id, verdict, stage, score, pfn, priority, audit) VALUES
 (1, 2, 'review', NULL, NULL, 0.40, 3, 0), (1, 3, 'review', 'llm', NULL, 0.30, -1, 0),
 (1, 4, 'review', NULL, NULL, 0.20, -1, 0), (2, 6, 'tn', 'rank', 0.1, 0.05, -1, 1),
 (2, 7, 'tn', 'rank', 0.1, 0.05, 0, 0), (2, 12, 'review', NULL, NULL, 0.5, 2, 0)"
review_keys "$W" dump j dump j dump ">" dump q
s=$(screen 1)
is_in "$s" ">          1   0.800  0.100  0.40 -     -         p2" "an item offered now: no word in the stage column"
is_in "$s" "           2   0.700  0.200  0.30 held  -         p3" "held: a stage has not scored it"
is_in "$s" "           3   0.600  0.300  0.20 later -         p4" "later: beyond the queue's window"
is_in "$(screen 2)" "held: stage llm has not scored it yet; the next negsieve cascade scores it." "the detail pane says what holds it"
is_in "$(screen 3)" "later: beyond the queue's window; a refit offers it in its turn." "... and what it waits for"
is_in "$(screen 4)" ">          1   0.750  0.050  0.05 later -         p6" "an audit item beyond the window: later too, not told apart"
ok "no 'wait' in the stage column" sh -c "! grep -q ' wait ' \"\$1\"" - "$T/dump"
is_in "$s" "queue 0/8 done (0.0%) | 1 left in query | " "left: the query's one item offered now, said to be the query's (80 columns)"
NEGSIEVE_REVIEW_SIZE=100x30 review_keys "$W" dump q
is_in "$(screen 1 | head -1)" "queue 0/8 done (0.0%) | 1 left in this query | " "... in this query (100 columns)"
NEGSIEVE_REVIEW_SIZE=60x15 review_keys "$W" dump q
is_in "$(screen 1 | head -1)" "0/8 done | 1 left in query | " "... in query (60 columns)"
review_keys "$W" "?" $(i=0; while [ $i -lt 52 ]; do printf 'j '; i=$((i + 1)); done) dump q q
h=$(screen 1)
is_in "$h" "     held    a stage (a command, a judge) has not scored it yet, so the" "the legend explains held"
is_in "$h" "     later   beyond the queue's window (cascade.queue_window): it waits for a" "... and later"

# resize, also while a prompt is open; too small and back
review_keys "$P" resize:59x20 dump resize:100x30 dump "/" "text:termi" resize:120x40 dump resize:70x14 dump resize:80x24 "text:nal" Enter dump q
is_in "$(screen 1)" "Terminal too small: 59x20." "small terminal message"
is_in "$(screen 1 | tr '\n' ' ' | tr -s ' ')" "needs at least 60x15" "says what is needed"
is_in "$(screen 2)" "Q q3:" "recovers when enlarged"
is_in "$(screen 3)" "/termi" "prompt survives a resize"
is_in "$(screen 4)" "Terminal too small: 70x14." "too small while prompting"
is_in "$(screen 5)" "/terminal" "search after resizes"
is_in "$(screen 5)" "> /        1   0.800" "search selects the first hit"
review_keys "$P" "/" "text:terminal" Enter n dump n dump q
is_in "$(screen 1)" "> /        2   0.700" "n: next hit"
is_in "$(screen 2)" "(search wrapped)" "n wraps around"
# a stale full-text index (passage texts imported with --no-fts): the
# search cannot see that text, and says so instead of a bare "Not found"
S=$T/stale
"$NEGSIEVE" init "$S" >/dev/null
printf 'q1\tfirst query about kingdoms\nq2\tsecond query about games\n' >"$T/topics.tsv"
printf 'q1 Q0 d1 1 9.0 r\nq1 Q0 d2 2 8.0 r\nq2 Q0 d3 1 7.0 r\n' >"$T/run.trec"
printf 'd1\tthe aardvark passage\nd2\tzebra crossing text\nd3\tplain words\n' >"$T/coll.tsv"
"$NEGSIEVE" import "$S" --queries "$T/topics.tsv" --run "$T/run.trec" >/dev/null
"$NEGSIEVE" import --no-fts "$S" --corpus "$T/coll.tsv" >/dev/null
flat() { screen "$1" | tr '\n' ' ' | tr -s ' '; }
review_keys "$S" "/" "text:aardvark" Enter dump "/" "text:kingdoms" Enter dump q
is_in "$(flat 1)" "Not found: aardvark. The full-text index is stale: an import with --no-fts or import.fts false added text it lacks, which search cannot find; run 'negsieve mine --method bm25' or import with import.fts true to rebuild it." "stale index: a search that finds nothing says the index lacks text, and how to rebuild it"
is_in "$(flat 2)" "/kingdoms: 0 here, 1 query (search wrapped); the full-text index is stale: text imported with --no-fts or import.fts false is not searched ('negsieve mine --method bm25' rebuilds it)" "stale index: a search that finds something says its hits may be incomplete"
# an import with the index on rebuilds it: found, and no note
"$NEGSIEVE" import --again "$S" --corpus "$T/coll.tsv" >/dev/null
review_keys "$S" "/" "text:aardvark" Enter dump q
is_in "$(flat 1)" "/aardvark: 1 here, 1 query" "index rebuilt: the text is found"
ok "index rebuilt: no stale note" sh -c "! printf '%s' \"\$1\" | grep -q stale" - "$(flat 1)"
NEGSIEVE_REVIEW_SIZE=70x14 review_keys "$P" dump q
is_in "$(screen 1)" "Terminal too small: 70x14." "starts in a small terminal"
NEGSIEVE_REVIEW_SIZE=20x5 review_keys "$P" dump q
is "$(screen 1 | sed 's/ *$//' | tr '\n' '|')" "|Too small (20x5):|needs 60x15. q|quits.||" "a screen too small for the message gets a short one, whole"
NEGSIEVE_REVIEW_SIZE=30x8 review_keys "$P" dump q
is_in "$(screen 1 | tr '\n' ' ' | tr -s ' ')" "Terminal too small: 30x8. negsieve review needs at least 60x15; enlarge the window (q quits)." "... whole when it fits"
is "$rc" 0 "q quits from the too-small screen"

# wide characters and right-to-left text keep the columns aligned
review_keys "$P" ":" "text:q2" Enter dump ":" "text:q3" Enter dump q
is_in "$(screen 1)" "東京の天気は晴れのち曇り" "CJK text shown"
is_in "$(screen 1)" "candidate p6, 24 chars," "length in characters, not bytes"
is_in "$(screen 2)" "الطقس في الإسكندرية معتدل" "Arabic text shown"
widths=$(screen 1 | python3 -c '
import sys, unicodedata
for l in sys.stdin.read().splitlines():
    print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l))' | sort -n | tail -1)
ok "no CJK line is wider than 80 columns ($widths)" test "$widths" -le 80
col=$(screen 1 | grep '東京の天気は' | head -1 | python3 -c '
import sys; l = sys.stdin.read(); print(l.index("東"))')
is "$col" 41 "CJK passage starts in the passage column"

# a 100k-character passage scrolls to its end
set -- ":" "text:q4" Enter dump
i=0; while [ $i -lt 300 ]; do set -- "$@" J; i=$((i + 1)); done
review_keys "$P" "$@" dump q
is_in "$(screen 1)" "candidate p10, 100007 chars, lines 1-15 of 1283" "long passage wrapped"
is_in "$(screen 2)" "THE-END" "its end is reachable with J"

# help is generated from the action table, including remapped keys
review_keys "$P" "?" dump j j j j j j j j j j j j j j j j j j j j dump q dump q
is_in "$(screen 1)" "f                False negative: relabel the candidate as a positive" "help lists fn"
is_in "$(screen 1)" "j, Down          Select the next candidate" "help lists movement"
is_in "$(screen 2)" "q                Quit (every decision is already saved)" "help scrolls to the end"
is_in "$(screen 3)" "Q q3:" "help closes"
is "$(screen 1 | wc -l)" 24 "help: 24 rows at 80x24"
ok "help: no row wider than 80" sh -c "printf '%s\n' \"\$1\" | awk 'length > 80 {bad=1} END{exit bad}'" - "$(screen 1; echo; screen 2)"
is_in "$(screen 1)" "(j/k scroll, any other key closes)" "help says how to scroll"
ok "help: does not fit at once (so it scrolls)" sh -c "! printf '%s' \"\$1\" | grep -q 'Quit (every'" - "$(screen 1)"
printf 'review:\n  keys:\n    n: fn\n    f: none\n' >"$T/keys.yaml"
mkproj "$T/p2" "$T/keys.yaml"
review_keys "$T/p2" "?" dump q n dump q
is_in "$(screen 1)" "n                False negative" "help shows a remapped key"
is "$(db "$T/p2" "SELECT action FROM decision")" "fn" "remapped key decides"
is_in "$(screen 2)" "FN: p2." "remapped key confirmed"
# the scroll hint names the scroll keys as bound
printf 'review:\n  keys:\n    J: none\n    v: scroll-down\n    w: scroll-up\n    K: none\n' >"$T/scroll.yaml"
mkproj "$T/p4" "$T/scroll.yaml"
review_keys "$T/p4" dump q
is_in "$(screen 1)" "candidate p2, 76 chars, lines 1-1 of 1 (v/w)" "scroll hint shows remapped keys"
is_in "$(screen last)" "lines 1-1 of 1 (v/w)" "final screen too"
printf 'review:\n  keys:\n    J: none\n    K: none\n' >"$T/noscroll.yaml"
mkproj "$T/p5" "$T/noscroll.yaml"
review_keys "$T/p5" dump q
ok "no scroll keys: no hint" sh -c "! printf '%s' \"\$1\" | grep -q '(J/K)'" - "$(screen 1)"
is_in "$(screen 1)" "candidate p2, 76 chars, lines 1-1 of 1" "no scroll keys: title without hint"
# init and config refuse an unknown action (tests/cli-init.sh); one
# stored by an older version that took it is refused with its place
mkproj "$T/p3"
db "$T/p3" "INSERT OR REPLACE INTO meta(key, value) VALUES ('config', 'review:
  keys:
    f: frobnicate
')"
review_keys "$T/p3" q
is "$rc" 6 "bad key binding: exit 6"
is "$err" "negsieve: $T/p3/negsieve.db:negsieve.yaml:3:8: review.keys: unknown action 'frobnicate' for key 'f'" "bad key binding: message with its place in the stored configuration"

# an empty project says so
"$NEGSIEVE" init "$T/empty" >/dev/null
review_keys "$T/empty" dump q
is_in "$(screen 1)" "Nothing to review: no query has kept candidates" "empty queue message"
NO_COLOR=1 review_keys "$P" dump q
is_in "$(screen 1)" "Q q3:" "NO_COLOR works"
# scores of one run: a mined run (other scale) over the imported one
mkproj "$T/runs"
db "$T/runs" "INSERT INTO run(id, method, created_at) VALUES (2, 'dense', '2026-01-02T00:00:00Z');
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter) VALUES
 (2, 1, 2, 1, 0.45, NULL), (2, 1, 4, 2, 0.30, NULL), (2, 1, 1, 3, 0.2, 'positive');
INSERT INTO run_positive(run_id, query_id, passage_id, score) VALUES (2, 1, 1, 0.5);"
review_keys "$T/runs" dump q
s=$(screen 1)
is_in "$s" " run 2 dense | queue 0/8 done" "header names the run of the scores"
is_in "$s" "+ p1 0.500: tmux" "positive scored by the same run"
is_in "$s" ">          1   0.450  0.050" "candidate scored by the newest run, gap against its positive"
is_in "$s" "           2   0.300  0.200" "second candidate of the run"
is_in "$s" "           -       -      - -         p3 byobu" "candidate kept only by the older run: no score"
review_keys "$T/runs" G dump q
is_in "$(screen 1)" "not in run 2 (no score)." "detail says the candidate is not in the run"
review_keys "$T/runs" ":" "text:q2" Enter dump q
is_in "$(screen 1)" " run 1 import | queue 0/8 done" "a query only the import run has: its run"
is_in "$(screen 1)" "+ p12 0.800:" "imported positive: teacher score"
"$NEGSIEVE" review --run 1 --help >/dev/null
NEGSIEVE_REVIEW_SIZE=100x30 NEGSIEVE_REVIEW_SCRIPT=/dev/null NEGSIEVE_REVIEW_DUMP="$T/dump" "$NEGSIEVE" review --run 1 "$T/runs" >/dev/null 2>&1
s=$(screen last)
is_in "$s" " run 1 import | queue 0/8 done (0.0%)" "--run 1: the import run"
is_in "$s" "+ p1 0.900: tmux" "--run 1: teacher score of the positive"
is_in "$s" ">          1   0.800  0.100" "--run 1: its scores"
is_in "$s" "           3   0.600  0.300" "--run 1: its third candidate"
NEGSIEVE_REVIEW_SIZE=100x30 NEGSIEVE_REVIEW_SCRIPT=/dev/null NEGSIEVE_REVIEW_DUMP="$T/dump" "$NEGSIEVE" review -r 2 "$T/runs" >/dev/null 2>&1
s=$(screen last)
is_in "$s" "queue 0/2 done (0.0%)" "--run 2: only its kept candidates"
ok "--run 2: the candidate it did not retrieve is not listed" sh -c "! printf '%s' \"\$1\" | grep -q byobu" - "$s"
run "$NEGSIEVE" review --run 9 "$T/runs"
is "$rc" 7 "--run of a missing run: exit 7"
is "$err" "negsieve: no run with id 9" "--run of a missing run: message"
run "$NEGSIEVE" review --run two "$T/runs"
is "$rc" 2 "--run not a number: usage error"
is_in "$err" "negsieve: review: --run: expected an integer >= 1, got 'two'" "--run not a number: message"
db "$T/runs" "INSERT INTO run(id, method, created_at) VALUES (3, 'bm25', '2026-01-03T00:00:00Z')"
NEGSIEVE_REVIEW_SCRIPT=/dev/null NEGSIEVE_REVIEW_DUMP="$T/dump" "$NEGSIEVE" review --run 3 "$T/runs" >/dev/null 2>&1
is_in "$(screen last)" "Nothing to review: run 3 has no kept candidates." "--run of a run without kept candidates"
# passages without an external id are named by their number
mkproj "$T/noxid"
db "$T/noxid" "DELETE FROM passage_xid WHERE passage_id IN (1, 2)"
review_keys "$T/noxid" dump f dump q
is_in "$(screen 1)" "+ #1 0.900: tmux" "positive without external id: its number"
is_in "$(screen 1)" "candidate #2, 76 chars" "candidate without external id: its number"
is_in "$(screen 2)" "FN: #2." "status names it by number"
# texts known by id only, and candidates the imported judgments cover
mkproj "$T/ids"
db "$T/ids" "UPDATE query SET text = NULL WHERE id = 1; UPDATE passage SET text = '', title = '' WHERE id IN (1, 2);
INSERT INTO qrel(query_id, passage_id, grade, score, source_id) VALUES (1, 3, 1, NULL, 1), (1, 4, 0, NULL, 1);"
review_keys "$T/ids" dump q
s=$(screen 1)
is_in "$s" "Q q1: (no text: known by its id only)" "query without text says so"
is_in "$s" "+ p1 0.900 (+more): (no text: known by its id only)" "positive without text says so"
is_in "$s" ">          1   0.800  0.100 -         p2 (no text)" "candidate without text: its id in the list"
is_in "$s" "           2   0.700  0.200 (pos)     p3 byobu" "candidate judged relevant by the import"
is_in "$s" "           3   0.600  0.300 (neg)     p4 vim" "candidate judged non-relevant by the import"
is_in "$s" "candidate p2, 0 chars, lines 1-1 of 1" "detail title of a text-less candidate"
is_in "$s" "(no text: known by its id only)" "detail of a text-less candidate"
# near-duplicates flagged by mining: marked in the sig column and named
# in the detail pane, within 80 columns
mkproj "$T/dup"
db "$T/dup" "UPDATE candidate SET flag = 'near_duplicate', dup_sim = 0.987 WHERE query_id = 1 AND passage_id = 3;
UPDATE candidate SET dup_sim = 0.5 WHERE query_id = 1 AND passage_id = 2"
review_keys "$T/dup" dump j dump q
s=$(screen 1)
is_in "$s" ">          1   0.800  0.100 -         p2 screen" "unflagged candidate: no marker"
is_in "$s" "    d      2   0.700  0.200 -         p3 byobu" "near-duplicate marked d"
is_in "$(screen 2)" "d near-duplicate of the positive (similarity 0.99)." "the detail pane names the near-duplicate, uncut"
is_in "$(screen 2)" "candidate p3, 76 chars, lines 1-2 of 2 (J/K)" "and its title is whole"
ok "80 columns: no line wider" sh -c "awk 'length > 80 {bad=1} END{exit bad}' \"\$1\"" - "$T/dump"
ok "unflagged: no near-duplicate in its title" sh -c "! printf '%s' \"\$1\" | grep -q near-dup" - "$s"
NEGSIEVE_REVIEW_SIZE=120x30 review_keys "$T/dup" j dump q
is_in "$(screen 1)" "candidate p3, 76 chars, lines 1-2 of 2 (J/K)" "wider: the same title"
NEGSIEVE_REVIEW_SIZE=60x15 review_keys "$T/dup" j dump q
is_in "$(screen 1)" "d near-duplicate of the positive (similarity 0.99)." "60x15: the near-duplicate is named"
is_in "$(screen 1)" ">   d    0.700  0.200 -         p3 byobu" "60x15: the sig column stays, rank goes"
ok "60 columns: no line wider" sh -c "awk 'length > 60 {bad=1} END{exit bad}' \"\$1\"" - "$T/dump"
# S: the statistics screen shows what negsieve stats prints (labels,
# agreement and pace), any other key closes it
review_keys "$P" S dump j q dump q
is_in "$(screen 1)" "negsieve review: statistics" "S opens the statistics screen"
stats_out=$("$NEGSIEVE" stats "$P")
is_in "$(screen 1)" "$(printf '%s\n' "$stats_out" | grep '^labelled')" "with the labels line of negsieve stats"
is_in "$(screen 1)" "agreement" "and the agreement section"
ok "a key closes it: the queue is back" sh -c "! printf '%s' \"\$1\" | grep -q 'statistics'" - "$(screen 2)"
done_testing
