#!/bin/sh
# cli-cascade-rescore.sh - command and judge stages score again what they
# were asked from other inputs (a changed model, prompt, command line or
# text), and the old scores route nothing meanwhile; a judge endpoint that
# goes down midway is declared down once, keeping what it scored.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/cascade-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
command -v curl >/dev/null || skip_all "no curl"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# 40 queries x 5 kept candidates, near-duplicate similarity spread over
# [0, 1) (as tests/cli-cascade.sh, smaller)
gen() { cascade_gen "$1/negsieve.db" 40; }

# serve NAME [VAR=VALUE...]: a fake chat server (its pid in $srv, its
# port in $port)
serve() {
	name=$1; shift
	rm -f "$T/$name.port"
	env "$@" "$PY" "$top_srcdir/tests/fake-chat-server.py" "$T/$name.port" >/dev/null 2>&1 &
	srv=$!
	i=0; while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cat "$T/$name.port")
}
count() { curl -s "http://127.0.0.1:$port/count"; }
reset() { curl -s "http://127.0.0.1:$port/reset" >/dev/null; }

P=$T/p
db() { sqlite3 "$P/negsieve.db" "$@"; }
"$NEGSIEVE" init "$P" >/dev/null
gen "$P"
serve a
# stages: CMD_ARGS, MODEL, PROMPT (a prompt: line or nothing)
stages() {
	cat <<YAML
cascade:
  stages:
    - scorer: near_duplicate
      lo: 0.3
      hi: 0.9
      fit: false
    - name: cmd
      scorer: command
      command: ["$PY", "$top_srcdir/tests/fake-scorer.py", "stream"$1]
    - name: llm
      scorer: judge
      endpoint: http://127.0.0.1:$port/v1
      model: $2
      lo: 0.5
      hi: 0.99
      fit: false
      concurrency: 4
      retries: 1
      backoff: 0.1
$3
YAML
}
stages "" m1 "" >"$T/c.yaml"
run "$NEGSIEVE" config "$P" "$T/c.yaml"
is "$rc" 0 "a cascade with a command and a judge stage"
band=$(db "SELECT count(*) FROM candidate WHERE dup_sim >= 0.3 AND dup_sim <= 0.9")
ok "some candidates reach the external stages ($band)" test "$band" -gt 20
run "$NEGSIEVE" cascade "$P"
is "$rc" 0 "first cascade"
is_in "$out" "stage llm: $band to score; $band scored, 0 failed; $band requests" "the judge scores every candidate it sees"
reset
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage llm: nothing new to score" "a re-run asks nothing"
is "$(count)" 0 "... of the judge"

# another model: every score of the old one is asked again
stages "" m2 "" >"$T/c.yaml"
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
reset
run "$NEGSIEVE" cascade "$P"
is "$rc" 0 "cascade after the model changed"
is_in "$out" "stage cmd: nothing new to score" "the command's inputs did not change"
is_in "$out" "stage llm: $band to score ($band again: their input changed); $band scored, 0 failed; $band requests, 0 from the cache" \
	"another model: every candidate asked again"
is "$(count)" "$band" "... one request each"
# ... in a new version: thresholds fitted on the old model's scores do
# not hold for the new model's (they kept routing under "version 1")
is_in "$out" "cascade version 2 (new: the stages, their settings, thresholds or targets differ from version 1's): " \
	"another model starts a new version, and the line says why"
is "$(db "SELECT count(*) FROM cascade_fit")" 2 "... stored beside the first"
# another prompt
cat >>"$T/c.yaml" <<'YAML'
      prompt: "Query: {{query}}\nPositives: {{positives}}\nCandidate: {{candidate}}\nIs the candidate relevant? Answer in JSON."
YAML
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
reset
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage llm: $band to score ($band again: their input changed); $band scored" "another prompt: asked again"
is "$(count)" "$band" "... one request each"
# back to the first settings: scored again, the answers from the cache
stages "" m1 "" >"$T/c.yaml"
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
reset
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage llm: $band to score ($band again: their input changed); $band scored, 0 failed; 0 requests, $band from the cache" \
	"the first settings again: from the judge's cache (it keys on the same inputs)"
