#!/bin/sh
# cli-sigterm.sh - a command ended by SIGTERM with its standard output in
# a file keeps there what it had printed: mine's report lines (stdout is
# written line by line), export -o -'s records (whole ones: the handler
# writes the pending ones); the project stays consistent and the killed
# run invisible; export -o FILE leaves neither FILE nor its temporary.
. "${top_srcdir:-.}/tests/lib.sh"
cd "$T" || exit 1

# 5000 queries x 3000 passages of random words, BM25-mined: a mine of a
# few seconds and an export of about 8 MB
python3 - <<'PY'
import os, random
random.seed(7)
words = ['w%d' % i for i in range(3000)]
os.makedirs('beir/qrels')
with open('beir/corpus.jsonl', 'w') as f:
    for i in range(3000):
        f.write('{"_id": "p%d", "text": "%s"}\n' % (i, ' '.join(random.choice(words) for _ in range(40))))
with open('beir/queries.jsonl', 'w') as f:
    for i in range(5000):
        f.write('{"_id": "q%d", "text": "%s"}\n' % (i, ' '.join(random.choice(words) for _ in range(6))))
with open('beir/qrels/train.tsv', 'w') as f:
    f.write('query-id\tcorpus-id\tscore\n')
    for i in range(5000):
        f.write('q%d\tp%d\t1\n' % (i, i % 3000))
PY
"$NEGSIEVE" init p >/dev/null
"$NEGSIEVE" import p beir >/dev/null
q() { sqlite3 p/negsieve.db "$1"; }

# term_when LOG COND CMD...: start CMD in the background with stdout to
# LOG; wait (up to 60 s) until the shell condition COND holds while it
# still runs, then SIGTERM it.  $st: its exit status; $landed: 1 when the
# signal came while it ran.
term_when() {
	log=$1 cond=$2; shift 2
	"$@" >"$log" 2>"$log.err" &
	pid=$!
	landed=0 i=0
	while [ $i -lt 1200 ]; do
		if eval "$cond"; then
			kill -TERM $pid 2>/dev/null && landed=1
			break
		fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	wait $pid
	st=$?
}

term_when mine.log "grep -q '^search' mine.log" "$NEGSIEVE" mine --method bm25 --range-max 50 --num-negatives 5 p
# (the search line comes seconds before the end: the run's 250000
# candidates are published after it)
is "$landed" 1 "mine: its report line reached the file while it ran"
is "$st" 143 "mine: ended by SIGTERM"
is_in "$(cat mine.log)" "search bm25: " "mine: the line printed before SIGTERM is in the file"
is "$(q 'PRAGMA integrity_check')" ok "mine: the database is intact after SIGTERM"
is "$(q 'SELECT count(*) FROM candidate')" 0 "mine: no candidate of the killed run is visible"
run "$NEGSIEVE" mine --method bm25 --range-max 50 --num-negatives 5 p
is "$rc" 0 "mine: the same command again completes the run"
is_in "$out" ": 5000 queries, 250000 candidates" "mine: ... with every query"

# export to standard output: killed once the first records reached the
# file, it holds whole records only, each valid JSON
term_when out.jsonl "test -s out.jsonl" "$NEGSIEVE" export -o - p
if [ $landed = 1 ]; then
	is "$st" 143 "export -o -: ended by SIGTERM"
	ok "export -o -: the file ends with a whole record" \
		sh -c 'test "$(tail -c 1 out.jsonl | od -An -c | tr -d " ")" = "\n"'
	ok "export -o -: every record in it is valid JSON" python3 -c '
import json, sys
n = 0
for line in open("out.jsonl"):
    json.loads(line); n += 1
sys.exit(n == 0)'
	ok "export -o -: it is not the whole export" \
		test "$(wc -l <out.jsonl)" -lt 5000
else
	skip "export -o -: ended by SIGTERM" "the export ended first (status $st)"
fi

# export to a file: neither the file nor its temporary is left
term_when none.log "ls exp.jsonl.tmp-* >/dev/null 2>&1" "$NEGSIEVE" export -o exp.jsonl p
if [ $landed = 1 ]; then
	is "$st" 143 "export -o FILE: ended by SIGTERM"
	is "$(ls -d exp.jsonl* 2>/dev/null)" "" "export -o FILE: no file and no temporary left"
else
	skip "export -o FILE: ended by SIGTERM" "the export ended first (status $st)"
fi
is "$(q 'SELECT count(*) FROM export')" 0 "export: no export recorded by the killed ones"
is "$(q 'PRAGMA integrity_check')" ok "export: the database is intact"
done_testing
