#!/bin/sh
# cli-mine-dense.sh - negsieve mine --method dense through the real CLI on a
# project embedded with the built-in embedder, checked against brute-force
# scores computed independently (tests/mine-check.py over the vector files);
# sharded mining (--shard/--output) and negsieve merge, with every refusal.
. "${top_srcdir:-.}/tests/lib.sh"
CHECK=${top_srcdir:-.}/tests/mine-check.py
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
# 6 topics x 5 passages, one query per topic with one positive; passage 31
# repeats query 2's text (same_text); query 7 has no positive.
python3 - <<'PY' | sqlite3 "$P/negsieve.db"
import random
random.seed(1)
print("BEGIN; INSERT INTO source(id,path,format,created_at) VALUES(1,'t','t','now');")
topics = ["apt package manager debian install", "text editor vim emacs keys",
          "web server http nginx apache", "python programming language interpreter",
          "compression gzip bzip2 archive", "email client mutt mail"]
pid = 0
for t, words in enumerate(topics):
    w = words.split()
    for j in range(5):
        pid += 1
        txt = " ".join(random.choice(w) for _ in range(8)) + " extra%d" % j
        print("INSERT INTO passage(id,text,source_id) VALUES(%d,'%s',1);" % (pid, txt))
print("INSERT INTO passage(id,text,source_id) VALUES(31,'%s',1);" % topics[1])
for q, words in enumerate(topics):
    print("INSERT INTO query(id,xid,text,source_id) VALUES(%d,'q%d','%s',1);" % (q + 1, q + 1, words))
    print("INSERT INTO qrel VALUES(%d,%d,1,NULL,1);" % (q + 1, q * 5 + 1))
# query 1 has two positives: each candidate's near-duplicate similarity
# is its highest cosine to either (tests/mine-check.py)
print("INSERT INTO qrel VALUES(1,2,1,NULL,1);")
print("INSERT INTO query(id,xid,text,source_id) VALUES(7,'q7','mail server archive',1);")
print("INSERT INTO passage_fts(passage_fts) VALUES('rebuild'); COMMIT;")
PY
q() { sqlite3 "$P/negsieve.db" "$1"; }
# every pooled candidate of a run (or "-": of a shard file $2), as
# query<TAB>passage<TAB>rank<TAB>score<TAB>filter<TAB>flag<TAB>dup_sim
pool() { python3 "$top_srcdir/tests/pool.py" "${2:-$P/negsieve.db}" "$1"; }
"$NEGSIEVE" embed "$P" >/dev/null

run "$NEGSIEVE" mine --range-max 10 --num-negatives 2 "$P"
is "$rc" 0 "dense mining succeeds"
summary1=$(printf '%s\n' "$out" | sed -n '/^Metric/,$p')
is_in "$out" "index Flat: exact search" "auto is exact below 200000 passages"
is_in "$out" "run 1: 7 queries, 70 candidates" "summary: queries and candidates"
is_in "$out" "Skipped 1 candidates (1.43%) by same_text" "same-text passage skipped"
is_in "$out" "1 queries (14.29%) have no positive" "query without positive counted"
is "$(pool 1 | awk -F'\t' '$1 == 2 && $2 == 31 { print $5 }')" same_text \
   "the passage repeating query 2's text is marked same_text"
is "$(q "SELECT count(*) FROM candidate WHERE run_id=1")" 14 \
   "the candidate table holds the kept candidates (2 for each of 7 queries)"
chk=$(python3 "$CHECK" "$P" 1 10 2)
is "$(echo "$chk" | head -1)" "ok" "stored candidates, scores, positives, kept negatives match brute force"
for line in "$(echo "$chk" | sed -n 2p)" "$(echo "$chk" | sed -n 3p)" "$(echo "$chk" | sed -n 4p)"; do
	is_in "$out" "$line" "summary line matches: ${line%% *}"
done
is "$(q "SELECT json_extract(params,'\$.factory')||' '||json_extract(params,'\$.passage_vectors') FROM run WHERE id=1")" \
   "Flat 1" "run records the index and the vectors it used"
run "$NEGSIEVE" mine --model other "$P"
is "$rc" 7 "unknown model exits 7"

