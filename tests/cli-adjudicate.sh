#!/bin/sh
# cli-adjudicate.sh - overlap review and adjudication from the command
# line: two annotators label the same item apart (each without seeing the
# other's label), and the adjudicator working the conflicts queue sees
# both labels in the detail pane before settling it.
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
review "$T/c" carol --queue conflicts
is_in "$(cat "$T/dump.carol")" "conflict: alice tn, bob fn." "the adjudicator sees both labels"
done_testing
