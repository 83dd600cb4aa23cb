#!/bin/sh
# cli-cascade.sh - negsieve cascade, fit and config on a generated
# project: the funnel, thresholds certified by audit labels only, the
# history and the estimate in stats, the review screen's columns, and
# the refusals.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/cascade-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
P=$T/p
db() { sqlite3 "$P/negsieve.db" "$@"; }

run "$NEGSIEVE" init "$P"
is "$rc" 0 "init"
run "$NEGSIEVE" cascade "$P"
is "$rc" 3 "cascade without candidates: bad input"
is "$err" "negsieve: $P: nothing to route: no kept candidates (import negatives or run negsieve mine first)" "and says what to do"

# 400 queries x 5 kept candidates, near-duplicate similarity spread over
# [0, 1); a candidate is a false negative iff it is above 0.7
gen() { cascade_gen "$1/negsieve.db" 400; }
gen "$P"
is "$(db "SELECT count(*) FROM candidate")" 2000 "2000 kept candidates"

cat >"$T/c.yaml" <<'YAML'
cascade:
  audit_share: 0.5
  # every waiting item offered: by priority, audit items in audit order
  queue_window: 0
  stages:
    - scorer: near_duplicate
    - scorer: rank
YAML
run "$NEGSIEVE" config "$P" "$T/c.yaml"
is "$rc" 0 "config stores a cascade"
run "$NEGSIEVE" config "$P"
is_in "$out" "scorer: near_duplicate" "config prints it back"
run "$NEGSIEVE" cascade "$P"
is "$rc" 0 "cascade runs"
is_in "$out" "near_duplicate   near_duplicate      -inf       inf      2000         0         0      2000" "funnel: nothing decided before any label"
is_in "$out" "people: 2000 of 2000 items, 0 already decided, 2000 left" "everything goes to people"
is_in "$out" "cascade version 1 (new: the first cascade of the project): 2000 candidates routed" "version 1, new"
is "$(db "SELECT count(*) FROM item_auto WHERE verdict = 'review'")" 2000 "verdicts stored"
audit=$(db "SELECT count(*) FROM item_auto WHERE audit = 1")
ok "about half in the audit slice ($audit)" test "$audit" -gt 900 -a "$audit" -lt 1100

# an annotator labels 300 items outside the audit slice: no loosening
label() {
	db "INSERT OR IGNORE INTO annotator(name, created_at) VALUES ('sim', 'now');
	INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	SELECT a.query_id, a.passage_id, (SELECT id FROM annotator WHERE name = 'sim'),
	  CASE WHEN c.dup_sim > 0.7 THEN 'fn' ELSE 'tn' END, 'now'
	FROM item_auto a JOIN candidate c ON c.query_id = a.query_id AND c.passage_id = a.passage_id
	WHERE a.audit = $1 AND NOT EXISTS (SELECT 1 FROM item_label l
	  WHERE l.query_id = a.query_id AND l.passage_id = a.passage_id)
	ORDER BY a.priority DESC LIMIT $2"
}
label 0 300
run "$NEGSIEVE" fit "$P"
is "$rc" 0 "fit"
is_in "$out" "fit 2: 300 labels (0 in the audit slice certify thresholds)" "labels outside the audit slice certify nothing"
is_in "$out" "near_duplicate (near_duplicate): keep below -inf too few labels to loosen; flag above inf too few labels to loosen" "so nothing is loosened"
is_in "$out" "P(FN): logistic model on 300 labels" "but they train P(FN)"
is_in "$out" "people: 2000 of 2000 items, 300 already decided, 1700 left (" "the funnel says how many of people's items they decided"
# ... then 300 audit labels: certified thresholds
label 1 300
run "$NEGSIEVE" fit "$P"
is_in "$out" "fit 3: 600 labels (300 in the audit slice certify thresholds)" "audit labels certify"
lo=$(db "SELECT json_extract(thresholds, '\$[0].lo') FROM cascade_fit WHERE id = 3")
hi=$(db "SELECT json_extract(thresholds, '\$[0].hi') FROM cascade_fit WHERE id = 3")
ok "keep threshold certified near 0.7 ($lo)" awk "BEGIN { exit !($lo > 0.6 && $lo <= 0.71) }"
ok "flag threshold certified near 0.7 ($hi)" awk "BEGIN { exit !($hi > 0.6 && $hi < 0.8) }"
hib=$(db "SELECT json_extract(thresholds, '\$[0].hi_bound') FROM cascade_fit WHERE id = 3")
ok "its precision bound is at least 90% ($hib)" awk "BEGIN { exit !($hib >= 0.9) }"
bound=$(db "SELECT json_extract(thresholds, '\$[0].lo_bound') FROM cascade_fit WHERE id = 3")
ok "its FN-rate bound is within 2% ($bound)" awk "BEGIN { exit !($bound <= 0.02) }"
is "$(db "SELECT count(*) FROM item_auto WHERE verdict = 'tn' AND fit_id = 3 AND stage = 'near_duplicate'")" \
   "$(db "SELECT count(*) FROM candidate WHERE dup_sim < $lo")" "every candidate below lo auto-kept, under version 3"