cp -r "$P" "$T/gone"
sqlite3 "$T/gone/negsieve.db" "DELETE FROM passage WHERE id = 30"
run "$NEGSIEVE" mine "$T/gone"
is "$rc" 3 "vectors of a removed passage exit 3"
is "$err" "negsieve: passage 30 has a vector but is no longer in the project; re-run 'negsieve embed $T/gone'" \
   "removed passage named"
is "$(sqlite3 "$T/gone/negsieve.db" "SELECT count(*) FROM run")" 1 "no run stored"
is "$(q "PRAGMA foreign_key_check")" "" "stored candidates satisfy their foreign keys"

# --- shards ---
before=$(cksum <"$P/negsieve.db")
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE"); c.execute("CREATE TABLE lockme(x)")
open(sys.argv[2], "w").close(); time.sleep(60)' "$P/negsieve.db" "$T/locked" & holder=$!
while [ ! -e "$T/locked" ] && kill -0 $holder 2>/dev/null; do sleep 0.05; done
for i in 0 1 2; do
	"$NEGSIEVE" mine --range-max 10 --num-negatives 2 --shard $i/3 \
		-o "$T/s$i.db" "$P" >"$T/s$i.out" 2>&1
	is "$?" 0 "shard $i/3 is mined while another process holds the write lock"
done
ok "the lock holder was never waited for" kill -0 $holder
kill $holder 2>/dev/null; wait $holder 2>/dev/null
is "$(cksum <"$P/negsieve.db")" "$before" "mining shards leaves the project file unchanged"
is "$(grep "^shard" "$T/s0.out")" "shard 0/3: 2 queries, 20 candidates written to $T/s0.db" \
   "shard summary line"
is "$(q "SELECT count(*) FROM run")" 1 "no run until the merge"

run "$NEGSIEVE" merge "$P" "$T/s0.db" "$T/s2.db"
is "$rc" 3 "incomplete set refused"
is "$err" "negsieve: 2 of 3 shards given; missing 1/3 (merge all shards of a job at once)" "missing shard message"
run "$NEGSIEVE" merge "$P" "$T/s0.db" "$T/s1.db" "$T/s0.db"
is "$err" "negsieve: $T/s0.db: shard 0/3 is given twice (also as $T/s0.db)" "shard given twice"
"$NEGSIEVE" mine --range-max 10 --num-negatives 1 --shard 1/3 -o "$T/x1.db" "$P" >/dev/null
run "$NEGSIEVE" merge "$P" "$T/s0.db" "$T/x1.db" "$T/s2.db"
is "$err" "negsieve: $T/x1.db: shard 1/3 was mined with other parameters or vectors than $T/s0.db" \
   "shards of different parameters refused"
"$NEGSIEVE" mine --range-max 10 --num-negatives 2 --shard 1/4 -o "$T/y1.db" "$P" >/dev/null
run "$NEGSIEVE" merge "$P" "$T/s0.db" "$T/y1.db"
is "$err" "negsieve: $T/y1.db: shard 1/4 is not of the same job as $T/s0.db (shard 0/3)" \
   "shards of a different count refused"
"$NEGSIEVE" init "$T/other" >/dev/null
id=$(q "SELECT value FROM meta WHERE key='project_id'")
oid=$(sqlite3 "$T/other/negsieve.db" "SELECT value FROM meta WHERE key='project_id'")
run "$NEGSIEVE" merge "$T/other" "$T/s0.db" "$T/s1.db" "$T/s2.db"
is "$err" "negsieve: $T/s0.db: a shard of another project (id $id; this project is $oid)" \
   "shard of another project refused"
run "$NEGSIEVE" merge "$P" "$P/negsieve.db"
is "$err" "negsieve: $P/negsieve.db: not a negsieve shard (write one with 'negsieve mine --shard I/N --output FILE')" \
   "a file that is not a shard"
run "$NEGSIEVE" merge "$P" "$T/none.db"
is "$rc" 7 "missing shard file exits 7"
is "$err" "negsieve: $T/none.db: cannot open: No such file or directory" "missing shard message"
is "$(q "SELECT count(*) FROM run")" 1 "refused merges leave the project unchanged"

