#!/bin/sh
# cli-cascade-hidden.sh - the labels of the audit slice keep counting
# when a filter hides their candidates: `mine --refilter` makes a
# candidate people labelled a false negative a positive (no kept
# candidate any more), and a new `mine` does not keep it either.  The
# estimate (stats), the fit and the review's background refit once
# counted only the labels of kept candidates: every false negative people
# had found left the audit slice, its true negatives stayed, and a
# routine refilter turned "51% false negatives left, from 120 audit
# labels (62 FN)" into "0.0% ... from 58 audit labels (0 FN)", a fit
# certified a threshold that kept everything, and the cascade auto-kept
# every candidate (explore6, finding 1).
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample
[ -f "$S/debian-descriptions/corpus.jsonl" ] || skip_all "no $S/debian-descriptions"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
command -v python3 >/dev/null || skip_all "no python3"
# the demo's cascade (audit share 0.25, 80% confidence); the review
# refits after every decision; the queue places every audit item (no
# window), so its priorities give the audit order
{ sed 's/refit_every: 5/refit_every: 1\n  queue_window: 0/' "$S/demo.yaml"
  printf 'review:\n  allow_annotator_override: true\n'; } >"$T/c.yaml"
P=$T/p
"$NEGSIEVE" init -c "$T/c.yaml" "$P" >/dev/null
"$NEGSIEVE" import "$P" "$S/debian-descriptions" >/dev/null
# every candidate of ranks 1..5 kept: a refilter brings no new one in
# (it would join the audit slice unlabelled, and hold the labels after
# it back: see negsieve(7))
"$NEGSIEVE" mine --range-max 5 --num-negatives 0 "$P" >/dev/null
"$NEGSIEVE" cascade "$P" >/dev/null
q() { sqlite3 "$P/negsieve.db" "$1"; }
# the first 120 audit items in audit order labelled, about half of them
# false negatives (as the report's random keys), and 60 other items
# labelled false negatives (the likeliest ones, as review offers them)
q "INSERT INTO annotator(name, created_at) VALUES ('alice', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 SELECT query_id, passage_id, 1,
   CASE WHEN passage_id % 2 = 0 THEN 'fn' ELSE 'tn' END, 'now'
 FROM item_auto WHERE audit = 1 ORDER BY priority DESC LIMIT 120;
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 SELECT query_id, passage_id, 1, 'fn', 'now'
 FROM item_auto WHERE audit = 0 ORDER BY query_id, passage_id LIMIT 60;"
is "$(q "SELECT l.label, count(*) FROM item_label l JOIN item_auto a
  USING (query_id, passage_id) WHERE a.audit = 1 GROUP BY 1" | tr '\n' ' ')" \
   "fn|62 tn|58 " "the audit labels: 62 FN, 58 TN"
# "audit_labels audit_fn fn_rate" of stats --json
est() {
	"$NEGSIEVE" stats --json "$1" | python3 -c 'import json, sys
e = json.load(sys.stdin)["estimate"]
print(e["audit_labels"], e["audit_fn"], "%.3f" % e["fn_rate"])'
}
# the fit's report up to its P(FN) line (the funnel after it counts
# the kept candidates), without its version number nor the line saying
# it is the newest version over again (a fit on the same decisions
# with the same result adds none)
fitted() {
	"$NEGSIEVE" fit "$1" | grep -v '^unchanged: cascade version' |
		sed -n 's/^fit [0-9]*:/fit:/; 1,/^P(FN)/p'
}
before=$(est "$P")
is "${before% *}" "120 62" "before: the estimate counts the 120 audit labels, 62 FN"
fit_before=$(fitted "$P")
is_in "$fit_before" "fit: 180 labels (120 in the audit slice certify thresholds)" \
   "before: the fit counts them"
cp -R "$P" "$T/m"

run "$NEGSIEVE" mine --refilter "$P"
is_in "$out" "Left out 122 candidates" "the refilter left the 122 false negatives out"
is "$(q "SELECT count(*) FROM item_label l JOIN candidate c
  USING (query_id, passage_id) WHERE l.label = 'fn'")" 0 \
   "no candidate labelled FN is kept any more"
is "$(est "$P")" "$before" \
   "after the refilter: the same estimate, from the same 120 audit labels (62 FN)"
is "$(fitted "$P")" "$fit_before" \
   "after the refilter: the fit counts the same labels and certifies nothing more"
run "$NEGSIEVE" cascade "$P"
is_in "$out" "(0 auto-kept as true negatives" \
   "the cascade keeps nothing automatically"
is_in "$out" "people: 12353 of 12353 items" \
   "the cascade routes the kept candidates only"
is "$(q "SELECT count(*) FROM item_auto a JOIN item_label l
  USING (query_id, passage_id) WHERE l.label = 'fn'")" 0 \
   "no verdict for a false negative the refilter left out"
run "$NEGSIEVE" export -o "$T/out.jsonl" "$P"
is_in "$out" "false negatives   122 found (122 by people" \
   "export finds the 122 false negatives"

# the review's background refit (cascade.refit_every: 1) after a
# decision: the same labels certify
nfit=$(q "SELECT max(id) FROM cascade_fit")
printf 'x\nq\n' >"$T/keys"
NEGSIEVE_REVIEW_SIZE=160x40 NEGSIEVE_REVIEW_SCRIPT=$T/keys \
	"$NEGSIEVE" review --annotator bob "$P" >/dev/null 2>&1
i=0
while [ "$(q "SELECT count(*) FROM cascade_fit WHERE id > $nfit AND origin = 'review'")" = 0 ] &&
      [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
is "$(q "SELECT json_extract(thresholds, '\$[0].lo_why') || ' ' ||
  coalesce(json_extract(thresholds, '\$[0].lo'), '-inf')
  FROM cascade_fit WHERE id > $nfit AND origin = 'review'")" \
   "too few labels to loosen -inf" \
   "the review's refit does not loosen near_duplicate on the true negatives alone"

# a new mine (run 2, the same settings): the false negatives are
# positives there, and only run 1 keeps them
run "$NEGSIEVE" mine --range-max 5 --num-negatives 0 "$T/m"
is "$rc" 0 "a new mine"
is "$(est "$T/m")" "$before" \
   "after a new mine: the same estimate, from the same audit labels"
is "$(fitted "$T/m")" "$fit_before" "after a new mine: the same fit"
done_testing