is "$(db "SELECT count(*) FROM item_auto a JOIN candidate c USING (query_id, passage_id) WHERE a.verdict = 'tn' AND c.dup_sim > 0.7")" 0 \
   "no false negative auto-kept"

# a version is a set of thresholds: the cascade after a fit keeps the
# fit's and says where they come from
run "$NEGSIEVE" cascade "$P"
is_in "$out" "cascade version 3 (the thresholds fitted by negsieve fit on $(db "SELECT substr(created_at, 1, 10) || ' ' || substr(created_at, 12, 8) FROM cascade_fit WHERE id = 3"); a fit, or other stages, stage settings, thresholds or targets, make a new version): 2000 candidates routed" "the cascade after a fit: the fit's version, saying so"
# a fit with no decision since the newest version, the same stages and
# settings, is that version over again: it says so and adds none (each
# fit run by hand, or each of two reviews' refits after the same
# decisions, added a copy: explore6)
run "$NEGSIEVE" fit "$P"
is "$rc" 0 "fit again with nothing new: exit 0"
is "$(printf '%s\n' "$out" | head -1)" "unchanged: cascade version 3 (no decision since its decisions up to 600, and the same stages, settings, thresholds and P(FN) model): no new version" \
   "... it says the version is unchanged"
is "$(db "SELECT count(*) FROM cascade_fit")" 3 "... and adds no version"
is "$(db "SELECT count(*) || ' ' || count(DISTINCT fit_id) || ' ' || max(fit_id) FROM item_auto")" "2000 1 3" \
   "... the verdicts stay under version 3"
# another setting (on a copy): a new version
cp -r "$P" "$T/p-conf"
{ cat "$T/c.yaml"; printf '  confidence: 0.9\n'; } >"$T/conf.yaml"
"$NEGSIEVE" config "$T/p-conf" "$T/conf.yaml" >/dev/null
run "$NEGSIEVE" fit "$T/p-conf"
is_in "$out" "fit 4: 600 labels" "another cascade setting: a new version"
case "$out" in *unchanged:*) said=yes ;; *) said=no ;; esac
is "$said" no "... not said unchanged"
# ... and a new decision: a new version too
cp -r "$P" "$T/p-dec"
sqlite3 "$T/p-dec/negsieve.db" "INSERT INTO decision(query_id, passage_id, annotator_id, action, at) SELECT query_id, passage_id, 1, 'skip', 'now' FROM item_auto LIMIT 1"
run "$NEGSIEVE" fit "$T/p-dec"
is_in "$out" "fit 4: 600 labels (300 in the audit slice certify thresholds), decisions up to 601" "a decision since (even a skip): a new version, with it"
run "$NEGSIEVE" stats "$P"
is_in "$out" "cascade     3 versions, newest first:" "stats lists the versions"
is_in "$out" "cascade v3: near_duplicate <" "with their thresholds"
is_in "$out" "negatives export would write, 95% interval [" "and the estimate with its interval"
run "$NEGSIEVE" stats --json "$P"
is_in "$out" '"version": 3' "stats --json: the versions"
is_in "$out" '"fn_rate_hi"' "stats --json: the estimate"
is_in "$out" '"fn_rate_is_bound": false' "... an estimate, with no P(FN) cut"
# export.max_pfn: the audit labels left under the cut are no random
# sample of what it keeps, so the false negatives are estimated without
# it: an estimate that can read below the truth (simulate: 0.0% against
# 8%), whose interval's top alone is a bound; "at most" is said of that
# top, and the estimate called one
{ cat "$T/c.yaml"; printf 'export:\n  max_pfn: 0.3\n'; } >"$T/cut.yaml"
run "$NEGSIEVE" config "$P" "$T/cut.yaml"
run "$NEGSIEVE" stats --json "$P"
is_in "$out" '"fn_rate_is_bound": true' "export.max_pfn: the estimate is of a bound, in --json"
pc() {	# KEY: the share of stats --json's estimate as stats prints it
	printf '%s\n' "$out" | sed -n "s/.*\"$1\": \([-0-9.e]*\).*/\1/p" |
		awk '{ printf "%.1f", 100 * $1 }'
}
rate=$(pc fn_rate) hi=$(pc fn_rate_hi) lo=$(pc fn_rate_lo)
ok "the estimate ($rate%) is below its interval's top ($hi%): the case tells them apart" \
	awk "BEGIN { exit !($rate < $hi) }"