run "$NEGSIEVE" merge "$P" "$T/s2.db" "$T/s0.db" "$T/s1.db"
is "$rc" 0 "complete set merges (in any order)"
is "$(printf '%s\n' "$out" | head -1)" "run 2: merged 3 shards, 7 queries, 70 candidates" "merge summary"
is "$(printf '%s\n' "$out" | sed -n '/^Metric/,$p')" "$summary1" "... then mine's summary, the unsharded run's"
is "$(q "SELECT count(*) FROM (SELECT query_id, passage_id, rank, round(score,5), filter, flag FROM candidate WHERE run_id=1 EXCEPT SELECT query_id, passage_id, rank, round(score,5), filter, flag FROM candidate WHERE run_id=2)")" 0 \
   "merged run has the same kept candidates as the unsharded run"
is "$(pool 1 | cut -f1-7 | md5sum)" "$(pool 2 | md5sum)" \
   "merged run has the same pool (candidates, scores, filters) as the unsharded run"
is "$(q "SELECT count(*) FROM run_positive WHERE run_id=2")" 7 "positives' scores merged (query 1 has two)"
is "$(q "SELECT json_extract(params,'\$.shards')||' '||json_extract(params,'\$.num_negatives') FROM run WHERE id=2")" \
   "3 2" "merged run records its parameters and shard count"
is "$(q "SELECT json_extract(params,'\$.pooled') FROM run WHERE id=2")" 70 \
   "merged run records its pool's size (for stats)"
run "$NEGSIEVE" merge "$P" "$T/s0.db" "$T/s1.db" "$T/s2.db"
is "$err" "negsieve: these shards were already merged as run 2" "a job merges once"

run "$NEGSIEVE" mine --method bm25 --shard 0/1 --output "$T/b.db" "$P"
is "$rc" 0 "bm25 mines into a shard too"
run "$NEGSIEVE" merge "$P" "$T/b.db"
is "$(printf '%s\n' "$out" | head -1)" "run 3: merged 1 shards, 7 queries, $(pool - "$T/b.db" | wc -l) candidates" \
   "a bm25 shard merges"
is "$(q "SELECT method FROM run WHERE id=3")" bm25 "merged run keeps the method"

# a decision made after the shards were mined: merge publishes the run
# with the decisions of now, as an unsharded mine made now does
for i in 0 1; do
	"$NEGSIEVE" mine --range-max 10 --num-negatives 3 --shard $i/2 \
		-o "$T/d$i.db" "$P" >/dev/null 2>&1
done
fnq=$(sqlite3 "$T/d0.db" "SELECT query_id FROM candidate WHERE filter IS NULL ORDER BY query_id, rank LIMIT 1")
fnp=$(sqlite3 "$T/d0.db" "SELECT passage_id FROM candidate WHERE filter IS NULL ORDER BY query_id, rank LIMIT 1")
q "INSERT INTO annotator(name, created_at) VALUES ('late', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
  VALUES ($fnq, $fnp, (SELECT id FROM annotator WHERE name = 'late'), 'fn', 'now')"
run "$NEGSIEVE" merge "$P" "$T/d0.db" "$T/d1.db"
is "$rc" 0 "shards mined before a decision merge"
is "$(q "SELECT count(*) FROM candidate WHERE run_id = 4 AND query_id = $fnq AND passage_id = $fnp")" 0 \
   "... without the passage labelled FN since among the kept candidates"
is_in "$out" "Skipped 1 candidates (1.43%) by false_negative" "... the summary says so"
is "$(pool 4 | awk -F'\t' -v q=$fnq -v p=$fnp '$1 == q && $2 == p { print $5 }')" false_negative \
   "... nor in the pool"
merged=$(printf '%s\n' "$out" | sed -n '/^Metric/,$p')
run "$NEGSIEVE" mine --range-max 10 --num-negatives 3 "$P"
is "$(printf '%s\n' "$out" | sed -n '/^Metric/,$p')" "$merged" \
   "the merge's summary is an unsharded mine's of now"
