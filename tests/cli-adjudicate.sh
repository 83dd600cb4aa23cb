#!/bin/sh
# cli-adjudicate.sh - overlap review and adjudication from the command
# line: two annotators label the same item apart (each without seeing the
# other's label), and the adjudicator working the conflicts queue sees
# both labels in the detail pane before settling it, and the conflicts
# queue's own progress in the header.  stats and queue
# list count the items each annotator labelled alike (they disagreed
# once: stats counted only final labels, each for one annotator).
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample/debian-descriptions
[ -f "$S/corpus.jsonl" ] || skip_all "no $S"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
printf 'review:\n  overlap: 2\n  overlap_share: 1.0\n  adjudicators: carol\n  allow_annotator_override: true\n' >"$T/ov.yaml"
P=$T/p
"$NEGSIEVE" init -c "$T/ov.yaml" "$P" >/dev/null
"$NEGSIEVE" import "$P" "$S" >/dev/null
"$NEGSIEVE" mine "$P" >/dev/null
printf 'x\nq\n' >"$T/a"
printf 'f\nq\n' >"$T/b"
printf 'dump\nq\n' >"$T/c"
# review SESSION-KEYS ANNOTATOR [ARGS]: a scripted session, its screen
# dumped to $T/dump.ANNOTATOR
review() {
	NEGSIEVE_REVIEW_SIZE=160x40 NEGSIEVE_REVIEW_SCRIPT=$1 \
		NEGSIEVE_REVIEW_DUMP=$T/dump.$2 "$NEGSIEVE" review --annotator "$2" \
		${3:+"$3"} ${4:+"$4"} "$P" >/dev/null 2>&1
}
review "$T/a" alice
printf 'dump\nq\n' >"$T/bdump"
review "$T/bdump" bob
ok "bob does not see alice's label before deciding" sh -c "! grep -q 'alice' '$T/dump.bob'"
review "$T/b" bob
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM item_conflict")" 1 "alice TN and bob FN on one item: a conflict"
# per_annotator: "name n ..." of stats (text and --json, also its team
# part) and of queue list (text and --json, the all queue): one count of
# the items each labelled, whatever prints it
per_annotator() {
	"$NEGSIEVE" stats "$P" | awk '/^  [a-z]+ +[0-9]+ items \(/ { printf "%s %s ", $1, $2 }'; echo
	"$NEGSIEVE" stats --json "$P" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(" ".join("%s %d" % (a["name"], a["labelled"]) for a in d["annotators"]) + " "); print(" ".join("%s %d" % (a["name"], a["labelled"]) for a in d["team"]["annotators"]) + " ")'
	"$NEGSIEVE" queue list "$P" | awk '$1 == "all" { for (i = 5; i <= NF; i++) { sub(",", "", $i); printf "%s ", $i } print "" }'
	"$NEGSIEVE" queue list --json "$P" | python3 -c 'import json, sys; q = json.load(sys.stdin)["queues"][0]; print(" ".join("%s %d" % kv for kv in sorted(q["labelled_by"].items())) + " ")'
}
three() { printf '%s\n%s\n%s\n%s\n%s\n' "$1" "$1" "$1" "$1" "$1"; }
is "$(per_annotator)" "$(three "alice 1 bob 1 ")" "overlap: stats and queue list count the item alice and bob labelled for each, though it is not final"
is_in "$("$NEGSIEVE" stats "$P")" "labelled    0 items" "... while stats' total counts final labels"
is_in "$("$NEGSIEVE" stats "$P")" "(per annotator: the items each labelled, final or not; shared ones count for each)" "... and says the difference"
review "$T/c" carol --queue conflicts
is_in "$(cat "$T/dump.carol")" "conflict: alice tn, bob fn." "the adjudicator sees both labels"
is_in "$(cat "$T/dump.carol")" "queue 0/1 done (0.0%), 1 queries" "... and the conflicts queue's progress, not the project's"
printf 'f\nq\n' >"$T/cf"
review "$T/cf" carol --queue conflicts
review "$T/c" carol --queue conflicts
is_in "$(cat "$T/dump.carol")" "queue 1/1 done (100.0%)" "settled: the conflicts queue is done"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM item_label WHERE label = 'fn'")" 1 "carol settles it: FN"
is "$(per_annotator)" "$(three "alice 1 bob 1 carol 1 ")" "adjudicated: carol's adjudication counts for her, everywhere"
done_testing