run "$NEGSIEVE" stats "$P"
is_in "$out" "estimate    at most $hi% false negatives left among the " \
	"stats: at most the interval's top"
is_in "$out" " (the top of the 95% interval [$lo%, $hi%]; estimate $rate%), from " \
	"... and the estimate, called one"
is_in "$out" "export.max_pfn (or export.pending_fn drop) leaves out likely false negatives,
            and the audit labels it keeps are no uniform sample of what it keeps:
            the estimate is of those left without the cut and can still read
            below the truth; only the interval's top is a bound" "... and says why"
run "$NEGSIEVE" config "$P" "$T/c.yaml"

# the review screen: P(FN), automatic verdicts, live thresholds
. "$top_srcdir/tests/review-lib.sh"
review_keys "$P" dump q
s=$(screen 1)
is_in "$s" "cascade v3:" "the header row shows the live thresholds"
row=$(printf '%s\n' "$s" | grep ' sig  rank ')
case "$row" in
*"cascade v3: ..." | *", ...") ok "at 80 columns the thresholds are cut at a whole stage, and say so" true ;;
*) ok "at 80 columns the thresholds are cut at a whole stage, and say so" false; diag "$row" ;;
esac
is_in "$s" "near_ auto FN" "automatic verdicts in the decision column, with the deciding stage"
is_in "$s" "  0.98 -     -         p251 passage 251" "an item left to people shows its P(FN), not a verdict"

# the thresholds in the review header move as decisions are made: a
# fresh project, a quick cascade, an annotator who keeps everything
Q=$T/q
run "$NEGSIEVE" init "$Q"
gen "$Q"
cat >"$T/quick.yaml" <<'YAML'
cascade:
  audit_share: 0.5
  confidence: 0.8
  target_fn_rate: 0.1
  refit_every: 5
  stages:
    - scorer: near_duplicate
YAML
run "$NEGSIEVE" config "$Q" "$T/quick.yaml"
run "$NEGSIEVE" cascade "$Q"
keys=$T/keys
{ echo dump; for i in $(seq 1 40); do echo x; done; echo wait-refit; echo C-l; echo dump
  echo q; } >"$keys"
NEGSIEVE_REVIEW_SIZE=160x30 NEGSIEVE_REVIEW_SCRIPT=$keys NEGSIEVE_REVIEW_DUMP=$T/qdump "$NEGSIEVE" review "$Q"
first=$(awk '/^=== screen 1 /{f=1; next} /^=== /{f=0} f' "$T/qdump")
last=$(awk '/^=== screen 2 /{f=1; next} /^=== /{f=0} f' "$T/qdump")
is_in "$first" "cascade v1: nothing automatic yet" "before any decision: nothing automatic"
ok "after 40 decisions a background refit moved the threshold" sh -c 'printf "%s" "$1" | grep -q "cascade v[0-9]*: near_duplicate <"' - "$last"
ok "made by review, in the background" test "$(sqlite3 "$Q/negsieve.db" "SELECT count(*) FROM cascade_fit WHERE origin = 'review'")" -ge 1