is "$(q "SELECT count(*) FROM (SELECT query_id, passage_id, rank, score, filter, dup_sim, flag FROM candidate WHERE run_id=4 EXCEPT SELECT query_id, passage_id, rank, score, filter, dup_sim, flag FROM candidate WHERE run_id=5)") $(q "SELECT count(*) FROM candidate WHERE run_id=4") $(q "SELECT count(*) FROM candidate WHERE run_id=5")" \
   "0 21 21" "merged run = the unsharded run mined after the decision (kept candidates)"
is "$(pool 4 | md5sum)" "$(pool 5 | md5sum)" "... and pool"
is "$(q "SELECT group_concat(query_id || ':' || passage_id || ':' || score) FROM (SELECT * FROM run_positive WHERE run_id = 4 ORDER BY 1, 2, 3)")" \
   "$(q "SELECT group_concat(query_id || ':' || passage_id || ':' || score) FROM (SELECT * FROM run_positive WHERE run_id = 5 ORDER BY 1, 2, 3)")" \
   "... and positives' scores"
run "$NEGSIEVE" mine --refilter --run 4 "$P"
is "$(q "SELECT json_extract(params, '\$.num_negatives') || ' ' || count(*) FROM run JOIN candidate c ON c.run_id = run.id WHERE run.id = 4")" \
   "3 21" "--refilter without options keeps the merged run's settings"

# the shards' settings unreadable (another version's?): refused
for i in 0 1; do
	cp "$T/d$i.db" "$T/e$i.db"
	sqlite3 "$T/e$i.db" "UPDATE shard_meta SET value = json_set(value, '\$.anchor', 'middle') WHERE key IN ('params', 'job')"
done
runs=$(q "SELECT count(*) FROM run")
run "$NEGSIEVE" merge "$P" "$T/e0.db" "$T/e1.db"
is "$rc:$err" "3:negsieve: the shards' parameters: anchor 'middle' is not one of min, mean, max" \
   "shards with an unknown setting: refused, naming it"
is "$(q "SELECT count(*) FROM run")" "$runs" "... no run added"

# two merges of one job at once: one makes the run, the other is refused
# as a merge after it would be.  Both are held at their write lock (a
# holder has it) so that both have read the shards and would have checked
# before either writes; the check must be made under the lock.
for i in 0 1; do
	"$NEGSIEVE" mine --range-max 10 --num-negatives 1 --shard $i/2 \
		-o "$T/c$i.db" "$P" >/dev/null 2>&1
done
runs=$(q "SELECT count(*) FROM run")
python3 -c 'import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]): time.sleep(0.02)
c.execute("COMMIT")' "$P/negsieve.db" "$T/mlocked" "$T/mrelease" & holder=$!
while [ ! -e "$T/mlocked" ] && kill -0 $holder 2>/dev/null; do sleep 0.05; done
for m in a b; do
	"$NEGSIEVE" merge "$P" "$T/c0.db" "$T/c1.db" >"$T/m$m.out" 2>"$T/m$m.err" &
	eval "pid_$m=\$!"
done
sleep 1.5
touch "$T/mrelease"
wait $holder
wait $pid_a; rc_a=$?
wait $pid_b; rc_b=$?
is "$(q "SELECT count(*) FROM run")" "$((runs + 1))" "two merges at once: one run added"
merged=$(q "SELECT max(id) FROM run")
is "$(echo $rc_a $rc_b | tr ' ' '\n' | sort | tr '\n' ' ')" "0 3 " "... one succeeds, the other exits 3"
is "$(cat "$T/ma.err" "$T/mb.err")" "negsieve: these shards were already merged as run $merged" \
   "... saying the job was merged as the other's run"
is "$(q "SELECT count(*) FROM candidate WHERE run_id > $merged")" 0 "... and adding no candidates"

# a query and a passage imported after the vectors were made: mining says
# they are not mined, and how to add them
sqlite3 "$P/negsieve.db" "INSERT INTO passage(id,text,source_id) VALUES(40,'late passage',1);
INSERT INTO query(id,xid,text,source_id) VALUES(40,'q40','late query',1);"
run "$NEGSIEVE" mine --range-max 10 --num-negatives 2 "$P"
is "$rc" 0 "mining with rows newer than the vectors"
is_in "$out" "note: 1 of 8 queries and 1 of 32 passages have no vector of model" "... says what is not mined"
sqlite3 "$P/negsieve.db" "DELETE FROM passage WHERE id = 40; DELETE FROM query WHERE id = 40;"

