#!/bin/sh
# cli-mine-publish.sh - a refilter rewrites only the queries whose kept
# candidates change (it used to delete and store the whole run again,
# holding the project's write lock all along: 11 s for 50k queries),
# and what it stores is what a fresh mine with the same decisions and
# settings stores: with no change nothing is rewritten (the rows keep
# their ids), after one decision only that query's rows are new, after
# new settings every query's are.
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample/debian-descriptions
[ -f "$S/corpus.jsonl" ] || skip_all "no $S"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
"$NEGSIEVE" import "$P" "$S" >/dev/null
"$NEGSIEVE" mine --num-negatives 4 "$P" >/dev/null
# a later run, so that rows written again get ids above its own
"$NEGSIEVE" mine --method bm25 --num-negatives 1 "$P" >/dev/null
q() { sqlite3 "$1/negsieve.db" "$2"; }
# the kept rows of run $2 of project $1 and its positives' scores, with
# their ids ($3 = id) or without
rows() {
	q "$1" "SELECT ${3:+id,} query_id, passage_id, rank, score, dup_sim,
		flag FROM candidate WHERE run_id = $2 ORDER BY query_id, rank;
		SELECT query_id, passage_id, score FROM run_positive
		WHERE run_id = $2 ORDER BY query_id, passage_id"
}
# a copy of the project as it is now (its vectors too)
snap() { rm -rf "$T/$1"; cp -r "$P" "$T/$1"; }
rows "$P" 1 id >"$T/before"
ok "the run keeps candidates" test "$(wc -l <"$T/before")" -gt 1000

run "$NEGSIEVE" mine --refilter --run 1 "$P"
is "$rc" 0 "refilter with nothing changed"
rows "$P" 1 id >"$T/after"
ok "nothing changed: every row as it was, ids too" cmp -s "$T/before" "$T/after"

# one decision: the first kept candidate of query 1 is a false negative,
# by the log as the review writes it
qid=$(q "$P" "SELECT min(query_id) FROM candidate")
pid=$(q "$P" "SELECT passage_id FROM candidate WHERE query_id = $qid ORDER BY rank LIMIT 1")
q "$P" "INSERT INTO annotator(name, created_at) VALUES ('ann', 'now');
	INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	VALUES ($qid, $pid, (SELECT id FROM annotator WHERE name = 'ann'),
		'fn', 'now')"
snap fresh
run "$NEGSIEVE" mine --refilter --run 1 "$P"
is "$rc" 0 "refilter after one decision"
rows "$P" 1 id >"$T/after"
is "$(diff "$T/before" "$T/after" | sed -n 's/^[<>] [0-9]*|\([0-9]*\)|.*/\1/p' | sort -u | tr '\n' ' ')" \
   "$qid " "only the decided query's rows were rewritten"
is "$(q "$P" "SELECT count(*) FROM candidate WHERE run_id = 1 AND query_id = $qid AND passage_id = $pid")" \
   0 "the false negative is no kept negative any more"
# the oracle: a new run of the copy, mined with the decision already made
"$NEGSIEVE" mine --num-negatives 4 "$T/fresh" >/dev/null
is "$(q "$T/fresh" "SELECT max(id) FROM run")" 3 "the copy mined a third run"
rows "$T/fresh" 3 >"$T/want"
rows "$P" 1 >"$T/got"
ok "the refiltered run stores what a fresh mine stores" cmp -s "$T/want" "$T/got"

# new settings: every query's rows change, as a fresh mine has them
snap fresh2
run "$NEGSIEVE" mine --refilter --run 1 --num-negatives 2 "$P"
is "$rc" 0 "refilter with new settings"
"$NEGSIEVE" mine --num-negatives 2 "$T/fresh2" >/dev/null
rows "$T/fresh2" 3 >"$T/want"
rows "$P" 1 >"$T/got"
ok "new settings: as a fresh mine with them" cmp -s "$T/want" "$T/got"
is "$(q "$P" "SELECT max(c) FROM (SELECT count(*) c FROM candidate WHERE run_id = 1 GROUP BY query_id)")" \
   2 "at most 2 kept per query"
# and back: a refilter that leaves out fewer writes them again
run "$NEGSIEVE" mine --refilter --run 1 --num-negatives 4 "$P"
rows "$P" 1 >"$T/got"
rows "$T/fresh" 3 >"$T/want"
ok "back to 4: as the fresh mine with 4" cmp -s "$T/want" "$T/got"
is "$(q "$P" "PRAGMA integrity_check")" ok "integrity"

# overlap: every kept item needs two annotators; a refilter that
# replaces the rows of the query with the highest ids writes the new ones
# with those very ids, and the review's sync of item_need must still see
# the new item (it went by max(id) alone)
printf 'review:\n  overlap: 2\n  overlap_share: 1.0\n' >"$T/o.yaml"
O=$T/o
"$NEGSIEVE" init -c "$T/o.yaml" "$O" >/dev/null
"$NEGSIEVE" import "$O" "$S" >/dev/null
"$NEGSIEVE" mine --num-negatives 3 "$O" >/dev/null
printf 'q\n' >"$T/quit"
sync_need() {
	NEGSIEVE_REVIEW_SCRIPT="$T/quit" "$NEGSIEVE" review "$O" >/dev/null 2>&1
}
unneeded() {
	q "$O" "SELECT count(*) FROM candidate c WHERE filter IS NULL AND
		NOT EXISTS (SELECT 1 FROM item_need n WHERE
		n.query_id = c.query_id AND n.passage_id = c.passage_id)"
}
sync_need
is "$(unneeded)" 0 "overlap 1.0: every kept item needs two annotators"
max=$(q "$O" "SELECT max(id) FROM candidate")
ql=$(q "$O" "SELECT query_id FROM candidate WHERE id = $max")
pl=$(q "$O" "SELECT passage_id FROM candidate WHERE query_id = $ql ORDER BY rank LIMIT 1")
# two annotators agree: a false negative
q "$O" "INSERT INTO annotator(name, created_at) VALUES ('ann', 'now'),
		('bob', 'now');
	INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	SELECT $ql, $pl, id, 'fn', 'now' FROM annotator
	WHERE name IN ('ann', 'bob')"
"$NEGSIEVE" mine --refilter "$O" >/dev/null
is "$(q "$O" "SELECT count(*) FROM candidate WHERE query_id = $ql AND passage_id = $pl")" 0 \
   "the false negative is no kept negative any more"
is "$(q "$O" "SELECT max(id) FROM candidate")" "$max" \
   "the refilter wrote the last query's rows again under the same ids"
sync_need
is "$(unneeded)" 0 "... and the item it brought in needs two annotators too"
done_testing
