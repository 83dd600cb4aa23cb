#!/bin/sh
# cli-mine.sh - negsieve mine: BM25 end to end, --refilter, option errors.
. "${top_srcdir:-.}/tests/lib.sh"
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
sqlite3 "$P/negsieve.db" "
INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES
 (1,'q1','apt package manager',1),
 (2,'q2','text editor \"vim\" OR (emacs',1),
 (3,'q3','nothingmatches',1);
INSERT INTO passage(id,text,source_id) VALUES
 (1,'apt is the package manager of debian',1),
 (2,'dpkg is a low level package manager',1),
 (3,'apt package manager',1),
 (4,'vim is a text editor',1),
 (5,'emacs is an editor and more',1),
 (6,'nano is a small text editor',1),
 (7,'the package manager apt installs package',1),
 (8,'manager of text',1);
INSERT INTO qrel VALUES(1,1,1,NULL,1),(2,4,1,NULL,1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');"
q() { sqlite3 "$P/negsieve.db" "$1"; }
# "passage:filter " of query $1 in run 1, by rank (the pool holds them all;
# the candidate table the kept ones)
reasons() {
	python3 "$top_srcdir/tests/pool.py" "$P/negsieve.db" 1 |
	awk -F'\t' -v q="$1" '$1 == q { printf "%s:%s ", $2, $5 }'
}

run "$NEGSIEVE" mine --method bm25 --num-negatives 2 "$P"
is "$rc" 0 "bm25 mining succeeds"
is_in "$out" "run 1: 3 queries, 9 candidates" "run summary line"
is_in "$out" "Skipped 2 candidates (22.22%) by positive" "positive skip count"
is_in "$out" "Could not find 2 negatives for 1 queries (33.33%)" "short queries"
is "$(reasons 1)" \
   "3:same_text 7:- 1:positive 2:- 8:unsampled " "query 1: reasons recorded per candidate"
is "$(q "SELECT passage_id FROM candidate WHERE query_id=1 ORDER BY rank" | tr '\n' ' ')" \
   "7 2 " "query 1: only the kept candidates in the candidate table"
is "$(q "SELECT count(*) FROM candidate WHERE query_id=2 AND filter IS NULL")" 2 \
   "FTS5 syntax in query text is quoted, not interpreted"
is "$(q "SELECT count(*) FROM run_positive WHERE run_id=1 AND score > 0")" 2 \
   "positive scores stored, negated bm25 (higher is better)"

# stats counts what mining retrieved (the pool, as mine's summary does)
# and what its filters kept (the candidate table), from the size the run
# records; a run finished before it recorded one is counted from its pool
run "$NEGSIEVE" stats "$P"
is_in "$out" "candidates  9 (4 kept by the filters)" \
	"stats: the mined candidates, and those kept by the filters"
is "$(q "SELECT json_extract(params, '\$.pooled') FROM run")" 9 \
	"the run records its pool's size"
q "UPDATE run SET params = json_remove(params, '\$.pooled')"
run "$NEGSIEVE" stats --json "$P"
is_in "$out" '"candidates": 9,' "stats of a run without the recorded size: counted from the pool"
q "UPDATE run SET params = json_set(params, '\$.pooled', 9)"
params=$(q "SELECT params FROM run")
run "$NEGSIEVE" mine --refilter --range-max 500 "$P"
is "$rc" 2 "refilter deeper than the search: usage error"
is_in "$err" "--range-max 500: run 1 was searched to --range-max 100; mine again to go deeper" "... saying how deep it was"
is "$(q "SELECT params FROM run")" "$params" "... the run's parameters unchanged"
run "$NEGSIEVE" mine --refilter --num-negatives 1 --sampling random --seed 3 "$P"
is "$rc" 0 "refilter succeeds"
is "$(q "SELECT count(*) FROM candidate WHERE filter IS NULL")" 2 "refilter: one per query with candidates"
is "$(q "SELECT count(*) FROM run")" 1 "refilter makes no new run"
run "$NEGSIEVE" stats "$P"
is_in "$out" "candidates  9 (2 kept by the filters)" \
	"stats after a refilter: the same pool, fewer kept"
is "$(q "SELECT json_extract(params,'\$.num_negatives')||json_extract(params,'\$.sampling') FROM run")" \
   "1random" "refilter records its parameters"
is "$(reasons 1 | tr ' ' '\n' | grep -E 'positive|same_text' | tr '\n' ' ')" \
   "3:same_text 1:positive " "refilter keeps positive and same_text marks"
run "$NEGSIEVE" mine --refilter --num-negatives 0 --max-score 1 "$P"
is "$(reasons 2)" \
   "4:positive 5:max_score 6:- 8:- " "refilter with max-score"
is "$(q "SELECT passage_id FROM candidate WHERE query_id=2 ORDER BY rank" | tr '\n' ' ')" \
   "6 8 " "refilter stores the newly kept candidates"
run "$NEGSIEVE" mine --refilter --num-negatives 0 --relative-margin 0 "$P"
is "$(reasons 1)" \
   "3:same_text 7:relative_margin 1:positive 2:- 8:- " "refilter: scoring above the positive is within the margin"
# options not given keep the run's settings (here max_score 1 from the
# refilter before the last): a refilter that applies new decisions does
# not set the run back to the defaults
params=$(q "SELECT params FROM run")
kept=$(q "SELECT group_concat(query_id || ':' || passage_id, ' ') FROM (SELECT query_id, passage_id FROM candidate ORDER BY 1, 2)")
run "$NEGSIEVE" mine --refilter "$P"
is "$rc" 0 "refilter without options"
is "$(q "SELECT params FROM run")" "$params" "... keeps the run's settings, not the defaults"
is "$(q "SELECT group_concat(query_id || ':' || passage_id, ' ') FROM (SELECT query_id, passage_id FROM candidate ORDER BY 1, 2)")" \
   "$kept" "... and so its kept candidates"
is_in "$out" "by max_score: its score is above max_score (1)" "... and its summary says the run's values"
run "$NEGSIEVE" mine --refilter --min-score 2 "$P"
is "$rc:$err" "2:negsieve: --min-score 2 is above --max-score 1 (run 1 keeps the one not given): nothing could be kept" \
   "a given option at odds with the run's kept one: usage error"
run "$NEGSIEVE" mine --refilter --range-min 100 "$P"
is "$rc:$err" "2:negsieve: --range-min 100 must be below --range-max 100 (run 1 keeps the one not given)" \
   "... also for the rank window"
is "$(q "SELECT params FROM run")" "$params" "... the run unchanged"
run "$NEGSIEVE" mine --refilter --max-score off --relative-margin off "$P"
is "$rc" 0 "off unsets a score bound and a margin"
is "$(q "SELECT json_type(params, '\$.max_score') || ' ' || json_type(params, '\$.relative_margin') || ' ' || json_extract(params, '\$.num_negatives') FROM run")" \
   "null null 0" "... the rest keeps the run's"
is "$(reasons 2)" "4:positive 5:- 6:- 8:- " "... passage 5 is no longer above a max_score"
q "UPDATE run SET params = json_set(params, '\$.anchor', 'middle')"
params=$(q "SELECT params FROM run")
run "$NEGSIEVE" mine --refilter "$P"
is "$rc:$err" "3:negsieve: run 1's parameters: anchor 'middle' is not one of min, mean, max" \
   "a run's stored setting unknown: refused, naming it"
is "$(q "SELECT params FROM run")" "$params" "... the run unchanged"
# --near-duplicate on a bm25 run: no vectors, nothing it could flag
run "$NEGSIEVE" mine --refilter --near-duplicate 0.5 "$P"
is "$rc:$err" "2:negsieve: --near-duplicate: run 1 was mined with bm25, which has no vectors to compare (it applies to dense runs)" \
   "--near-duplicate refiltering a bm25 run: usage error"
is "$(q "SELECT params FROM run")" "$params" "... the run unchanged"
nruns=$(q "SELECT count(*) FROM run")
run "$NEGSIEVE" mine --method bm25 --near-duplicate 0.5 "$P"
is "$rc" 2 "--near-duplicate with --method bm25: usage error"
is_in "$err" "negsieve: mine: --near-duplicate applies to --method dense, not bm25 (a bm25 run has no vectors to compare)" \
   "... saying why"
is "$(q "SELECT count(*) FROM run")" "$nruns" "... no run made"
q "UPDATE run SET params = 'garbage'"
run "$NEGSIEVE" mine --refilter "$P"
is "$rc:$err" "3:negsieve: run 1's parameters: not a JSON object: '[' or '{' expected near 'garbage'" \
   "a run's stored settings that are not JSON: bad input (exit 3, as negsieve.1 says)"
is "$(q "SELECT params FROM run")" "garbage" "... the run unchanged"
q "UPDATE run SET params = '$params'"
q "UPDATE run SET params = json_set(params, '\$.anchor', 'min')"
run "$NEGSIEVE" mine --refilter --run 9 "$P"
is "$rc" 7 "refilter of a missing run exits 7"
is "$err" "negsieve: run 9: no such mining run" "missing run message"

run "$NEGSIEVE" mine --sampling best "$P"
is "$rc" 2 "bad sampling is a usage error"
is_in "$err" "negsieve: mine: --sampling: expected one of top,random,simans, got 'best'" "bad sampling message"
run "$NEGSIEVE" mine --relative-margin abc "$P"
is "$rc" 2 "bad number is a usage error"
is_in "$err" "negsieve: mine: --relative-margin: expected a finite number, got 'abc'" "bad number message"
run "$NEGSIEVE" mine --range-max -3 "$P"
is_in "$err" "negsieve: mine: --range-max: expected an integer in 1..10000000, got '-3'" "bad integer message"
# 0 meant "no limit" but searched 100 deep: there is no unlimited search,
# so 0 is refused, on the command line as in the config
nruns=$(q "SELECT count(*) FROM run")
run "$NEGSIEVE" mine --method bm25 --range-max 0 "$P"
is "$rc" 2 "--range-max 0 is a usage error"
is "$err" "negsieve: mine: --range-max: expected an integer in 1..10000000, got '0'
Try 'negsieve mine --help'." "--range-max 0: message"
run "$NEGSIEVE" mine --refilter --range-max 0 "$P"
is "$rc:$err" "2:negsieve: mine: --range-max: expected an integer in 1..10000000, got '0'
Try 'negsieve mine --help'." "--refilter --range-max 0 is a usage error"
is "$(q "SELECT count(*) FROM run")" "$nruns" "--range-max 0: no run added"
opt_err=$err
run "$NEGSIEVE" mine --range-min 5 --range-max 5 "$P"
is_in "$err" "negsieve: mine: --range-min (mine.range_min) 5 must be below --range-max (mine.range_max) 5" "empty rank window"
run "$NEGSIEVE" mine --min-score 1 --max-score 0 "$P"
is "$rc" 2 "--min-score above --max-score: usage error"
is_in "$err" "--min-score (mine.min_score) 1 is above --max-score (mine.max_score) 0: nothing could be kept" "... saying so"
run "$NEGSIEVE" mine --method sparse "$P"
is_in "$err" "negsieve: mine: --method: expected one of dense,bm25, got 'sparse'" "bad method message"
run "$NEGSIEVE" mine --bogus "$P"
is "$err" "negsieve: mine: unknown option '--bogus'
Try 'negsieve mine --help'." "unknown option message"
run "$NEGSIEVE" mine "$P" --run
is_in "$err" "negsieve: mine: --run needs a value" "missing value message"
run "$NEGSIEVE" mine --refilter=2 "$P"
is_in "$err" "negsieve: mine: --refilter takes no value" "value for a flag message"
run "$NEGSIEVE" mine --run 0 --refilter "$P"
is_in "$err" "negsieve: mine: --run: expected an integer >= 1, got '0'" "run id below 1"
run "$NEGSIEVE" mine "$T/none"
is "$rc" 7 "missing project exits 7"
is "$(q "SELECT count(*) FROM run")" 1 "failed commands leave no run"

# A project with passages but no queries: nothing to mine, said plainly.
printf 'p1\tthe first passage\np2\tthe second passage\n' >"$T/coll.tsv"
"$NEGSIEVE" init "$T/pq" >/dev/null
"$NEGSIEVE" import --format id-text "$T/pq" "$T/coll.tsv" >/dev/null
run "$NEGSIEVE" mine --method bm25 "$T/pq"
is "$rc" 3 "bm25 without queries exits 3"
is "$err" "negsieve: $T/pq: nothing to mine: no queries with text (import some first)" "bm25 without queries: message"
"$NEGSIEVE" embed "$T/pq" >/dev/null 2>&1
run "$NEGSIEVE" mine --method dense "$T/pq"
is "$rc" 3 "dense without queries exits 3"
is "$err" "negsieve: $T/pq: nothing to mine: no query vectors (import queries, then run 'negsieve embed')" "dense without queries: message"
is "$(sqlite3 "$T/pq/negsieve.db" "SELECT count(*) FROM run")" 0 "no run created when there is nothing to mine"

printf 'mine:\n  sampling: often\n' >"$T/bad.yaml"
run "$NEGSIEVE" init --config "$T/bad.yaml" "$T/p2"
is_in "$err" "bad.yaml:2:13: " "bad mine.sampling in config is reported with its position"
# the option and the key are checked by one checker and read alike
printf 'mine:\n  range_max: 0\n' >"$T/bad.yaml"
run "$NEGSIEVE" init --config "$T/bad.yaml" "$T/p3"
is "$rc" 6 "mine.range_max 0 in config: configuration error"
is "$err" "negsieve: $T/bad.yaml:2:14: mine.range_max: expected an integer in 1..10000000, got '0'" "mine.range_max 0 in config: message"
is "${err#*mine.range_max}" "$(printf '%s' "$opt_err" | head -1 | sed 's/.*--range-max//')" "... reads as --range-max 0 does"
ok "mine.range_max 0 in config: no project created" test ! -e "$T/p3"
# a project whose stored config has the range_max 0 that older versions
# took: every command says what is wrong and how to replace it, and
# negsieve config shows and replaces it
"$NEGSIEVE" init "$T/p0" >/dev/null
sqlite3 "$T/p0/negsieve.db" "UPDATE meta SET value = 'mine:
  range_max: 0
' WHERE key = 'config'"
run "$NEGSIEVE" mine --method bm25 "$T/p0"
is "$rc" 6 "stored mine.range_max 0: mine refuses the project"
is "$err" "negsieve: $T/p0/negsieve.db:negsieve.yaml:2:14: mine.range_max: expected an integer in 1..10000000, got '0' (the stored configuration; replace it with 'negsieve config $T/p0 FILE')" "stored mine.range_max 0: message with the way out"
run "$NEGSIEVE" config "$T/p0"
is "$rc" 6 "stored mine.range_max 0: config shows it, exit 6"
is "$out" "mine:
  range_max: 0" "stored mine.range_max 0: config shows the stored text"
is "$err" "negsieve: $T/p0/negsieve.db:negsieve.yaml:2:14: mine.range_max: expected an integer in 1..10000000, got '0'
negsieve: the stored configuration fails its checks; replace it with 'negsieve config $T/p0 FILE'" "stored mine.range_max 0: config says what is wrong"
printf 'mine:\n  range_max: 50\n' >"$T/fixed.yaml"
run "$NEGSIEVE" config "$T/p0" "$T/fixed.yaml"
is "$rc" 0 "stored mine.range_max 0: config replaces it"
run "$NEGSIEVE" stats "$T/p0"
is "$rc" 0 "stored mine.range_max 0: the project opens again"
# options override the config, the config overrides the defaults
printf 'mine:\n  method: bm25\n  num_negatives: 1\n' >"$T/cfg.yaml"
"$NEGSIEVE" init --config "$T/cfg.yaml" "$T/p4" >/dev/null
sqlite3 "$T/p4/negsieve.db" "
INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES(1,'q1','apt package manager',1);
INSERT INTO passage(id,text,source_id) VALUES(1,'apt is the package manager',1),
 (2,'dpkg is a package manager',1),(3,'the package manager apt',1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');"
run "$NEGSIEVE" mine "$T/p4"
is "$(sqlite3 "$T/p4/negsieve.db" "SELECT method||' '||json_extract(params,'\$.num_negatives')||' '||json_extract(params,'\$.range_max') FROM run")" \
   "bm25 1 100" "the config's method and num_negatives, range_max's default"
run "$NEGSIEVE" mine --num-negatives 2 --range-max 50 "$T/p4"
is "$(sqlite3 "$T/p4/negsieve.db" "SELECT method||' '||json_extract(params,'\$.num_negatives')||' '||json_extract(params,'\$.range_max') FROM run WHERE id=2")" \
   "bm25 2 50" "options over the config"

# the summary names the ranks the window keeps (range_min is dropped)
run "$NEGSIEVE" mine --refilter --range-min 1 --range-max 3 "$T/p4"
is "$rc" 0 "refilter with a rank window"
is_in "$out" "its rank is outside range_min..range_max (ranks 2..3 kept)" "the summary names the ranks kept"

# another process mining the project (a live owner of an unfinished
# run): refused at once, exit 5 (busy), before any search, for both methods
sleep 60 & sleeper=$!
sqlite3 "$T/p4/negsieve.db" "INSERT INTO run(method, params, created_at, state) VALUES ('dense', json_object('owner', '$(hostname):$sleeper'), 'now', 'mining')"
busy=$(sqlite3 "$T/p4/negsieve.db" "SELECT max(id) FROM run")
for m in dense bm25; do
	run "$NEGSIEVE" mine --method $m "$T/p4"
	is "$rc" 5 "mine --method $m while another process mines: busy (5)"
	is "$err" "negsieve: run $busy is being mined by process $(hostname):$sleeper; wait for it to finish (or stop it) before mining again" "... naming the run and the process"
	is "$out" "" "... before anything else was done"
done
kill $sleeper 2>/dev/null; wait $sleeper 2>/dev/null
sqlite3 "$T/p4/negsieve.db" "DELETE FROM run WHERE id = $busy"

# options that would be ignored are usage errors, and nothing is stored
runs=$(sqlite3 "$T/p4/negsieve.db" "SELECT count(*) FROM run")
for args in "--run 1|--run needs --refilter" \
	"--refilter --method dense|--method does not apply to --refilter" \
	"--refilter --gemm onednn|--gemm does not apply to --refilter" \
	"--refilter --index Flat|--index does not apply to --refilter" \
	"--method bm25 --index Flat|--index applies to --method dense, not bm25" \
	"--gemm onednn|--gemm applies to --method dense, not bm25" \
	"--method bm25 --precision bf16|--precision applies to --method dense, not bm25" \
	"--near-duplicate 2|--near-duplicate: expected a number in -1..1, got '2'" \
	"--near-duplicate -1.5|--near-duplicate: expected a number in -1..1, got '-1.5'"; do
	a=${args%%|*}
	# shellcheck disable=SC2086
	run "$NEGSIEVE" mine $a "$T/p4"
	is "$rc" 2 "mine $a: usage error"
	is_in "$err" "${args#*|}" "... saying why"
done
is "$(sqlite3 "$T/p4/negsieve.db" "SELECT count(*) FROM run")" "$runs" "... no run stored"

# bm25 gives 0 to a positive that shares no term with its query: under
# --anchor min it is the anchor, and a margin drops every candidate; the
# summary counts such queries (q1 here, not q2)
Z=$T/zero
"$NEGSIEVE" init "$Z" >/dev/null
sqlite3 "$Z/negsieve.db" "
INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES (1,'q1','apt package manager',1),
 (2,'q2','text editor',1);
INSERT INTO passage(id,text,source_id) VALUES
 (1,'nano is small',1), (2,'dpkg is a low level package manager',1),
 (3,'the package manager apt installs package',1), (4,'vim is a text editor',1),
 (5,'nano is a small text editor',1);
INSERT INTO qrel VALUES(1,1,1,NULL,1),(2,4,1,NULL,1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');"
zero="1 queries (50.00%) have a positive scoring 0 under bm25 (no term in common with the query)"
run "$NEGSIEVE" mine --method bm25 --absolute-margin 0.01 "$Z"
is "$rc" 0 "bm25 with a positive sharing no term"
is_in "$out" "$zero: it is their anchor (--anchor min), so the margin drops every candidate of theirs" \
	"the summary counts the query, and says what the margin did"
is "$(sqlite3 "$Z/negsieve.db" "SELECT count(*) FROM candidate WHERE query_id = 1")" 0 \
	"... which is so: none of q1's candidates kept"
run "$NEGSIEVE" mine --refilter --absolute-margin off "$Z"
is_in "$out" "$zero: it is their anchor (--anchor min), so a margin would drop every candidate of theirs" \
	"without a margin: what one would do"
run "$NEGSIEVE" mine --refilter --anchor max --absolute-margin 0.01 "$Z"
is "$(printf '%s\n' "$out" | grep -x "$zero")" "$zero" "--anchor max: only the count"
run "$NEGSIEVE" mine --method bm25 "$P"
is "$(printf '%s\n' "$out" | grep -c 'under bm25')" 0 "no such line when every positive shares a term"

# mine.near_duplicate in the config is for dense runs: bm25 goes on
printf 'mine:\n  near_duplicate: 0.5\n' >"$T/nd.yaml"
"$NEGSIEVE" config "$Z" "$T/nd.yaml" >/dev/null
run "$NEGSIEVE" mine --method bm25 "$Z"
is "$rc" 0 "mine.near_duplicate in the config: a bm25 mine runs"
run "$NEGSIEVE" mine --refilter "$Z"
is "$rc" 0 "... and a refilter of a bm25 run"
done_testing
