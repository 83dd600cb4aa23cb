#!/bin/sh
# cli-import-bad.sh - bad input: exact messages with file:line:col, nothing
# half-imported, and --skip-bad.
. "${top_srcdir:-.}/tests/lib.sh"
cd "$T" || exit 1

counts() {
	"$NEGSIEVE" stats --json "$1" | awk -F'[:,]' '
		/^  "[a-z_]+": [0-9]+/ { gsub(/[" ]/, "", $1); gsub(/ /, "", $2); v[$1] = $2 }
		END { print v["queries"], v["passages"], v["passage_ids"], v["positives"], v["judged_negatives"], v["candidates"] }'
}
nsources() { sqlite3 "$1/negsieve.db" "SELECT count(*) FROM source"; }

"$NEGSIEVE" init p >/dev/null
printf '{"_id": "k1", "text": "kept"}\n' >keep.jsonl
"$NEGSIEVE" import p --corpus keep.jsonl >/dev/null
base=$(counts p)
is "$base" "0 1 1 0 0 0" "baseline project"

# bad [-c] [-w] FILE MESSAGE NAME [import args]: the import fails with
# exactly MESSAGE and leaves the project as it was (-c: FILE is --corpus
# FILE; -w: a whole file refused, where --skip-bad cannot help, so the
# closing line does not offer it)
bad() {
	role="" hint=" (--skip-bad FILE imports the rest and writes the bad records to FILE)"
	if [ "$1" = -c ]; then role=--corpus; shift; fi
	if [ "$1" = -w ]; then hint=""; shift; fi
	f=$1 msg=$2 name=$3; shift 3
	run "$NEGSIEVE" import "$@" p $role "$f"
	is "$rc" 3 "$name: exit status 3"
	is "$err" "negsieve: $msg
negsieve: nothing was imported$hint" "$name: message"
	is "$(counts p)" "$base" "$name: project unchanged"
	is "$(nsources p)" 1 "$name: no source added"
}

printf '{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": "bad \377 byte"}\n' >utf8.jsonl
bad -c utf8.jsonl "utf8.jsonl:2:28: invalid UTF-8 lead byte" "invalid UTF-8"

printf 'p1\tfine\np2\tnul\000here\n' >nul.tsv
bad -c nul.tsv "nul.tsv:2:7: NUL byte" "NUL byte"

printf '{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": "cut' >trunc.jsonl
bad -c trunc.jsonl "trunc.jsonl:2:26: invalid JSON: premature end of input near '\"cut'" "truncated last line"

printf '{"query": "q", "pos": ["a"], "neg": ["b", "c"], "neg_scores": [1.5, NaN]}\n' >nan.jsonl
bad nan.jsonl "nan.jsonl:1:69: score is not a finite number" "NaN score in JSON"
printf '{"query": "q", "pos": ["a"], "pos_scores": [1e999]}\n' >big.jsonl
bad big.jsonl "big.jsonl:1:45: score is not a finite number" "overflowing score in JSON"
printf '301 Q0 D1 1 inf run\n' >inf.run
bad inf.run "inf.run:1:13: score is not a finite number: 'inf'" "inf score in a TREC run"
printf '301 Q0 D1 1 nan run\n' >nan.run
bad nan.run "nan.run:1:13: score is not a finite number: 'nan'" "nan score in a TREC run"
printf '{"query": "q", "pos": ["a", "b"], "pos_scores": [1]}\n' >len.jsonl
bad len.jsonl "len.jsonl:1:35: \"pos_scores\" has 1 entries but \"pos\" has 2" "scores and passages differ in number"
# scores without their list: the list is most likely under another key
printf '{"query": "q", "pos": ["p"], "negs": ["n"], "neg_scores": [0.5]}\n' >noneg.jsonl
bad noneg.jsonl "noneg.jsonl:1:45: \"neg_scores\" has 1 entries but there is no \"neg\"" "neg_scores without neg"
printf '{"query": "q", "pos_scores": [1, 2], "neg": ["n"]}\n' >nopos.jsonl
bad nopos.jsonl "nopos.jsonl:1:16: \"pos_scores\" has 2 entries but there is no \"pos\"" "pos_scores without pos"
# sentence-transformers columns go by position: a row shorter or longer
# than its header would lose negatives or make others
printf 'anchor,positive,negative\nq,p,n\nq2,p2\n' >short.csv
bad short.csv "short.csv:3:6: expected 3 columns as in the header (anchor, positive, negative), got 2" "CSV row shorter than its header"
printf 'anchor\tpositive\tnegative\nq\tp\tn\tm\n' >long.tsv
bad long.tsv "long.tsv:2:7: expected 3 columns as in the header (anchor, positive, negative), got 4" "TSV row longer than its header"

printf '{"_id": "d1", "text": "one"}\n{"_id": "d2", "text": "two"}\n{"_id": "d1", "text": "one"}\n{"_id": "d1", "text": "uno"}\n' >dup.jsonl
bad -c dup.jsonl "dup.jsonl:4:2: duplicate passage id 'd1' with a different text (first at line 1)" "duplicate id, different text"
printf 'k1\tnot what was kept\n' >dup2.tsv
bad dup2.tsv "dup2.tsv:1:1: passage id 'k1' was imported from keep.jsonl with a different text" "id of an earlier import, different text"
printf '301 Q0 D1 1 2.0 run\n301 Q0 D1 2 1.0 run\n' >dup.run
bad dup.run "dup.run:2:8: document 'D1' is listed twice for query '301' (first at line 1)" "document twice in a run"

mkdir -p beir/qrels
printf '{"_id": "d1", "text": "one"}\n' >beir/corpus.jsonl
printf '{"_id": "q1", "text": "first"}\n' >beir/queries.jsonl
printf 'q1\td1\t1\nq2\td1\t1\n' >beir/qrels/test.tsv
bad beir "beir/qrels/test.tsv:2:1: unknown query id 'q2' (not in the queries nor the project)" "dangling qrels reference"
printf 'q1\td1\t1\nq1\td9\t1\n' >beir/qrels/test.tsv
bad beir "beir/qrels/test.tsv:2:4: unknown passage id 'd9' (not in the corpus nor the project)" "dangling passage reference"
printf 'q1\td1\tx\n' >beir/qrels/test.tsv
printf 'q1\td1\t1\nq1\td1\tx\n' >beir/qrels/test.tsv
bad beir "beir/qrels/test.tsv:2:7: score is not an integer grade: 'x'" "bad grade after the first line"

: >empty.jsonl
bad -w empty.jsonl "empty.jsonl: the file is empty" "empty file"
mkdir -p notbeir
: >notbeir/x.txt
bad -w notbeir "notbeir: not a BEIR directory: no corpus.jsonl, queries.jsonl or qrels/*.tsv in it (found: x.txt)" "directory that is not BEIR"
# a qrels/ without a .tsv, or an empty directory, would import nothing: an
# error too, not a warning and a successful import of nothing
mkdir -p noqrels/qrels empty
: >noqrels/qrels/README
bad -w noqrels "noqrels: not a BEIR directory: no corpus.jsonl, queries.jsonl or qrels/*.tsv in it (found: qrels/README)" "BEIR directory with an empty qrels/"
bad -w empty "empty: not a BEIR directory: no corpus.jsonl, queries.jsonl or qrels/*.tsv in it (found: nothing)" "empty directory"
# with good inputs before and after it, the whole import fails, and the
# directory is checked before any input is read
printf 'g1\tgood passage\n' >good.tsv
printf '{"_id": "q7", "text": "good query"}\n' >goodq.jsonl
bad -w notbeir "notbeir: not a BEIR directory: no corpus.jsonl, queries.jsonl or qrels/*.tsv in it (found: x.txt)" "directory after a good input" --corpus good.tsv
run "$NEGSIEVE" import p notbeir goodq.jsonl
is "$rc" 3 "directory before a good input: exit status 3"
is_in "$err" "negsieve: notbeir: not a BEIR directory: no corpus.jsonl, queries.jsonl or qrels/*.tsv in it (found: x.txt)" "directory before a good input: message"
is "$(counts p)" "$base" "directory before a good input: project unchanged"
is "$(nsources p)" 1 "directory before a good input: no source added"
run "$NEGSIEVE" import --skip-bad skipped.txt p --corpus good.tsv notbeir
is "$rc" 3 "directory that is not BEIR with --skip-bad: exit status 3"
is "$err" "negsieve: notbeir: not a BEIR directory: no corpus.jsonl, queries.jsonl or qrels/*.tsv in it (found: x.txt)
negsieve: nothing was imported" "directory that is not BEIR with --skip-bad: not skipped, message"
is "$(counts p)" "$base" "directory that is not BEIR with --skip-bad: project unchanged"
# a directory with some of its files is imported, with a warning
mkdir -p onlyq
printf '{"_id": "q8", "text": "only queries"}\n' >onlyq/queries.jsonl
"$NEGSIEVE" init pq >/dev/null
run "$NEGSIEVE" import pq onlyq
is "$rc" 0 "BEIR directory with queries only: imported"
is "$err" "negsieve: warning: onlyq: a BEIR directory without corpus.jsonl or qrels/*.tsv: only its queries are imported (found: queries.jsonl)" "BEIR directory with queries only: warning"
is "$(counts pq)" "1 0 0 0 0 0" "BEIR directory with queries only: its query added"
printf 'hello world\n' >what.txt
bad -w what.txt "what.txt: cannot detect the format; use --format" "undetectable format"
printf '{"name": "x"}\n' >what.jsonl
bad -w what.jsonl "what.jsonl: cannot detect the format: a JSON record without the keys of a known format; use --format" "unknown JSON keys"
printf '{"_id": "d1"}\n' >notext.jsonl
bad -c notext.jsonl "notext.jsonl:1:1: missing \"text\"" "missing text"
printf 'a,"b"x,c\n' >quote.csv
bad quote.csv "quote.csv:1:6: unexpected character after a closing quote" "junk after a closing quote"
printf 'a,"b\nc,d\n' >open.csv
bad open.csv "open.csv:1:1: unterminated quoted field" "unterminated quoted field"
printf '301 0 D1\n' >short.qrels
bad short.qrels "short.qrels:1:1: expected 4 fields (query iteration docid grade), got 3" "short qrels line" --format trec-qrels

# Several inputs are one transaction: a bad second input keeps the first out.
printf '{"_id": "g1", "text": "good"}\n' >good.jsonl
run "$NEGSIEVE" import p --corpus good.jsonl --corpus utf8.jsonl
is "$rc" 3 "second input bad: exit status 3"
is "$(counts p)" "$base" "second input bad: first input not imported either"
is "$(nsources p)" 1 "second input bad: no source added"

# A 10 MB record is fine; above import.max_record_bytes it is an error.
{
	printf '{"_id": "big", "text": "'
	head -c 10000000 /dev/zero | tr '\0' x
	printf '"}\n{"_id": "small", "text": "s"}\n'
} >big10.jsonl
run "$NEGSIEVE" import p --corpus big10.jsonl
is "$rc" 0 "10 MB record imported"
is "$(sqlite3 p/negsieve.db "SELECT length(text) FROM passage p JOIN passage_xid x ON x.passage_id = p.id WHERE xid = 'big'")" 10000000 "10 MB text stored whole"
printf 'import:\n  max_record_bytes: 1000000\n' >small.yaml
"$NEGSIEVE" init --config small.yaml ps >/dev/null
run "$NEGSIEVE" import ps --corpus big10.jsonl
is "$err" "negsieve: big10.jsonl:1: record longer than 1000000 bytes (import.max_record_bytes)
negsieve: nothing was imported (--skip-bad FILE imports the rest and writes the bad records to FILE)" "record above the limit"
run "$NEGSIEVE" import --skip-bad big.bad ps --corpus big10.jsonl
is "$rc" 0 "--skip-bad gets past a huge record"
is "$(counts ps)" "0 1 1 0 0 0" "the small record is in"
is "$(cat big.bad)" "# big10.jsonl:1: record longer than 1000000 bytes (import.max_record_bytes)" "huge record reported without its text"

# Inputs that are fine.
printf '{"_id": "n1", "text": "a\302\205b"}\n' >nel.jsonl
"$NEGSIEVE" init pn >/dev/null
run "$NEGSIEVE" import pn --corpus nel.jsonl
is "$rc" 0 "U+0085 inside a JSON string"
is "$(sqlite3 pn/negsieve.db "SELECT hex(text) FROM passage")" "61C28562" "U+0085 kept, line not split"
printf 'n2\tno newline at the end' >nonl.tsv
run "$NEGSIEVE" import pn --corpus nonl.tsv
is "$(sqlite3 pn/negsieve.db "SELECT text FROM passage_xid x JOIN passage p ON p.id = x.passage_id WHERE xid = 'n2'")" "no newline at the end" "missing trailing newline"
printf 'n3\twindows\r\n' >crlf.tsv
run "$NEGSIEVE" import pn --corpus crlf.tsv
is "$(sqlite3 pn/negsieve.db "SELECT hex(text) FROM passage_xid x JOIN passage p ON p.id = x.passage_id WHERE xid = 'n3'")" "77696E646F7773" "CRLF line end removed"

mkdir -p b2/qrels b3/qrels
printf '{"_id": "d1", "text": "one"}\n{"_id": "d2", "text": "two"}\n' | tee b2/corpus.jsonl >b3/corpus.jsonl
printf '{"_id": "q1", "text": "first"}\n' | tee b2/queries.jsonl >b3/queries.jsonl
printf 'q1\td1\t1\nq1\td2\t0\n' >b2/qrels/test.tsv
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n' >b3/qrels/test.tsv
"$NEGSIEVE" init pb2 >/dev/null
"$NEGSIEVE" init pb3 >/dev/null
run "$NEGSIEVE" import pb2 b2
is "$(counts pb2)" "1 2 2 1 1 0" "qrels without header: first line kept"
run "$NEGSIEVE" import pb3 b3
is "$(counts pb3)" "1 2 2 1 1 0" "qrels with header: header skipped"

printf 'anchor,positive,negative\n"q1","a ""quoted""\nline",n1\nq2,p2,n2\n' >st.csv
"$NEGSIEVE" init pc >/dev/null
run "$NEGSIEVE" import pc st.csv
is_in "$out" "st.csv (st-csv: training rows): 2 records: 4 passages, 2 queries, 2 judgments, 2 candidates" "CSV with header and a quoted field over two lines"
is "$(sqlite3 pc/negsieve.db "SELECT text FROM passage WHERE id = 1")" 'a "quoted"
line' "quoted field decoded"

# A key a training format does not know is ignored, with a warning naming
# it once per input (a misspelled "neg" would lose every negative)
printf '{"query": "q1", "pos": ["p1"], "negs": ["n1"]}\n{"query": "q2", "pos": ["p2"], "negs": ["n2"], "nag": []}\n{"query": "q3", "pos": ["p3"], "neg": ["n3"]}\n' >negs.jsonl
printf '{"query_id": "t1", "query": "q", "positive_passages": [{"docid": "d1", "text": "p"}], "negative_pasages": [{"docid": "d2", "text": "n"}]}\n' >tevkey.jsonl
"$NEGSIEVE" init pu >/dev/null
run "$NEGSIEVE" import pu negs.jsonl tevkey.jsonl
is "$rc" 0 "unknown keys: imported"
is "$err" "negsieve: warning: negs.jsonl:1: unknown key \"negs\" ignored in 2 records, the first at this line (BGE keys: query, pos, neg, pos_scores, neg_scores, prompt, type)
negsieve: warning: negs.jsonl:2: unknown key \"nag\" ignored (BGE keys: query, pos, neg, pos_scores, neg_scores, prompt, type)
negsieve: warning: tevkey.jsonl:1: unknown key \"negative_pasages\" ignored (Tevatron keys: query_id, query, positive_passages, negative_passages)" "unknown keys: one warning per key and input"
is_in "$out" "negs.jsonl (bge: training rows): 3 records: 4 passages, 3 queries, 3 judgments, 1 candidates" "unknown keys: the rest imported"

# Tevatron (integer ids too) and sentence-transformers JSON lines.
printf '{"query_id": 7, "query": "what", "positive_passages": [{"docid": "d1", "title": "T", "text": "pos"}], "negative_passages": [{"docid": 2, "text": "neg"}, {"docid": "d3", "title": "", "text": "neg3"}]}\n{"query_id": "8", "query": "who", "positive_passages": [{"docid": "d1", "title": "T", "text": "pos"}], "negative_passages": []}\n' >tev.jsonl
printf '{"anchor": "a", "positive": "p", "negative_1": "n1", "negative_2": "n2"}\n["a2", "p", "n1"]\n' >stj.jsonl
"$NEGSIEVE" init pt >/dev/null
run "$NEGSIEVE" import pt tev.jsonl stj.jsonl
is_in "$out" "tev.jsonl (tevatron: training rows): 2 records: 3 passages, 2 queries, 2 judgments, 2 candidates" "tevatron summary"
is_in "$out" "stj.jsonl (st-jsonl: training rows): 2 records: 3 passages, 2 queries, 2 judgments, 3 candidates" "st-jsonl summary"
is "$(sqlite3 pt/negsieve.db "SELECT group_concat(xid, ' ') FROM (SELECT xid FROM passage_xid ORDER BY xid)")" "2 d1 d3" "tevatron docids, integer ones as text"
is "$(sqlite3 pt/negsieve.db "SELECT count(*) FROM query WHERE xid LIKE 'h:%'")" 2 "queries without ids get h: ids"

# --skip-bad: bad records go to the file with their reasons, the rest lands.
printf '{"_id": "s1", "text": "one"}\n{"_id": "s2", "text": "bad \377"}\n{"_id": "s3"}\n{"_id": "s4", "text": "four"}\n' >mixed.jsonl
"$NEGSIEVE" init pk >/dev/null
run "$NEGSIEVE" import --skip-bad skipped.txt pk --corpus mixed.jsonl
is "$rc" 0 "--skip-bad: exit 0"
is "$(counts pk)" "0 2 2 0 0 0" "--skip-bad: good records imported"
is "$(sed -n 1p skipped.txt; sed -n 3p skipped.txt; sed -n 4p skipped.txt)" "# mixed.jsonl:2:28: invalid UTF-8 lead byte
# mixed.jsonl:3:1: missing \"text\"
{\"_id\": \"s3\"}" "--skip-bad: reasons and records"
is "$(sqlite3 pk/negsieve.db "SELECT records || ' ' || skipped FROM source")" "4 2" "--skip-bad: counts in the source"
is_in "$out" "2 bad records written to skipped.txt" "--skip-bad: summary"
# the file is made only for a bad record; one already there is emptied,
# so that it never shows an earlier import's records
printf '{"_id": "g1", "text": "good"}\n' >good.jsonl
run "$NEGSIEVE" import --skip-bad none.bad pk --corpus good.jsonl
is "$rc" 0 "--skip-bad, nothing bad: exit 0"
ok "... no file made" test ! -e none.bad
printf '{"_id": "g2", "text": "good too"}\n' >good2.jsonl
run "$NEGSIEVE" import --skip-bad skipped.txt pk --corpus good2.jsonl
is "$(wc -c <skipped.txt)" 0 "... an earlier import's file emptied"
# a file that cannot be made: stopped before anything is read, or at the
# first bad record when only then it turns out
run "$NEGSIEVE" import --skip-bad nodir/x.bad pk --corpus mixed.jsonl
is "$rc" 4 "--skip-bad in a missing directory: I/O error"
is "$err" "negsieve: nodir/x.bad: cannot create: No such file or directory
negsieve: nothing was imported" "... saying so"
long=$(printf '%0300d' 0)
printf '{"_id": "s5", "text": "five"}\n{"_id": "s6"}\n' >late.jsonl
run "$NEGSIEVE" import --skip-bad "$long" pk --corpus late.jsonl
is "$rc" 4 "--skip-bad FILE that cannot be made at the first bad record: I/O error"
is "$err" "negsieve: $long: cannot create: File name too long
negsieve: nothing was imported" "... saying so"
is "$(counts pk)" "0 4 4 0 0 0" "... nothing imported"
# a file refused whole: --skip-bad cannot help, and it is not offered
printf 'a\tb\n' | iconv -t UTF-16 >u16.tsv
run "$NEGSIEVE" import --skip-bad u16.bad pk --corpus u16.tsv
is "$rc" 3 "--skip-bad, UTF-16: refused all the same"
is "$err" "negsieve: u16.tsv: the file is UTF-16 (little-endian; byte order mark FF FE), not UTF-8; convert it first, e.g. iconv -f UTF-16 -t UTF-8
negsieve: nothing was imported" "... without a hint at --skip-bad"
ok "... and no --skip-bad file made" test ! -e u16.bad

# A BGE row that fails half-way leaves nothing of itself behind.
printf '{"query": "ok", "pos": ["p"], "neg": ["n"]}\n{"query": "half", "pos": ["p2"], "neg": ["n2", 3]}\n' >half.jsonl
"$NEGSIEVE" init ph >/dev/null
run "$NEGSIEVE" import --skip-bad half.bad ph half.jsonl
is "$(counts ph)" "1 2 0 1 0 1" "--skip-bad: a bad row is dropped whole"
is "$(head -1 half.bad)" "# half.jsonl:2:34: neg[1] is not a string" "--skip-bad: its reason"
# an input imported with records skipped does not count as imported: the
# same content is read again (here it meets its bad record again)
run "$NEGSIEVE" import ph half.jsonl
is "$rc" 3 "the same input again after --skip-bad: read again, not skipped"
is_in "$err" "half.jsonl:2:34: neg[1] is not a string" "... meeting its bad record"

run "$NEGSIEVE" import --format nope p keep.jsonl
is "$rc" 2 "unknown --format is a usage error"
is_in "$err" "negsieve: import: --format: expected one of auto,beir,bge,tevatron,st-csv,st-tsv,st-jsonl,trec-run,trec-qrels,id-text,trec-topics,rank-llm,pool (or FORMAT:FILE), got 'nope'" "unknown format named"
run "$NEGSIEVE" import p
is "$rc" 2 "no INPUT is a usage error"
run "$NEGSIEVE" import p missing.jsonl
is "$rc" 7 "missing input exits 7"
is "$err" "negsieve: missing.jsonl: cannot open: No such file or directory
negsieve: nothing was imported" "missing input message"

# A fresh project, where new passages and ids are written in batches of
# 64: a repeated text (of a row still waiting to be written, and of one
# written), a repeated id with the same text, then at line 150 an id with
# a different text -- reported at its own line, nothing imported.
awk 'BEGIN { for (i = 1; i <= 150; i++) {
	t = "t" i; id = "b" i
	if (i == 60) t = "t5"
	if (i == 130) t = "t3"
	if (i == 100) { id = "b90"; t = "t90" }
	if (i == 150) { id = "b7"; t = "other" }
	printf "{\"_id\": \"%s\", \"text\": \"%s\"}\n", id, t } }' >batch.jsonl
"$NEGSIEVE" init pb >/dev/null
run "$NEGSIEVE" import pb --corpus batch.jsonl
is "$err" "negsieve: batch.jsonl:150:2: duplicate passage id 'b7' with a different text (first at line 7)
negsieve: nothing was imported (--skip-bad FILE imports the rest and writes the bad records to FILE)" "batches: bad record reported at its line"
is "$(counts pb)" "0 0 0 0 0 0" "batches: nothing imported"
head -n 149 batch.jsonl >batch-ok.jsonl
run "$NEGSIEVE" import pb --corpus batch-ok.jsonl
is "$rc" 0 "batches: good file imported"
is "$(counts pb)" "0 146 148 0 0 0" "batches: repeated texts and ids deduplicated"
pbq() { sqlite3 pb/negsieve.db "SELECT group_concat(x.passage_id, ' ') FROM passage_xid x WHERE x.xid IN ($1) ORDER BY x.xid"; }
is "$(pbq "'b5', 'b60'")" "5 5" "batches: text of a waiting row shared"
is "$(pbq "'b3', 'b130'")" "3 3" "batches: text of a written row shared"
is "$(sqlite3 pb/negsieve.db "SELECT p.id || ' ' || p.text FROM passage p JOIN passage_xid x ON x.passage_id = p.id WHERE x.xid = 'b149'")" "146 t149" "batches: ids follow the file"
"$NEGSIEVE" init pe >/dev/null
printf '{"_id": "e1", "text": ""}\n{"_id": "e2", "text": "x"}\n' >empty.jsonl
run "$NEGSIEVE" import pe --corpus empty.jsonl
is "$(sqlite3 pe/negsieve.db "SELECT id || ':' || quote(title) || ':' || quote(text) FROM passage ORDER BY id" | tr '\n' ' ')" "1:'':'' 2:'':'x' " "batches: an empty text stays text, not NULL"
is_in "$out" "empty.jsonl (beir: passages): 2 records: 2 passages, 0 queries, 0 judgments, 0 candidates; 1 passage with an empty or blank text" \
	"an empty passage text: imported and counted"
# the same in every format: bge negatives and positives "" or blanks
printf '{"query": "q", "pos": ["p", " "], "neg": ["", " \\t", "n"]}\n{"query": "", "pos": ["p"]}\n' >blank.jsonl
run "$NEGSIEVE" import pe blank.jsonl
is_in "$out" "blank.jsonl (bge: training rows): 2 records: 4 passages, 2 queries, 3 judgments, 3 candidates; 2 passages and 1 query with an empty or blank text" \
	"empty or blank bge texts: imported and counted (one empty passage known already)"
# blanks beyond ASCII: a no-break space, an ideographic space (text_blank())
printf '{"query": "\\u3000", "pos": ["p"], "neg": ["\\u00a0", " \\u3000 "]}\n' >nbsp.jsonl
run "$NEGSIEVE" import pe nbsp.jsonl
is_in "$out" "; 2 passages and 1 query with an empty or blank text" \
	"U+00A0 and U+3000 alone are blank texts too"
"$NEGSIEVE" init pbs >/dev/null
run "$NEGSIEVE" import --skip-bad batch.bad pbs --corpus batch.jsonl
is "$(counts pbs)" "0 146 148 0 0 0" "batches, --skip-bad: the rest imported"
is "$(head -1 batch.bad)" "# batch.jsonl:150:2: duplicate passage id 'b7' with a different text (first at line 7)" "batches, --skip-bad: reason"

done_testing