# reduced precision on an engine that computes f32 only: a usage error
# naming both options
for g in openblas faiss avx512; do
	run "$NEGSIEVE" mine --precision bf16 --gemm $g "$P"
	is "$rc" 2 "--precision bf16 --gemm $g: usage error"
	is_in "$err" "--precision bf16 needs --gemm onednn or auto, not $g" "... naming both options"
done

# factory strings with a size of 0: faiss would abort or crash on them
runs=$(q "SELECT count(*) FROM run")
for f in IVF0,Flat HNSW0 IVF8,PQ0; do
	run "$NEGSIEVE" mine --index $f "$P"
	is "$rc" 2 "--index $f: usage error (no signal)"
	is_in "$err" "--index (mine.index) '$f': a size of 0" "... saying why"
done
is "$(q "SELECT count(*) FROM run")" "$runs" "... no run stored"

# --output onto a database that is not a shard (the project's own, another
# project's) is refused: the shard would be renamed over it; a shard file
# mined again is replaced
sum0=$(cksum <"$P/negsieve.db")
osum=$(cksum <"$T/other/negsieve.db")
for db in "$P/negsieve.db" "$T/other/negsieve.db"; do
	run "$NEGSIEVE" mine --range-max 10 --num-negatives 2 --shard 0/1 -o "$db" "$P"
	is "$rc" 2 "--output $db: usage error"
	is_in "$err" "--output $db: is a database but not a shard" "... saying why"
done
is "$(cksum <"$P/negsieve.db")" "$sum0" "... the project's database untouched"
is "$(cksum <"$T/other/negsieve.db")" "$osum" "... and the other project's"
ok "... no temporary file left" sh -c "! ls '$P' '$T/other' | grep -q tmp-"
run "$NEGSIEVE" mine --range-max 10 --num-negatives 2 --shard 0/1 -o "$T/b.db" "$P"
is "$rc" 0 "an existing shard is mined again into its file"

run "$NEGSIEVE" mine --shard 0/3 "$P"
is "$err" "negsieve: mine: --shard needs --output FILE
Try 'negsieve mine --help'." "--shard without --output"
run "$NEGSIEVE" mine --output x.db "$P"
is_in "$err" "negsieve: mine: --output needs --shard I/N" "--output without --shard"
run "$NEGSIEVE" mine --shard 3/3 -o x.db "$P"
is_in "$err" "negsieve: mine: --shard: expected I/N with 0 <= I < N, got '3/3'" "shard index out of range"
run "$NEGSIEVE" mine --refilter --shard 0/2 -o x.db "$P"
is_in "$err" "negsieve: mine: --refilter works on the project; it cannot be sharded" "refilter not sharded"
run "$NEGSIEVE" merge "$P"
is "$rc" 2 "merge without shards is a usage error"

# read-only opens neither migrate nor add an id
cp -r "$P" "$T/old"
sqlite3 "$T/old/negsieve.db" "DELETE FROM meta WHERE key='project_id'"
run "$NEGSIEVE" mine --shard 0/2 -o "$T/o.db" "$T/old"
is "$err" "negsieve: $T/old: the project has no id yet; open it once read-write (e.g. 'negsieve stats $T/old') before mining shards" \
   "a project without id cannot be sharded"
"$NEGSIEVE" stats "$T/old" >/dev/null
is "$(sqlite3 "$T/old/negsieve.db" "SELECT length(value) FROM meta WHERE key='project_id'")" 32 \
   "a read-write open gives an older project its id"
v=$(sqlite3 "$T/old/negsieve.db" "PRAGMA user_version")
sqlite3 "$T/old/negsieve.db" "PRAGMA user_version = $((v - 1))"
run "$NEGSIEVE" mine --shard 0/2 -o "$T/o.db" "$T/old"
is "$rc" 8 "a shard of an older schema exits 8"
is "$err" "negsieve: $T/old/negsieve.db has schema version $((v - 1)), this negsieve writes $v; open it once read-write (e.g. 'negsieve stats') to upgrade it" \
   "older schema message"
ok "no shard file written on failure" test ! -e "$T/o.db"
done_testing