# a re-run under the same version writes only the verdicts that change,
# and leaves exactly the rows a rewrite of every verdict would
R=$T/r
rdb() { sqlite3 "$R/negsieve.db" "$@"; }
run "$NEGSIEVE" init "$R"
gen "$R"
printf 'cascade:\n  audit_share: 0.5\n  stages:\n    - scorer: near_duplicate\n    - scorer: rank\n' >"$T/r.yaml"
run "$NEGSIEVE" config "$R" "$T/r.yaml"
run "$NEGSIEVE" cascade "$R"
is_in "$out" "cascade version 1 (new: the first cascade of the project): 2000 candidates routed; 2000 verdicts written (new or changed)" "a first run writes every verdict"
run "$NEGSIEVE" cascade "$R"
is_in "$out" "cascade version 1 (the thresholds set by the cascade of $(rdb "SELECT substr(created_at, 1, 10) || ' ' || substr(created_at, 12, 8) FROM cascade_fit WHERE id = 1"); a fit, or other stages, stage settings, thresholds or targets, make a new version): 2000 candidates routed; 0 verdicts written (new or changed)" "a re-run with nothing new writes none, under the version it keeps, saying where its thresholds come from"
# another target (on a copy): a new version, saying why
cp -r "$R" "$T/r-target"
printf 'cascade:\n  audit_share: 0.5\n  target_fn_rate: 0.05\n  stages:\n    - scorer: near_duplicate\n    - scorer: rank\n' >"$T/r2.yaml"
"$NEGSIEVE" config "$T/r-target" "$T/r2.yaml" >/dev/null
run "$NEGSIEVE" cascade "$T/r-target"
is_in "$out" "cascade version 2 (new: the stages, their settings, thresholds or targets differ from version 1's): 2000 candidates routed; 2000 verdicts written" "another target: a new version, saying why"
# ten decisions, a candidate no longer kept, a new one
rdb "INSERT INTO annotator(name, created_at) VALUES ('r', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 SELECT query_id, passage_id, 1, CASE WHEN dup_sim > 0.7 THEN 'fn' ELSE 'tn' END, 'now'
 FROM candidate WHERE query_id BETWEEN 10 AND 11;
UPDATE candidate SET filter = 'near_dup' WHERE query_id = 20 AND rank = 1;
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, dup_sim)
 VALUES (1, 30, 2100, 6, 0.2, 0.5);"
rm -rf "$T/r-full"
cp -r "$R" "$T/r-full"
# the copy without verdicts: it writes every one
sqlite3 "$T/r-full/negsieve.db" "DELETE FROM item_auto"
NEGSIEVE_CASCADE_BENCH=$T/r-phases run "$NEGSIEVE" cascade "$R"
is "$rc" 0 "re-run after changes"
is_in "$out" " verdicts written (new or changed), 1 removed" "the verdict of the candidate no longer kept is removed"
written=$(printf '%s\n' "$out" | sed -n 's/.*routed; \([0-9]*\) verdicts written.*/\1/p')
ok "only the changed verdicts are written ($written)" test "$written" -ge 11 -a "$written" -lt 500
run "$NEGSIEVE" cascade "$T/r-full"
is_in "$out" "2000 candidates routed; 2000 verdicts written" "the copy writes every verdict anew"
dump="SELECT * FROM item_auto ORDER BY query_id, passage_id"
is "$(rdb "$dump" | md5sum)" "$(sqlite3 "$T/r-full/negsieve.db" "$dump" | md5sum)" \
   "the rows are those of a full rewrite, to the last digit and version"