is "$(count)" 0 "... nothing sent"
# the temperature changes answers
printf '      temperature: 0.5\n' >>"$T/c.yaml"
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage llm: $band to score ($band again: their input changed)" "another temperature: asked again"
# the timeout or the concurrency do not
sed -i 's/concurrency: 4/concurrency: 3/' "$T/c.yaml"
printf '      timeout: 30\n' >>"$T/c.yaml"
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage llm: nothing new to score" "another timeout or concurrency: nothing asked"
is_in "$out" "cascade version $(db "SELECT max(id) FROM cascade_fit") (the thresholds" "... and the version is kept"
# another command line
stages ', "--v2"' m1 "      temperature: 0.5" >"$T/c.yaml"
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage cmd: $band to score ($band again: their input changed); $band scored" "another command line: scored again"
is_in "$out" "stage llm: nothing new to score" "... the judge's inputs did not change"
# texts: a candidate's text filled in, a positive added to a query
pid=$(db "SELECT passage_id FROM candidate WHERE dup_sim >= 0.3 AND dup_sim <= 0.9 ORDER BY passage_id LIMIT 1")
qid=$(db "SELECT query_id FROM candidate WHERE dup_sim >= 0.3 AND dup_sim <= 0.9
 AND query_id <> (SELECT query_id FROM candidate WHERE passage_id = $pid) ORDER BY query_id DESC LIMIT 1")
nq=$(db "SELECT count(*) FROM candidate WHERE dup_sim >= 0.3 AND dup_sim <= 0.9 AND query_id = $qid")
db "UPDATE passage SET hash = 100000, text = 'passage $pid, now with more text' WHERE id = $pid;
INSERT INTO passage(id, hash, text, source_id) VALUES (1000, 1000, 'another positive', 1);
INSERT INTO qrel(query_id, passage_id, grade, source_id) VALUES ($qid, 1000, 1, 1);"
reset
run "$NEGSIEVE" cascade "$P"
is_in "$out" "stage cmd: $((nq + 1)) to score ($((nq + 1)) again: their input changed)" "changed texts: the command scores those items again"
is_in "$out" "stage llm: $((nq + 1)) to score ($((nq + 1)) again: their input changed); $((nq + 1)) scored, 0 failed; $((nq + 1)) requests" "... and the judge"
is "$(count)" "$((nq + 1))" "... one request each"
is "$(db "SELECT count(*) FROM stage_score WHERE key IS NULL")" 0 "every score has its key"

# stale scores route nothing while they wait: another model, the
# endpoint down
ok "the judge decides items with its scores" test "$(db "SELECT count(*) FROM item_auto WHERE stage = 'llm' AND verdict = 'tn'")" -gt 0
stages ', "--v2"' m3 "      temperature: 0.5" >"$T/c.yaml"
sed -i "s|127.0.0.1:$port|127.0.0.1:9|; s/retries: 1/retries: 0/" "$T/c.yaml"
"$NEGSIEVE" config "$P" "$T/c.yaml" >/dev/null
before=$(db "SELECT count(*) FROM stage_score WHERE stage = 'llm'")
run "$NEGSIEVE" cascade "$P"
is "$rc" 10 "the judge down for the new model: exit 10"
is_in "$out" "$band items wait for a stage to score them" "the items it scored for another model wait"
is "$(db "SELECT count(*) FROM item_auto WHERE stage = 'llm' AND verdict <> 'review'")" 0 \
	"... none is decided by an old score"
is "$(db "SELECT count(*) FROM item_auto WHERE stage = 'llm' AND verdict = 'review'")" "$band" "... all wait at the judge"
is "$(db "SELECT count(*) FROM stage_score WHERE stage = 'llm'")" "$before" "the old scores are kept"
run "$NEGSIEVE" fit "$P"
is "$rc" 0 "fit"
is_in "$out" "($band not scored)" "fit does not take the old scores either"
kill "$srv" 2>/dev/null

# a judge endpoint that goes down midway: declared down once, the scores
# it made kept, the rest not asked (each would wait out its retries) and
# left waiting, exit status 10; the failed candidates listed a few only
P2=$T/p2
"$NEGSIEVE" init "$P2" >/dev/null
cascade_gen "$P2/negsieve.db" 120 0.5
serve d FAKE_CHAT_DIE_AFTER=40
judge() {
	cat <<YAML
cascade:
  stages:
    - name: llm
      scorer: judge
      endpoint: http://127.0.0.1:$1/v1
      model: m1
      concurrency: 4
      retries: 2
      backoff: 0.2
YAML
}
judge "$port" >"$T/d.yaml"
"$NEGSIEVE" config "$P2" "$T/d.yaml" >/dev/null
dport=$port
run "$NEGSIEVE" cascade "$P2"
is "$rc" 10 "a judge down midway: exit 10"
made=$(printf '%s\n' "$out" | sed -n 's/^stage llm: 600 to score; \([0-9]*\) scored.*/\1/p')
ok "it scored some before it went down (${made:-none})" test "${made:-0}" -gt 0 -a "${made:-0}" -le 40
# 8 requests in a row unanswered, and those in flight then (up to
# concurrency - 1 more)
down=$(printf '%s\n' "$out" | sed -n "s|^stage llm: endpoint down after \([0-9]*\) requests in a row without an answer: http://127.0.0.1:$dport/v1/chat/completions: .*|\1|p")
ok "declared down, with the last error, after ${down:-?} requests without an answer" \
	test "${down:-0}" -ge 8 -a "${down:-99}" -le 11
is_in "$out" "; $((600 - ${made:-0})) items wait" "... and how many wait"
is "$(printf '%s\n' "$out" | grep -c 'endpoint down')" 1 "... once"
ok "no line for each candidate ($(printf '%s\n' "$out" | grep -c '^llm: ') listed)" \
	test "$(printf '%s\n' "$out" | grep -c '^llm: ')" -le 5
is_in "$err" "negsieve: cascade: 1 external stage went down (see above); the $((600 - ${made:-0})) items without a score are held" \
	"the exit status's reason"
is "$(sqlite3 "$P2/negsieve.db" "SELECT count(*) FROM stage_score WHERE stage = 'llm'")" "${made:-x}" \
	"the scores it made are kept"
is "$(sqlite3 "$P2/negsieve.db" "SELECT count(*) FROM item_auto WHERE stage = 'llm' AND verdict = 'review'")" "$((600 - ${made:-0}))" \
	"... the others wait at the stage"
# back: the re-run asks only those left (another port: the URL is not an input)
serve d2
judge "$port" >"$T/d.yaml"
"$NEGSIEVE" config "$P2" "$T/d.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P2"
is "$rc" 0 "the endpoint back: exit 0"
is_in "$out" "stage llm: $((600 - ${made:-0})) to score; $((600 - ${made:-0})) scored, 0 failed; $((600 - ${made:-0})) requests" \
	"only the candidates left are asked"
# candidates the endpoint refuses one by one (HTTP 400: it answers, it is
# not down): the first 5 listed, the others counted
sqlite3 "$P2/negsieve.db" "UPDATE passage SET text = text || ' #400', hash = hash + 10000 WHERE id <= 8"
run "$NEGSIEVE" cascade "$P2"
is "$rc" 10 "candidates refused one by one, none scored: exit 10 (as before)"
is "$(printf '%s\n' "$out" | grep -c '^llm: passage p[1-8] of query q[12]: .*HTTP 400: context too long')" 5 \
	"the first 5 failures listed"
is_in "$out" "stage llm: 3 more failed candidates (the first 5 are listed above)" "... the others counted"
is_in "$out" "stage llm: 8 to score (8 again: their input changed); 0 scored, 8 failed" "... on the stage's line"
kill "$srv" 2>/dev/null

# a command that goes down midway (it answered, then fails at every
# start): the same
cat >"$T/down.py" <<'PYEOF'
import json, os, sys
f = sys.argv[1]
n = int(open(f).read()) if os.path.exists(f) else 0
if n >= 30:
    sys.stderr.write("gpu lost\n")
    sys.exit(2)
for line in sys.stdin:
    json.loads(line)
    n += 1
    open(f, "w").write(str(n))
    sys.stdout.write('{"score": 0.1}\n')
    sys.stdout.flush()
    if n >= 30:
        sys.exit(3)
PYEOF
cat >"$T/e.yaml" <<YAML
cascade:
  stages:
    - name: cmd
      scorer: command
      command: ["$PY", "$T/down.py", "$T/down.count"]
      restarts: 2
YAML
P3=$T/p3
cp -r "$P2" "$P3"
sqlite3 "$P3/negsieve.db" "DELETE FROM stage_score"
"$NEGSIEVE" config "$P3" "$T/e.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P3"
is "$rc" 10 "a command down midway: exit 10"
is_in "$out" "stage cmd: cascade.stages.0.command: down after failing 3 times in a row: the command exited with status 2 before answering (stderr: gpu lost); 570 items wait" \
	"declared down once, the rest waiting"
is_in "$out" "stage cmd: 600 to score; 30 scored, 570 failed; the command started 3 times (2 restarts)" \
	"the next batches are not asked"
ok "no line for each candidate" test "$(printf '%s\n' "$out" | grep -c '^cmd: ')" -le 5
is "$(sqlite3 "$P3/negsieve.db" "SELECT count(*) FROM stage_score WHERE stage = 'cmd'")" 30 "the scores it made are kept"


# a dead endpoint (it accepts connections and closes them unanswered)
# costs about one candidate's retries, not a retry storm: a candidate
# waiting to retry keeps its slot, so at most `concurrency` are in flight
# or in back-off, and 8 requests in a row without an answer, across
# candidates, stop the stage once those in flight are over
P4=$T/p4
cp -r "$P2" "$P4"
sqlite3 "$P4/negsieve.db" "DELETE FROM stage_score"
serve dead FAKE_CHAT_ANSWER_EVERY=0
judge "$port" | sed 's/model: m1/model: m-dead/; s/retries: 2/retries: 5/' >"$T/f.yaml"
"$NEGSIEVE" config "$P4" "$T/f.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P4"
is "$rc" 10 "a dead endpoint: exit 10"
sent=$(count)
ok "at most concurrency x (retries + 1) requests: $sent" test "${sent:-999}" -le 24 -a "${sent:-0}" -ge 8
is_in "$out" "stage llm cannot run: endpoint down after " "declared down"
is_in "$out" " requests in a row without an answer: http://127.0.0.1:$port/v1/chat/completions: Empty reply from server; " \
	"... with the number of requests and the last error"
is_in "$out" "stage llm: 600 to score; 0 scored, 600 failed; $sent requests" "the stage counts the requests the server saw"
# what becomes of the candidates, said the same way on both streams
is_in "$out" "; its 600 candidates are held, not offered for review, until a later cascade scores them" \
	"stdout: the candidates are held"
is_in "$err" "negsieve: cascade: every one of the 600 external scores failed (see above); those items are held, not offered for review, until a later cascade scores them" \
	"stderr: the same"
is "$(sqlite3 "$P4/negsieve.db" "SELECT count(*) FROM item_auto WHERE stage = 'llm' AND verdict = 'review'")" 600 \
	"... they wait at the stage"
kill "$srv" 2>/dev/null
# a flaky endpoint that answers every other request is not down: the
# answers break every run of failures (with 10 retries a candidate fails
# 1 time in 2048)
serve flaky FAKE_CHAT_ANSWER_EVERY=2
judge "$port" | sed 's/model: m1/model: m-flaky/; s/retries: 2/retries: 10/; s/backoff: 0.2/backoff: 0.01/' >"$T/f.yaml"
"$NEGSIEVE" config "$P4" "$T/f.yaml" >/dev/null
run "$NEGSIEVE" cascade "$P4"
is "$rc" 0 "a flaky endpoint: exit 0"
is "$(printf '%s\n' "$out" | grep -c 'endpoint down')" 0 "... not declared down"
made=$(printf '%s\n' "$out" | sed -n 's/^stage llm: 600 to score; \([0-9]*\) scored.*/\1/p')
is "$made" 592 "... and its answers are scores (the 8 candidates marked #400 above fail)"
kill "$srv" 2>/dev/null

done_testing
