#!/bin/sh
# cli-review-refilter.sh - an item a person decided stays in the queue,
# decided, when a refilter (or a merge, or a new mine) applies the
# decision and no run keeps it any more: the review header's progress
# does not go down, and the header, queue list and stats count the same
# items (they once disagreed: the false negatives a refilter left out
# fell out of the header and of queue list, not of stats, and the
# refill made the queue's "done" go down).
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample/debian-descriptions
[ -f "$S/corpus.jsonl" ] || skip_all "no $S"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
command -v python3 >/dev/null || skip_all "no python3"
printf 'review:\n  allow_annotator_override: true\n' >"$T/c.yaml"
P=$T/p
"$NEGSIEVE" init -c "$T/c.yaml" "$P" >/dev/null
"$NEGSIEVE" import "$P" "$S" >/dev/null
"$NEGSIEVE" mine "$P" >/dev/null
# review ANNOTATOR KEY...: a scripted session; its last header line is
# in $T/head
review() {
	_who=$1; shift
	printf '%s\n' "$@" dump q >"$T/keys"
	NEGSIEVE_REVIEW_SIZE=160x40 NEGSIEVE_REVIEW_SCRIPT=$T/keys \
		NEGSIEVE_REVIEW_DUMP=$T/dump "$NEGSIEVE" review \
		--annotator "$_who" "$P" >/dev/null 2>&1
	awk '/^=== screen /{getline; h = $0} END{print h}' "$T/dump" >"$T/head"
}
# the header's "queue N/M done"
progress() {
	sed -n 's/.*| queue \([0-9]*\/[0-9]*\) done.*/\1/p' "$T/head"
}
# "items final waiting name n ..." of the all queue, from queue list's
# text and --json, then stats' labelled total and "name n ..." of its
# text and --json: one count, whatever prints it
counts() {
	"$NEGSIEVE" queue list "$P" | awk '$1 == "all" { printf "%s %s %s", $2, $3, $4; for (i = 5; i <= NF; i++) { sub(",", "", $i); printf " %s", $i } print "" }'
	"$NEGSIEVE" queue list --json "$P" | python3 -c 'import json, sys; q = json.load(sys.stdin)["queues"][0]; print(q["items"], q["final"], q["waiting"], " ".join("%s %d" % kv for kv in sorted(q["labelled_by"].items())))'
	"$NEGSIEVE" stats "$P" | awk '/^labelled / { printf "%s", $2 } /^  [a-z]+ +[0-9]+ items \(/ { printf " %s %s", $1, $2 } END { print "" }'
	"$NEGSIEVE" stats --json "$P" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(sum(d["labels"].values()), " ".join("%s %d" % (a["name"], a["labelled"]) for a in d["annotators"]))'
}
# alice: two false negatives and a true negative in the first query;
# bob a true negative
review alice f Tab f Tab x
review bob x
before=$(progress)
is "$before" "4/9000" "before: 4 of 9000 items decided"
is "$(counts)" "9000 4 8996 alice 3 bob 1
9000 4 8996 alice 3 bob 1
4 alice 3 bob 1
4 alice 3 bob 1" "before: queue list and stats agree"
run "$NEGSIEVE" mine --refilter "$P"
is_in "$out" "Left out 2 candidates" "the refilter leaves out alice's two false negatives"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM candidate c JOIN decision d ON d.query_id = c.query_id AND d.passage_id = c.passage_id WHERE d.action = 'fn'")" 0 "... no run keeps them"
review alice
is "$(awk '/^=== screen 1 /{s = 1; next} /^=== screen /{s = 0} s && /^ .* gone FN  /' "$T/dump" | wc -l)" 2 "the false negatives no run keeps are listed in their query, marked gone"
is "$(progress)" "4/9002" "after: still 4 decided, of 9002 (the two new negatives that took their places)"
is "$(counts)" "9002 4 8998 alice 3 bob 1
9002 4 8998 alice 3 bob 1
4 alice 3 bob 1
4 alice 3 bob 1" "after: queue list and stats agree with the header"
NEGSIEVE_REVIEW_SIZE=160x40 NEGSIEVE_REVIEW_SCRIPT=$T/keys \
	NEGSIEVE_REVIEW_DUMP=$T/dump "$NEGSIEVE" review --run 1 \
	--annotator alice "$P" >/dev/null 2>&1
awk '/^=== screen /{getline; h = $0} END{print h}' "$T/dump" >"$T/head"
is "$(progress)" "4/9002" "review --run 1 counts them too"
# undoing a false negative no run keeps: the item has no label and no
# run any more, so it leaves the queue (a refilter takes it back)
review alice u u
is "$(progress)" "2/9001" "alice undoes her true negative and a false negative: 2 of 9001"
is "$(counts)" "9001 2 8999 alice 1 bob 1
9001 2 8999 alice 1 bob 1
2 alice 1 bob 1
2 alice 1 bob 1" "... and queue list and stats say the same"
done_testing