is "$(rdb "SELECT count(*) FROM item_auto WHERE query_id = 20")" 4 "the removed one is gone"
is "$(rdb "SELECT verdict FROM item_auto WHERE query_id = 30 AND passage_id = 2100")" review "the new one is there"
is_in "$(cat "$T/r-phases")" "phase compare with stored wall " "NEGSIEVE_CASCADE_BENCH: phase times"
is_in "$(cat "$T/r-phases")" "phase write verdicts wall " "including the writes"
# a write that fails leaves the verdicts as they were, with the reason
before=$(rdb "$dump; SELECT count(*) FROM cascade_fit" | md5sum)
rdb "UPDATE candidate SET filter = 'near_dup' WHERE query_id = 21 AND rank = 1;
CREATE TRIGGER no_delete BEFORE DELETE ON item_auto BEGIN SELECT RAISE(ABORT, 'deletes refused'); END;"
run "$NEGSIEVE" cascade "$R"
is "$rc" 5 "a verdict that cannot be removed: a database error"
is "$err" "negsieve: removing a verdict: deletes refused" "which says so"
is "$(rdb "$dump; SELECT count(*) FROM cascade_fit" | md5sum)" "$before" "and changes nothing"
rdb "DROP TRIGGER no_delete; UPDATE candidate SET filter = NULL WHERE query_id = 21 AND rank = 1;
CREATE TRIGGER no_insert BEFORE INSERT ON item_auto WHEN new.query_id = 400 BEGIN SELECT RAISE(ABORT, 'inserts refused'); END;
DELETE FROM item_auto WHERE query_id = 400"
before=$(rdb "$dump; SELECT count(*) FROM cascade_fit" | md5sum)
run "$NEGSIEVE" cascade "$R"
is "$rc" 5 "a verdict that cannot be written: a database error"
is "$err" "negsieve: recording a verdict: inserts refused" "which says so (a few verdicts: one by one)"
is "$(rdb "$dump; SELECT count(*) FROM cascade_fit" | md5sum)" "$before" "and changes nothing"
rdb "DROP TRIGGER no_insert; DELETE FROM item_auto;
CREATE TRIGGER no_insert BEFORE INSERT ON item_auto WHEN new.query_id = 1 BEGIN SELECT RAISE(ABORT, 'inserts refused'); END;"
run "$NEGSIEVE" cascade "$R"
is "$err" "negsieve: recording verdicts: inserts refused" "every verdict anew: in statements of many"
is "$(rdb "SELECT count(*) FROM item_auto")" 0 "and the rewrite is undone"
rdb "DROP TRIGGER no_insert"

# expensive stages see only what cheap ones leave, and never twice: a
# fixed near-duplicate stage, then a command, then an LLM judge
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
E=$T/e
run "$NEGSIEVE" init "$E"
gen "$E"
"$PY" "$top_srcdir/tests/fake-chat-server.py" "$T/port" >/dev/null 2>&1 &
srv=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$T/port")
cat >"$T/ext.yaml" <<YAML
cascade:
  stages:
    - scorer: near_duplicate
      lo: 0.3
      hi: 0.9
      fit: false
    - name: cmd
      scorer: command
      command: ["$PY", "$top_srcdir/tests/fake-scorer.py", "stream"]
    - name: llm
      scorer: judge
      endpoint: http://127.0.0.1:$port/v1
      model: stand-in
      concurrency: 4
YAML
run "$NEGSIEVE" config "$E" "$T/ext.yaml"
is "$rc" 0 "a cascade with a command and a judge stage"
band=$(sqlite3 "$E/negsieve.db" "SELECT count(*) FROM candidate WHERE dup_sim >= 0.3 AND dup_sim <= 0.9")
run "$NEGSIEVE" cascade "$E"
is "$rc" 0 "cascade runs the external stages"
is_in "$out" "stage cmd: $band to score" "the command sees only what the first stage passed on ($band)"
is_in "$out" "stage llm: $band to score" "the judge too"
is "$(sqlite3 "$E/negsieve.db" "SELECT count(*) FROM stage_score WHERE stage = 'cmd'")" "$band" "command scores stored"
is "$(sqlite3 "$E/negsieve.db" "SELECT count(*) FROM stage_score WHERE stage = 'llm' AND raw LIKE '%relevant%'")" "$band" "judge scores stored with the raw answers"
is "$(curl -s "http://127.0.0.1:$port/count")" "$band" "one request per candidate"
is_in "$out" "cmd              command" "the funnel lists the command stage"
curl -s "http://127.0.0.1:$port/reset" >/dev/null
run "$NEGSIEVE" cascade "$E"
is_in "$out" "stage cmd: nothing new to score" "a re-run scores nothing again"
is "$(curl -s "http://127.0.0.1:$port/count")" "0" "and sends the judge nothing"
kill "$srv" 2>/dev/null
run "$NEGSIEVE" cascade "$E"
is "$rc" 0 "with the judge gone, nothing is asked of it"
# a judge that cannot be reached for any item: the verdicts are stored,
# and the exit status says every external score failed
E2=$T/e2
"$NEGSIEVE" init "$E2" >/dev/null
gen "$E2"
sed "s|http://127.0.0.1:$port/v1|http://127.0.0.1:9/v1|; /- name: cmd/,/fake-scorer/d" "$T/ext.yaml" >"$T/dead.yaml"
printf '      retries: 0\n' >>"$T/dead.yaml"	# (each retry waits)
"$NEGSIEVE" config "$E2" "$T/dead.yaml" >/dev/null
run "$NEGSIEVE" cascade "$E2"
is "$rc" 10 "every judge request failed: exit 10"
is_in "$err" "every one of the $band external scores failed (see above); those items are held, not offered for review, until a later cascade scores them" "... saying so"
is_in "$err" "those items are held, not offered for review, until a later cascade scores them" "... and that those items are held (the review list's word)"
ok "... the verdicts stored" test "$(sqlite3 "$E2/negsieve.db" "SELECT count(*) FROM item_auto")" -gt 0
# a command that dies at once (it never answers: it cannot run) is a stage
# down like the judge above, not an I/O error (it was exit 4, nothing
# stored); its later batches are not asked, and the stage's line counts
# candidates and the command's starts, not the requests written ahead
E3=$T/e3
"$NEGSIEVE" init "$E3" >/dev/null
gen "$E3"
cat >"$T/die.yaml" <<YAML
cascade:
  stages:
    - scorer: near_duplicate
      lo: 0.3
      hi: 0.9
      fit: false
    - name: die
      scorer: command
      command: ["$PY", "-c", "import sys; sys.stderr.write('model not found\\\\n'); sys.exit(3)"]
