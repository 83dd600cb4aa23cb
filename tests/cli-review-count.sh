#!/bin/sh
# cli-review-count.sh - the review header's counts while a session goes
# on: "queue N/M done" counts what `queue list` counts as final, after
# every decision and undo (x, X, f, d, D, u) on items that need several
# annotators and on the others; and "N decisions" (the quit line too)
# counts the labels made and not undone, not skips, notes or their
# undos.  They once drifted within a session: an overlap item's own,
# non-final label was counted as done and its undo did not take it back
# (0 -> 1 -> 3 -> 2 -> 2 with nothing final); the undo of a dropped
# passage took 1 off the 7 its drop added; the conflicts queue read
# "2/1 done" after a decision on an item in no conflict; undoing a note
# or a skip took a decision off.
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample/debian-descriptions
[ -f "$S/corpus.jsonl" ] || skip_all "no $S"
printf 'review: {overlap: 2, overlap_share: 0.5, adjudicators: carol, allow_annotator_override: true}\n' >"$T/team.yaml"
printf 'review:\n  allow_annotator_override: true\n' >"$T/solo.yaml"
for p in team solo; do
	"$NEGSIEVE" init -c "$T/$p.yaml" "$T/$p" >/dev/null
	"$NEGSIEVE" import "$T/$p" "$S" >/dev/null
	"$NEGSIEVE" mine "$T/$p" >/dev/null
done
# review PROJECT ANNOTATOR KEY...: a scripted session (extra arguments
# to review in $opts); $out is its quit line without time and rate,
# $T/heads the "queue N/M
# done | ... | D decisions" of each screen dumped, one "N/M D" a line,
# all on one line
review() {
	_p=$1 _who=$2; shift 2
	printf '%s\n' "$@" q >"$T/keys"
	NEGSIEVE_REVIEW_SIZE=160x40 NEGSIEVE_REVIEW_SCRIPT=$T/keys \
		NEGSIEVE_REVIEW_DUMP=$T/dump "$NEGSIEVE" review ${opts:-} \
		--annotator "$_who" "$T/$_p" >"$T/out" 2>/dev/null
	out=$(sed 's/ in [0-9:]* ([0-9]*\/h)//' "$T/out")
	awk '/^=== screen /{getline; n = split($0, f, "|"); d = ""; q = ""
		for (i = 1; i <= n; i++) {
			if (f[i] ~ /queue [0-9]+\/[0-9]+ done/) { q = f[i]; sub(/.*queue /, "", q); sub(/ done.*/, "", q) }
			if (f[i] ~ / decisions,/) { d = f[i]; sub(/.*: /, "", d); sub(/ decisions.*/, "", d) }
		}
		printf "%s%s %s", (s++ ? ", " : ""), q, d } END { print "" }' \
		"$T/dump" >"$T/heads"
}
heads() { cat "$T/heads"; }
# the final items of the all queue, as queue list counts them
final() {
	"$NEGSIEVE" queue list "$T/$1" | awk '$1 == "all" { print $3 }'
}
# the header's last "queue N/M done": N
last_done() { sed 's/.*, //; s/\/.*//' "$T/heads"; }

# --- items that need two annotators (q:7kaa: 7kaa-data and
# python3-hnswlib need two, ktorrent-data one)
cp -a "$T/team" "$T/t1"
review t1 alice dump x dump X dump u dump u
is "$(heads)" "0/9000 0, 0/9000 1, 1/9000 3, 0/9000 1, 0/9000 0" \
	"overlap: x on an item two must decide is not done; X counts the one item it made final; each u takes back what its key added"
is "$(final t1)" 0 "... nothing final, as queue list says"
is "$out" "negsieve: review: 0 decisions; 9000 of 9000 items left in the queue." \
	"... and the quit line"

# two annotators disagree on q:7kaa-data/7kaa: a conflict, not final
cp -a "$T/team" "$T/t2"
review t2 carol : text:q:7kaa-data Enter f
review t2 alice : text:q:7kaa-data Enter dump x dump X
is "$(heads)" "0/9000 0, 0/9000 1, 2/9000 3" \
	"overlap: alice TN against carol's FN is a conflict, not done; X makes the other two final"
is "$(last_done)" "$(final t2)" "... the header says what queue list says"

# the adjudicator on the conflicts queue: her own progress (conflicts
# settled of all there were), whatever else she labels
opts="--queue conflicts"
review t2 carol dump f dump : text:q:7kaa Enter G x dump u dump u
opts=
is "$(heads)" "0/1 0, 1/1 1, 1/1 2, 1/1 1, 0/1 0" \
	"conflicts queue: settling the conflict counts, a label on an item in none does not, and undoing either takes back what it added"

# --- a dropped passage changes its items in every query it is in; a
# dropped query all its items
cp -a "$T/solo" "$T/s1"
review s1 alice : text:q:accounts-qml-module-doc Enter j dump d dump idle dump u dump idle
is "$(heads)" "0/9000 0, 7/9000 1, 7/9000 1, 0/9000 0, 0/9000 0" \
	"d: a passage in 7 queries is 7 items done; its undo takes back all 7"
is "$(final s1)" 0 "... nothing final, as queue list says"
review s1 alice dump D y dump u
is "$(heads)" "0/9000 0, 3/9000 1, 0/9000 0" \
	"D: a dropped query's 3 items done, and undone"
review s1 alice t j t \; x dump u
is "$(heads)" "2/9000 2, 0/9000 0" "; on two tagged items, and its undo"

# --- "N decisions": labels in force; skips, notes and their undos are
# none
cp -a "$T/solo" "$T/s2"
review s2 alice x dump c text:hi Enter dump u dump Space dump u dump x
is "$(heads)" "1/9000 1, 1/9000 1, 1/9000 1, 1/9000 1, 1/9000 1, 2/9000 2" \
	"a note, its undo, a skip and its undo leave the decisions as they were"
is "$out" "negsieve: review: 2 decisions; 8998 of 9000 items left in the queue." \
	"the quit line counts what the header counts"
is "$(final s2)" 2 "... and queue list too"
NEGSIEVE_REVIEW_ACK=$T/ack review s2 alice Space x
is "$out" "negsieve: review: 1 decisions; 8997 of 9000 items left in the queue." \
	"Space and x: one decision"
is "$(awk '{ print $4, $5 }' "$T/ack")" "skip 0
tn 1" "... and the acknowledgements count as the header (NEGSIEVE_REVIEW_ACK)"
done_testing