YAML
"$NEGSIEVE" config "$E3" "$T/die.yaml" >/dev/null
run "$NEGSIEVE" cascade "$E3"
is "$rc" 10 "a command that dies at once: exit 10"
is_in "$err" "every one of the $band external scores failed (see above); those items are held, not offered for review, until a later cascade scores them" "... saying so"
is_in "$out" "stage die cannot run: cascade.stages.1.command: failed 4 times in a row without answering: the command exited with status 3 before answering (stderr: model not found); its $band candidates are held, not offered for review, until a later cascade scores them" "... and why, once, and what becomes of its candidates (as stderr says)"
is_in "$out" "stage die: $band to score; 0 scored, $band failed; the command started 4 times (3 restarts), " "... counting candidates and restarts"
is "$(printf '%s\n' "$out" | grep -c '^die: ')" 0 "... without a line per candidate"
is "$(sqlite3 "$E3/negsieve.db" "SELECT count(*) FROM item_auto")" 2000 "... the verdicts stored"

# a skipped audit item: the labelled prefix (and the estimate) waits on
# it, and stats says which and who skipped it; review offers it to
# another annotator in its turn, and again to the one who skipped it once
# nothing else is left for them (here, in the audit queue)
SA=${top_srcdir:-.}/sample
if [ -f "$SA/debian-descriptions/corpus.jsonl" ]; then
	A=$T/audit
	{ cat "$SA/demo.yaml"; printf 'review:\n  allow_annotator_override: true\n'; } >"$T/audit.yaml"
	"$NEGSIEVE" init -c "$T/audit.yaml" "$A" >/dev/null
	"$NEGSIEVE" import "$A" "$SA/debian-descriptions" >/dev/null
	"$NEGSIEVE" mine "$A" >/dev/null
	"$NEGSIEVE" cascade "$A" >/dev/null
	sqlite3 "$A/negsieve.db" "INSERT INTO annotator(name, created_at) VALUES ('alice', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
  SELECT query_id, passage_id, (SELECT id FROM annotator WHERE name = 'alice'), 'skip', 'now'
  FROM item_auto WHERE audit = 1;"
	run "$NEGSIEVE" stats "$A"
	is_in "$out" "waiting on the audit item q:" "stats names the skipped audit item the estimate waits on"
	is_in "$out" ", which alice skipped: the audit is a random sample" "... and who skipped it"
	is "$("$NEGSIEVE" stats --json "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["estimate"]["waits_on_skipped"]["skipped_by"])')" alice "... in --json too"
	is_in "$out" "review offers it to the others in its turn, and again to whoever skipped it once when nothing else is left for them" "... and when review offers it again"
	# waits: "query passage" of the skipped audit item the estimate
	# waits on; label_of QUERY PASSAGE: "annotator label" of its label
	waits() {
		"$NEGSIEVE" stats --json "$A" | python3 -c 'import json, sys; w = json.load(sys.stdin)["estimate"].get("waits_on_skipped"); print(w["query"], w["passage"]) if w else print("none")'
	}
	label_of() {
		sqlite3 "$A/negsieve.db" "SELECT a.name || ' ' || l.label FROM item_label l
  JOIN query q ON q.id = l.query_id JOIN passage_xid x ON x.passage_id = l.passage_id
  JOIN annotator a ON a.id = l.annotator_id WHERE q.xid = '$1' AND x.xid = '$2'"
	}
	printf 'x\nq\n' >"$T/audit.keys"
	w0=$(waits)
	NEGSIEVE_REVIEW_SCRIPT=$T/audit.keys "$NEGSIEVE" review --annotator bob --queue audit "$A" >/dev/null 2>&1
	is "$(label_of $w0)" "bob tn" "bob is offered the audit item alice skipped, in its turn"
	w1=$(waits)
	ok "... and the estimate waits on the next one alice skipped ($w1)" test "$w1" != "$w0" -a "$w1" != none
	NEGSIEVE_REVIEW_SCRIPT=$T/audit.keys "$NEGSIEVE" review --annotator alice --queue audit "$A" >/dev/null 2>&1
	is "$(label_of $w1)" "alice tn" "alice, with nothing else left in the audit queue, is offered it again"
else
	skip "skipped audit item" "no $SA"
	skip "skipped audit item offered again" "no $SA"
fi

# refusals
printf 'cascade:\n  stages:\n    - scorer: magic\n' >"$T/bad.yaml"
run "$NEGSIEVE" config "$P" "$T/bad.yaml"
is "$rc" 6 "an unknown scorer: configuration error"
is_in "$err" "bad.yaml:3:15: cascade.stages.0.scorer: expected one of score,gap" "with its place"
printf 'cascade:\n  stages:\n    - scorer: gap\n    - scorer: gap\n' >"$T/bad2.yaml"
run "$NEGSIEVE" config "$P" "$T/bad2.yaml"
is "$err" "negsieve: $T/bad2.yaml:4:15: cascade.stages[1]: a second stage named 'gap' (name them with 'name:')" "two stages with one name: at the second"
printf 'cascade:\n  stages:\n    - scorer: gap\n      lo: 0.5\n      hi: 0.1\n' >"$T/bad3.yaml"
run "$NEGSIEVE" config "$P" "$T/bad3.yaml"
is "$err" "negsieve: $T/bad3.yaml:3:7: cascade.stages[0] (gap): lo 0.5 is above hi 0.1" "lo above hi: at the stage"
printf 'cascade:\n  audit_share: 2\n' >"$T/bad4.yaml"
run "$NEGSIEVE" config "$P" "$T/bad4.yaml"
is "$rc" 6 "audit_share out of range"
run "$NEGSIEVE" config "$P"
is_in "$out" "scorer: near_duplicate" "a refused config changes nothing"
run "$NEGSIEVE" cascade --run 0 "$P"
is "$rc" 2 "--run 0: usage error"

# --run routes one run's kept candidates and leaves the verdicts of the
# items only other runs keep as they were (it once emptied item_auto)
R=$T/runs
"$NEGSIEVE" init "$R" >/dev/null
gen "$R"
rdb() { sqlite3 "$R/negsieve.db" "$@"; }
rdb "INSERT INTO run(id, source_id, method, created_at) VALUES (2, 1, 'bm25', 'now');
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, dup_sim)
 SELECT 2, query_id, passage_id, rank, score, dup_sim FROM candidate
 WHERE run_id = 1 AND query_id <= 100;
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, dup_sim)
 SELECT 2, id, 2000 + ((id + 1) % 400) + 1, 6, 0.1, 0.5 FROM query WHERE id <= 100;"
"$NEGSIEVE" config "$R" "$T/c.yaml" >/dev/null
run "$NEGSIEVE" cascade "$R"
is "$rc" 0 "two runs: cascade"
is "$(rdb "SELECT count(*) FROM item_auto")" 2100 "every item of both runs has a verdict"
before=$(rdb "SELECT count(*) FROM item_auto WHERE query_id > 100")
run "$NEGSIEVE" cascade --run 2 "$R"
is "$rc" 0 "cascade --run 2"
is_in "$out" "600 candidates routed" "routes run 2's 600 items"
is "$(rdb "SELECT count(*) FROM item_auto WHERE query_id > 100")" "$before" "run 1's other items keep their verdicts"
is "$(rdb "SELECT count(*) FROM item_auto")" 2100 "none lost"
# a run that does not exist: refused, and no fit stored (a fit of 0
# labels would have replaced the P(FN) model every other run uses)
fits=$(rdb "SELECT count(*) FROM cascade_fit")
for c in fit cascade; do
	run "$NEGSIEVE" $c --run 99 "$R"
	is "$rc" 7 "$c --run 99: not found"
	is "$err" "negsieve: no run with id 99" "... saying so"
done
is "$(rdb "SELECT count(*) FROM cascade_fit")" "$fits" "... no fit stored"
run "$NEGSIEVE" fit --run 2 "$R"
is "$rc" 0 "fit --run 2"
is "$(rdb "SELECT count(*) FROM item_auto")" 2100 "fit --run keeps the others too"
is "$(rdb "SELECT count(*) FROM item_auto a JOIN candidate c USING (query_id, passage_id)
 WHERE c.run_id = 2 AND a.fit_id = (SELECT max(id) FROM cascade_fit)")" 600 "run 2's items under the new fit"
# an item no run keeps any more loses its verdict, run or not
rdb "UPDATE candidate SET filter = 'rank' WHERE query_id = 1 AND passage_id = 1"
run "$NEGSIEVE" cascade --run 2 "$R"
is "$(rdb "SELECT count(*) FROM item_auto WHERE query_id = 1 AND passage_id = 1")" 0 "a candidate no longer kept loses its verdict"
is "$(rdb "SELECT count(*) FROM item_auto")" 2099 "and only it"
# a run that keeps most items: under the same version only the rows that
# differ are written (not a bulk rewrite), and the few items only other
# runs keep are still not taken for stale
rdb "INSERT INTO run(id, source_id, method, created_at) VALUES (3, 1, 'dense', 'now');
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, dup_sim)
 SELECT 3, query_id, passage_id, rank, score, dup_sim FROM candidate
 WHERE run_id = 1 AND query_id <= 380 AND filter IS NULL"
run "$NEGSIEVE" cascade --run 3 "$R"
is "$rc" 0 "cascade --run 3"
is_in "$out" "1899 candidates routed" "routes run 3's items"
is "$(rdb "SELECT count(*) FROM item_auto WHERE query_id > 380")" 100 "the 100 items only run 1 keeps keep their verdicts"
# again: now nothing differs, so only changed rows would be written
run "$NEGSIEVE" cascade --run 3 "$R"
is_in "$out" "1899 candidates routed; 0 verdicts written" "run 3 again: nothing to write"
is "$(rdb "SELECT count(*) FROM item_auto WHERE query_id > 380")" 100 "the 100 items only run 1 keeps still keep their verdicts"
is "$(rdb "SELECT count(*) FROM item_auto")" 2099 "none lost"
# an item another run brought (here the imported negatives), which the
# dense run retrieved but did not keep, is scored from the dense run's
# pool: the kept candidates all score above 0.1, so every automatic true
# negative below comes from a pool
BGE=$NEGSIEVE_DATA/flagembedding-bge
if [ -f "$BGE/msmarco.jsonl" ]; then
	printf 'cascade:\n  stages:\n    - scorer: score\n      lo: 0.1\n      hi: 0.9\n      fit: false\n' >"$T/pool.yaml"
	Q=$T/pool
	"$NEGSIEVE" init --config "$T/pool.yaml" "$Q" >/dev/null
	"$NEGSIEVE" import "$Q" "$BGE/msmarco.jsonl" >/dev/null 2>&1
	"$NEGSIEVE" mine --num-negatives 5 "$Q" >/dev/null 2>&1
	dense=$(sqlite3 "$Q/negsieve.db" "SELECT max(id) FROM run WHERE method = 'dense'")
	is "$(sqlite3 "$Q/negsieve.db" "SELECT min(score) > 0.1 FROM candidate WHERE run_id = $dense")" 1 \
		"pool: the dense run kept nothing below 0.1"
	run "$NEGSIEVE" cascade "$Q"
	kept=$(sqlite3 "$Q/negsieve.db" "SELECT count(*) FROM item_auto WHERE verdict = 'tn'")
	ok "pool: imported items auto-kept by their dense score ($kept)" test "$kept" -gt 0
	is "$(sqlite3 "$Q/negsieve.db" "SELECT count(*) FROM item_auto a JOIN candidate c
	  ON c.run_id = $dense AND c.query_id = a.query_id AND c.passage_id = a.passage_id
	  WHERE a.verdict = 'tn'")" 0 "pool: none of them is a kept candidate of the dense run"
else
	skip "pool" "no $BGE/msmarco.jsonl"
fi
done_testing
