#!/bin/sh
# cli-import-inputs.sh - import of the files users hold, from anywhere
# (issue 12): encodings, pipes and standard input, routing by content and
# role options, inputs imported twice, --positive-grade, what the counts
# say, read-only projects, atomic init, exit codes and warnings, JSON
# arrays, gzip/zstd, rank_llm JSON, candidate pools, TREC topics, and the
# prompt of FlagEmbedding rows in the embedder.
. "${top_srcdir:-.}/tests/lib.sh"
cd "$T" || exit 1
F=$top_srcdir/tests/fixtures
D=$NEGSIEVE_DATA

counts() {
	"$NEGSIEVE" stats --json "$1" | awk -F'[:,]' '
		/^  "[a-z_]+": [0-9]+/ { gsub(/[" ]/, "", $1); gsub(/ /, "", $2); v[$1] = $2 }
		END { print v["queries"], v["passages"], v["passage_ids"], v["positives"], v["judged_negatives"], v["candidates"] }'
}
q() { sqlite3 "$1/negsieve.db" "$2"; }
n=0
fresh() { n=$((n + 1)); P=p$n; "$NEGSIEVE" init "$P" >/dev/null; }
NOTHING="negsieve: nothing was imported (--skip-bad FILE imports the rest and writes the bad records to FILE)"
# a whole file refused (its encoding, its format): --skip-bad cannot help
NONE="negsieve: nothing was imported"

# --- 1. encodings: no crash, a message ------------------------------------
fresh
printf 'a\tb\tc\n' | iconv -t UTF-16 >u16.tsv
run "$NEGSIEVE" import "$P" u16.tsv
is "$rc" 3 "UTF-16 with a byte order mark: exit 3, no crash"
is "$err" "negsieve: u16.tsv: the file is UTF-16 (little-endian; byte order mark FF FE), not UTF-8; convert it first, e.g. iconv -f UTF-16 -t UTF-8
$NONE" "UTF-16: message"
printf 'a\tb\tc\n' | iconv -t UTF-16LE >u16le.tsv
run "$NEGSIEVE" import "$P" u16le.tsv
is "$rc" 3 "UTF-16 without a byte order mark: exit 3"
is "$err" "negsieve: u16le.tsv: the file is not UTF-8 text (6 of its first 12 bytes are NUL): UTF-16 or UTF-32 without a byte order mark, or binary; convert text with iconv -t UTF-8
$NONE" "UTF-16 without BOM: message"
printf 'a\tb\n' | iconv -t UTF-32 >u32.tsv
run "$NEGSIEVE" import "$P" u32.tsv
is_in "$err" "u32.tsv: the file is UTF-32 (little-endian; byte order mark FF FE 00 00), not UTF-8" "UTF-32: message"
printf 'a\000\tb\t1\n' >nul1.tsv
run "$NEGSIEVE" import "$P" nul1.tsv
is "$rc" 3 "NUL in the first record: exit 3, no crash"
is "$err" "negsieve: nul1.tsv:1:2: NUL byte
$NONE" "NUL in the first record: file:line:col"
printf 'abc' | xz -c >x.xz 2>/dev/null && {
	run "$NEGSIEVE" import "$P" x.xz
	is_in "$err" "x.xz: the file is compressed with xz, which negsieve does not read (gzip and zstd it does); decompress it first" "xz refused with a message"
}
is "$(counts "$P")" "0 0 0 0 0 0" "encodings: nothing imported"

# --- 2. pipes and standard input ------------------------------------------
TRI=$D/splade-msmarco-toy/triplets/raw.tsv
if [ -f "$TRI" ]; then
	fresh
	run sh -c "cat '$TRI' | '$NEGSIEVE' import '$P' /dev/stdin"
	is "$rc" 0 "cat | import /dev/stdin: exit 0"
	is "$(counts "$P")" "100 146 0 100 0 100" "cat | import /dev/stdin: all 100 rows"
	is_in "$out" "/dev/stdin (st-tsv: training rows): 100 records" "/dev/stdin: read as st-tsv"
	fresh
	run sh -c "'$NEGSIEVE' import '$P' - <'$TRI'"
	is "$(counts "$P")" "100 146 0 100 0 100" "import - <file"
	is_in "$out" "<stdin> (st-tsv: training rows): 100 records" "- is <stdin> in the report"
	is "$(q "$P" "SELECT path FROM source")" "<stdin>" "source of - is <stdin>"
	fresh
	mkfifo fifo
	gzip -c "$TRI" >fifo &
	run "$NEGSIEVE" import "$P" fifo
	wait
	is "$(counts "$P")" "100 146 0 100 0 100" "gzip through a named pipe (as <(zcat ...))"
	is_in "$out" "fifo (st-tsv: training rows, gzip): 100 records" "named pipe: gzip recognised by its bytes"
	rm -f fifo
	run "$NEGSIEVE" import "$P" - -
	is "$rc" 2 "- twice is a usage error"
	is_in "$err" "standard input (-) can be read only once" "- twice: message"
	fresh
	run sh -c "printf '' | '$NEGSIEVE' import '$P' -"
	is "$rc" 3 "empty standard input: exit 3"
	is "$err" "negsieve: <stdin>: the file is empty
$NONE" "empty standard input: message"
	is "$(q "$P" "SELECT count(*) FROM source")" 0 "empty standard input: no source"
fi

# --- 3. routing by content, role options ----------------------------------
# BEIR queries under another name: short texts are queries.
fresh
awk 'BEGIN { for (i = 1; i <= 43; i++) printf "{\"_id\": \"%d\", \"text\": \"what is topic number %d\"}\n", 1000 + i, i }' >dl19-topics.jsonl
run "$NEGSIEVE" import "$P" dl19-topics.jsonl
is "$(counts "$P")" "43 0 0 0 0 0" "dl19-topics.jsonl (BEIR queries by another name): 43 queries"
is_in "$out" "dl19-topics.jsonl (beir: queries; short texts: 23 bytes on average): 43 records" "queries: says what and why"
# A corpus named query_pool.jsonl: its titles make it passages.
awk 'BEGIN { for (i = 1; i <= 30; i++) printf "{\"_id\": \"d%d\", \"title\": \"\", \"text\": \"passage %d\"}\n", i, i }' >query_pool.jsonl
run "$NEGSIEVE" import "$P" query_pool.jsonl
is "$(counts "$P")" "43 30 30 0 0 0" "query_pool.jsonl with titles: 30 passages"
is_in "$out" "query_pool.jsonl (beir: passages; records with titles): 30 records" "passages: says why"
# TREC topics qid<TAB>text: queries, not passages.
fresh
run "$NEGSIEVE" import "$P" "$F/dl19-topics.tsv"
is "$(counts "$P")" "10 0 0 0 0 0" "TREC topics TSV: 10 queries"
is_in "$out" "dl19-topics.tsv (trec-topics: queries; short texts: 35 bytes on average): 10 records" "topics: read as trec-topics"
is "$(q "$P" "SELECT text FROM query WHERE xid = '87181'")" "causes of left ventricular hypertrophy" "topic text by its id"
# Ids the project knows decide: a run's docids, then their texts.
fresh
printf '19335 Q0 7109877 1 14.8 bm25\n19335 Q0 82161 2 12.5 bm25\n' >small.run
printf '7109877\tshort text\n82161\tanother\n' >texts.tsv
run "$NEGSIEVE" import "$P" small.run texts.tsv
is_in "$out" "texts.tsv (id-text: passages; 2 of its first ids are passages of the project)" "ids known as passages decide"
is "$(q "$P" "SELECT count(*) FROM passage WHERE text IS NOT NULL")" 2 "their texts filled in"
# Too little to go on: an error asking for a role.
fresh
printf '{"_id": "a", "text": "x"}\n' >one.jsonl
run "$NEGSIEVE" import "$P" one.jsonl
is "$rc" 3 "undecidable queries/passages: exit 3"
is "$err" "negsieve: one.jsonl: cannot tell whether these records of an id and a text are queries or passages (no titles, too few records to judge by their lengths); say which with --queries one.jsonl or --corpus one.jsonl
$NONE" "undecidable: asks for --queries or --corpus"
run "$NEGSIEVE" import "$P" --queries one.jsonl
is "$(counts "$P")" "1 0 0 0 0 0" "--queries FILE"
is_in "$out" "one.jsonl (beir: queries): 1 records" "--queries: read as queries"
run "$NEGSIEVE" import "$P" --corpus "$F/dl19-topics.tsv"
is "$(counts "$P")" "1 10 10 0 0 0" "--corpus on id<TAB>text: passages"
run "$NEGSIEVE" import "$P" --run "$F/dl19-qrels.txt"
is "$rc" 3 "a role that does not fit: exit 3"
is "$err" "negsieve: $F/dl19-qrels.txt: --run wants candidates (a TREC run, rank_llm JSON), but this holds judgments (trec-qrels)
$NONE" "a role that does not fit: says what the file holds"
run "$NEGSIEVE" import "$P" --format trec-topics:one.jsonl
is "$rc" 3 "--format FORMAT:FILE applies to that file"
is_in "$err" "one.jsonl:1:26: expected id<TAB>text" "--format FORMAT:FILE: read so"
# A first query of three words ending in a number also reads as TREC
# qrels (qid iteration docid grade): a role leaves out the formats it
# cannot hold; without one, the next lines decide, and when they read
# both ways too the file is qrels, saying so and how to read it otherwise.
fresh
printf '1001\tpopulation of 1990\n1002\twhat is the boiling point of water\n1003\twho wrote hamlet\n' >q3.tsv
run "$NEGSIEVE" import "$P" q3.tsv
is "$err" "negsieve: q3.tsv: cannot tell whether these records of an id and a text are queries or passages (no titles, too few records to judge by their lengths); say which with --queries q3.tsv or --corpus q3.tsv
$NONE" "no role: the second line makes it id<TAB>text, not qrels"
run "$NEGSIEVE" import "$P" --queries q3.tsv
is "$rc:$(counts "$P")" "0:3 0 0 0 0 0" "--queries: id<TAB>text whose first text ends in a number"
is_in "$out" "q3.tsv (trec-topics: queries): 3 records" "... read as queries"
fresh
printf '1001\tstate of 1990\n1002\tcensus of 2000\n' >both.tsv
run "$NEGSIEVE" import "$P" both.tsv
is_in "$out" "both.tsv (trec-qrels: judgments; its lines read as id<TAB>text too: --queries both.tsv or --corpus both.tsv reads them so): 2 records" \
	"every line reads both ways: qrels, saying so"
printf '1001\tstate of 1990\n1002 1990\n' >bad2.tsv
run "$NEGSIEVE" import "$P" bad2.tsv
is "$err" "negsieve: bad2.tsv:2:1: expected 4 fields (query iteration docid grade), got 2 (read as trec-qrels from its first line, which reads as id<TAB>text too: --queries bad2.tsv or --format trec-topics:bad2.tsv reads it as queries, --corpus bad2.tsv as passages)
negsieve: nothing was imported (--skip-bad FILE imports the rest and writes the bad records to FILE)" \
	"an error in a file read as qrels that reads as id<TAB>text too: says how to read it otherwise"
printf '301 0 D1\t1\n301\t0\tD2\t0\n' >tabs.qrels
run "$NEGSIEVE" import "$P" tabs.qrels
is_in "$out" "tabs.qrels (trec-qrels: judgments): 2 records" "a qrels line that is not id<TAB>text decides"
fresh
run "$NEGSIEVE" import "$P" --qrels "$F/dl19-qrels.txt" --queries "$F/dl19-topics.tsv"
is "$rc" 0 "roles: queries before qrels whatever the order given"
is "$(q "$P" "SELECT count(*) FROM query WHERE text IS NOT NULL")" 10 "roles: topics with text"
is "$(q "$P" "SELECT group_concat(format, ' ') FROM (SELECT format FROM source ORDER BY id)")" "trec-topics trec-qrels" "roles: order corpus, queries, others, qrels, runs"

# --- 4. the same input twice ----------------------------------------------
if [ -f "$TRI" ]; then
	fresh
	"$NEGSIEVE" import "$P" "$TRI" >/dev/null
	run "$NEGSIEVE" import "$P" "$TRI"
	is "$rc" 0 "same file again: exit 0"
	is "$(counts "$P")" "100 146 0 100 0 100" "same file again: candidates not doubled"
	is_in "$out" "$TRI: already imported, with the same content, as source 1 ($TRI, " "same file again: says so"
	is_in "$out" "skipped (--again imports it again)" "same file again: names --again"
	is "$(q "$P" "SELECT count(*) FROM source")" 1 "same file again: no new source"
	gzip -c "$TRI" >tri.tsv.gz
	run "$NEGSIEVE" import "$P" tri.tsv.gz
	is_in "$out" "tri.tsv.gz: already imported, with the same content, as source 1" "the same content compressed is noticed"
	run "$NEGSIEVE" import --again "$P" "$TRI"
	is "$(counts "$P")" "100 146 0 100 0 200" "--again: imported again (a second run)"
	fresh
	run "$NEGSIEVE" import "$P" "$TRI" "$TRI"
	is "$(q "$P" "SELECT count(*) FROM source")" 1 "twice in one command: once"
	is_in "$out" "1 input imported before skipped (--again imports them again)" "twice in one command: summary"
fi
fresh
mkdir -p beir/qrels
printf '{"_id": "d1", "title": "", "text": "one"}\n{"_id": "d2", "title": "", "text": "two"}\n' >beir/corpus.jsonl
printf '{"_id": "q1", "text": "first"}\n' >beir/queries.jsonl
printf 'q1\td1\t1\n' >beir/qrels/test.tsv
"$NEGSIEVE" import "$P" beir >/dev/null
run "$NEGSIEVE" import "$P" beir
is_in "$out" "beir: already imported, with the same content, as source 1" "BEIR directory again: noticed"
is "$(q "$P" "SELECT count(*) FROM source")" 1 "BEIR directory again: no empty source"
printf 'q1\td2\t0\n' >beir/qrels/dev.tsv
run "$NEGSIEVE" import "$P" beir
is "$(counts "$P")" "1 2 2 1 1 0" "BEIR directory with a new qrels file: imported"
is_in "$out" "1 judgments were already in the project (from beir; highest grade kept)" "BEIR directory: known judgments named"

# --- 5. --positive-grade ---------------------------------------------------
fresh
run "$NEGSIEVE" import --positive-grade 2 "$P" "$F/dl19-qrels.txt"
is "$(counts "$P")" "3 5 5 2 4 0" "--positive-grade 2: grades 2 and 3 positive, 1 judged negative"
is_in "$out" "2 judgments below grade 2 stored as judged non-relevant" "--positive-grade: counted in the report"
is "$(q "$P" "SELECT q.grade || ' ' || f.grade FROM qrel q JOIN qrel_file_grade f USING (query_id, passage_id) JOIN passage_xid x ON x.passage_id = q.passage_id WHERE x.xid = '4446270'")" "0 1" "--positive-grade: the file's grade kept"
REL=$D/trec-eval-tests/qrels.rel_level
if [ -f "$REL" ]; then
	# awk: distinct pairs by highest grade; positives = highest >= 2
	want=$(awk '$1 != "#" && NF == 4 { k = $1 SUBSEP $3; if (!(k in g) || $4 > g[k]) g[k] = $4 }
		END { for (k in g) { if (g[k] >= 2) p++; else m++ } print p, m }' "$REL")
	printf 'import:\n  positive_grade: 2\n' >pg.yaml
	"$NEGSIEVE" init --config pg.yaml pg >/dev/null
	"$NEGSIEVE" import pg "$REL" >/dev/null
	is "$(q pg "SELECT sum(grade > 0) || ' ' || sum(grade <= 0) FROM qrel")" "$want" "import.positive_grade 2 on qrels.rel_level (-1..4), against awk"
fi
run "$NEGSIEVE" import --positive-grade 0 "$P" "$F/dl19-qrels.txt"
is "$rc" 2 "--positive-grade 0: usage error"
is_in "$err" "--positive-grade: expected an integer >= 1, got '0'" "--positive-grade 0: message"

# --- 6. counts that say what happened -------------------------------------
fresh
mkdir -p twin/qrels
printf '{"_id": "D1", "title": "", "text": "the same text"}\n{"_id": "D2", "title": "", "text": "the same text"}\n' >twin/corpus.jsonl
printf '{"_id": "q1", "text": "query"}\n' >twin/queries.jsonl
printf 'q1\tD1\t1\nq1\tD2\t1\nq1\tD2\t1\n' >twin/qrels/test.tsv
run "$NEGSIEVE" import "$P" twin
is "$(counts "$P")" "1 1 2 1 0 0" "two ids with one text, judged: one positive"
is_in "$out" "1 repeated judgments merged (highest grade kept); 1 judgments merged because two ids have one text (ids 'D1' and 'D2', query 'q1'; highest grade kept)" "says two ids share one text, apart from a real repeat"
B=$D/flagembedding-bge
if [ -f "$B/toy_finetune_data.jsonl" ]; then
	fresh
	run "$NEGSIEVE" import "$P" "$B/toy_finetune_data.jsonl" "$B/toy_finetune_data_minedHN.jsonl"
	is_in "$out" "10 judgments were already in the project (from $B/toy_finetune_data.jsonl; highest grade kept)" "mined rows over imported ones: names the earlier input"
	run "$NEGSIEVE" stats "$P"
	is_in "$out" "per source: what each import added (mined candidates are not counted here)" "stats: per-source caption"
	is_in "$out" "positives   imported  path" "stats: the column says imported"
fi

# --- 7. reading commands on a read-only project ---------------------------
fresh
"$NEGSIEVE" import "$P" --queries "$F/dl19-topics.tsv" "$F/dl19-rankllm.json" >/dev/null
ro() {	# run a command as someone who cannot write the project
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}
chmod -R a+rX,a-w "$P"
chmod a+rx "$T"
run ro "$NEGSIEVE" stats --json "$P"
is "$rc" 0 "stats on a read-only project: exit 0"
is_in "$out" '"queries": 10' "stats on a read-only project: counts"
mkdir out && chmod 777 out
run ro "$NEGSIEVE" mine --method bm25 --shard 1/2 --output "$T/out/shard1.db" "$P"
[ "$rc" = 0 ] || printf '# %s\n' "$err"
is "$rc" 0 "mine --shard on a read-only project: exit 0"
ok "mine --shard wrote its shard" test -s "$T/out/shard1.db"
run ro "$NEGSIEVE" config "$P"
is "$rc" 0 "config (showing it) on a read-only project: exit 0"
is "$out" "" "config without a stored configuration: nothing on standard output"
is "$err" "negsieve: $P: no configuration stored: the defaults apply ('negsieve init --example-config' prints every key with its default)" \
	"config without a stored configuration: says the defaults apply"
run ro "$NEGSIEVE" queue list "$P"
is "$rc" 0 "queue list on a read-only project: exit 0"
is_in "$out" "all " "queue list on a read-only project: the queues"
is "$(ls "$P")" "negsieve.db" "read-only project: nothing added"
v=$(q "$P" "PRAGMA user_version")
cp -r "$P" old && chmod -R u+w old && sqlite3 old/negsieve.db "PRAGMA user_version = $((v - 1))" && chmod -R a-w old
run ro "$NEGSIEVE" stats old
is "$rc" 8 "read-only project with an older schema: exit 8"
is "$err" "negsieve: old/negsieve.db has schema version $((v - 1)), older than this negsieve's $v, and it is read-only to you; someone who can write it must open it once with this negsieve (e.g. 'negsieve stats') to upgrade it" "older schema read-only: message names who can fix it"
chmod -R u+w "$P" old
"$NEGSIEVE" config "$P" >"$T/stored.yaml" 2>/dev/null
run "$NEGSIEVE" config "$P" "$T/stored.yaml"
is "$rc" 0 "config P > file, then config P file: the round trip works without a stored configuration"

# --- 8. init is atomic; 9. a full disk is exit 4 --------------------------
run sh -c "trap '' XFSZ; ulimit -f 40; exec '$NEGSIEVE' init full"
is "$rc" 4 "init on a full disk: exit 4 (I/O)"
is_in "$err" "negsieve: full: cannot create the project: " "init on a full disk: message"
ok "init on a full disk: no project left" test ! -e full
run "$NEGSIEVE" init full
is "$rc" 0 "init afterwards works"
fresh
awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "{\"_id\": \"d%d\", \"title\": \"t\", \"text\": \"passage number %d of the corpus, long enough to fill pages\"}\n", i, i }' >c5k.jsonl
run sh -c "trap '' XFSZ; ulimit -f 400; exec '$NEGSIEVE' import '$P' c5k.jsonl"
is "$rc" 4 "import on a full disk: exit 4, as the man page says"
is_in "$err" "disk I/O error" "import on a full disk: message (a file size limit stands in for the full disk)"
is "$(counts "$P")" "0 0 0 0 0 0" "import on a full disk: nothing imported"
grep -q '^I/O error: .*a full disk' "$top_srcdir/man/negsieve.1" 2>/dev/null ||
	grep -q 'a full disk' "$top_srcdir/man/negsieve.1"
is "$?" 0 "the man page lists a full disk under exit status 4"

# --- 9. BEIR directory without corpus.jsonl; missing final newline --------
fresh
mkdir -p nocorpus/qrels
printf '{"_id": "d1", "title": "", "text": "one"}\n' >nocorpus/docs.jsonl
printf '{"_id": "q1", "text": "first"}\n' >nocorpus/queries.jsonl
: >nocorpus/qrels/test.tsv
run "$NEGSIEVE" import "$P" nocorpus
is "$rc" 0 "BEIR directory without corpus.jsonl: exit 0"
is "$err" "negsieve: warning: nocorpus: a BEIR directory without corpus.jsonl: only its queries and judgments are imported (found: docs.jsonl, qrels/test.tsv, queries.jsonl)" "BEIR directory without corpus.jsonl: warns and lists what is there"
fresh
printf '7\tseven\n8\tcut sho' >cut.tsv
run "$NEGSIEVE" import "$P" --corpus cut.tsv
is "$rc" 0 "TSV without a final newline: imported"
is "$err" "negsieve: warning: cut.tsv:2: no newline at the end of the file: if the file was cut short, this last record may be incomplete" "TSV without a final newline: warning"
printf '{"_id": "e", "title": "", "text": "whole"}' >nonl.jsonl
run "$NEGSIEVE" import "$P" nonl.jsonl
is "$err" "" "JSON without a final newline: no warning (JSON shows whether it is whole)"

# --- 10. JSON arrays ---------------------------------------------------------
fresh
cat >pretty.json <<'J'
[
  {
    "query": "what is a flea",
    "pos": ["A flea is a small jumping insect."],
    "neg": ["A fly is an insect.", "A tick is a mite."],
    "neg_scores": [0.5, 0.7]
  },
  {"query": "how long do fleas live", "pos": ["Fleas live a few months."], "neg": []}
]
J
run "$NEGSIEVE" import "$P" pretty.json
is "$rc" 0 "pretty-printed JSON array of BGE rows: exit 0"
is "$(counts "$P")" "2 4 0 2 0 2" "pretty-printed JSON array: every row"
is_in "$out" "pretty.json (bge: training rows, JSON array): 2 records" "JSON array: says so"
is "$(q "$P" "SELECT group_concat(rank, ' ') FROM (SELECT rank FROM candidate ORDER BY score DESC)")" "1 2" "JSON array: ranks by score"
fresh
awk 'BEGIN { printf "["; for (i = 1; i <= 20000; i++) printf "%s{\"_id\": \"d%d\", \"title\": \"T\", \"text\": \"passage %d, in one JSON array on a single line of several megabytes\"}", (i > 1 ? "," : ""), i, i; printf "]" }' >oneline.json
run "$NEGSIEVE" import "$P" oneline.json
is "$(counts "$P")" "0 20000 20000 0 0 0" "a single-line JSON array of 20000 records"
printf '[{"_id": "a", "title": "", "text": "x"},\n {"_id": "b", "title": "", "text": "y"}\n {"_id": "c", "title": "", "text": "z"}]\n' >nocomma.json
run "$NEGSIEVE" import "$P" nocomma.json
is "$err" "negsieve: nocomma.json:3:2: expected ',' or ']' after an element of the JSON array
$NOTHING" "JSON array: a missing comma at its position"
printf '[{"_id": "a", "title": "", "text": "x"},\n {"_id": "b", "title": "", "text": "y"' >open.json
run "$NEGSIEVE" import "$P" open.json
is "$err" "negsieve: open.json:2:2: the JSON array is not closed (the input ends inside an element)
$NOTHING" "JSON array: cut short"
printf '[\n  {"_id": "a", "title": "", "text": 7}\n]\n' >badel.json
run "$NEGSIEVE" import "$P" badel.json
is "$err" "negsieve: badel.json:2:29: \"text\" is not a string
$NOTHING" "JSON array: a bad element at its line and column"
printf '[{"_id": "a", "title": "", "text": "x"}] trailing\n' >trail.json
run "$NEGSIEVE" import "$P" trail.json
is "$err" "negsieve: trail.json:1:42: text after the end of the JSON array
$NOTHING" "JSON array: text after it"
printf '[]\n' >empty.json
run "$NEGSIEVE" import "$P" empty.json
is "$err" "negsieve: empty.json: the JSON array is empty
$NONE" "JSON array: empty"
printf '{\n  "_id": "a"\n}\n' >obj.json
run "$NEGSIEVE" import "$P" obj.json
is "$err" "negsieve: obj.json: a JSON object over several lines: negsieve reads JSON lines (one record a line) or one JSON array of records
$NONE" "a pretty-printed JSON object: says what is read"
is "$(counts "$P")" "0 20000 20000 0 0 0" "JSON errors: nothing more imported"

# --- formats: gzip and zstd -----------------------------------------------
if [ -f "$B/msmarco.jsonl" ]; then
	fresh
	"$NEGSIEVE" import "$P" "$B/msmarco.jsonl" >/dev/null
	want=$(counts "$P")
	fresh
	gzip -c "$B/msmarco.jsonl" >m.jsonl.gz
	run "$NEGSIEVE" import "$P" m.jsonl.gz
	is "$(counts "$P")" "$want" ".jsonl.gz by path: same as plain"
	is_in "$out" "m.jsonl.gz (bge: training rows, gzip): 10 records" ".jsonl.gz: says gzip"
	fresh
	run sh -c "gzip -c '$B/msmarco.jsonl' | '$NEGSIEVE' import '$P' -"
	is "$(counts "$P")" "$want" ".jsonl.gz through a pipe: same as plain"
	fresh
	zstd -q -c "$B/msmarco.jsonl" >m.zst
	run "$NEGSIEVE" import "$P" m.zst
	is "$(counts "$P")" "$want" "zstd by its bytes (no .zst in the name needed): same as plain"
	is_in "$out" "m.zst (bge: training rows, zstd): 10 records" "zstd: says zstd"
	fresh
	head -c 3000 m.jsonl.gz >cut.gz
	run "$NEGSIEVE" import "$P" cut.gz
	is "$rc" 3 "gzip cut short: exit 3"
	is_in "$err" "cut.gz: gzip data is cut short" "gzip cut short: message"
	fresh
	{ head -n 4 "$B/msmarco.jsonl" | gzip -c; tail -n +5 "$B/msmarco.jsonl" | gzip -c; } >two.gz
	run "$NEGSIEVE" import "$P" two.gz
	is "$(counts "$P")" "$want" "two gzip members one after the other: one stream"
fi

# --- formats: rank_llm / pyserini JSON ------------------------------------
fresh
run "$NEGSIEVE" import --positive-grade 2 "$P" --run "$F/dl19-rankllm.json" --queries "$F/dl19-topics.tsv" --qrels "$F/dl19-qrels.txt"
is "$rc" 0 "DL'19: rank_llm JSON, topics and qrels in one command"
is_in "$out" "dl19-rankllm.json (rank-llm: queries, candidates and passages, JSON array): 3 records: 0 passages, 0 queries, 0 judgments, 6 candidates; filled in the text of 5 passages known by id only" "rank_llm: what it was read as"
is "$(q "$P" "SELECT count(*) FROM query")" 10 "rank_llm: int qids of hits are the topics' string ids"
is "$(q "$P" "SELECT group_concat(x.xid || '=' || c.rank || '@' || c.score, ' ') FROM (SELECT * FROM candidate ORDER BY query_id, rank) c JOIN passage_xid x ON x.passage_id = c.passage_id JOIN query q ON q.id = c.query_id WHERE q.xid = '19335'")" "7109877=1@14.8123 1017759=2@14.1105 82161=3@12.5" "rank_llm: candidates ranked by score"
is "$(q "$P" "SELECT count(*) FROM candidate WHERE filter = 'positive'")" 2 "rank_llm: judged positives (grade >= 2) marked"
is "$(q "$P" "SELECT text FROM passage p JOIN passage_xid x ON x.passage_id = p.id WHERE x.xid = '4446270'")" "High blood pressure is the most common cause of left ventricular hypertrophy: the heart muscle thickens as it works harder." "rank_llm: passage texts from content"
fresh
printf '{"query": {"text": "q one", "qid": "7"}, "candidates": [{"docid": "a", "score": 2.5, "doc": {"contents": "alpha"}}, {"docid": "b", "score": 3.5, "doc": {"title": "B", "text": "beta"}}]}\n' >req.jsonl
run "$NEGSIEVE" import "$P" req.jsonl
is "$(q "$P" "SELECT group_concat(p.title || ':' || p.text || ':' || c.rank, ' ') FROM (SELECT * FROM candidate ORDER BY rank) c JOIN passage p ON p.id = c.passage_id")" "B:beta:1 :alpha:2" "rank_llm request form (JSON lines, doc objects)"
printf '[{"query": "q", "hits": [{"qid": 1, "docid": "a", "score": 1, "content": "x"}, {"qid": 2, "docid": "b", "score": 1, "content": "y"}]}]\n' >mixed.json
run "$NEGSIEVE" import "$P" mixed.json
is "$err" "negsieve: mixed.json:1:81: hits[1].qid '2' is not the query's id '1'
$NOTHING" "rank_llm: hits of another query are an error"

# --- formats: FlagEmbedding candidate pool --------------------------------
fresh
printf '{"text": "pool passage one"}\n{"text": "pool passage two"}\n{"text": "pool passage one"}\n' >pool.jsonl
run "$NEGSIEVE" import "$P" pool.jsonl
is "$(counts "$P")" "0 2 2 0 0 0" "candidate pool: passages without ids"
is_in "$out" "pool.jsonl (pool: passages without ids): 3 records" "candidate pool: read as pool"
id1=$(q "$P" "SELECT xid FROM passage_xid x JOIN passage p ON p.id = x.passage_id WHERE p.text = 'pool passage one'")
fresh
printf '{"text": "pool passage one"}\n' >pool2.jsonl
"$NEGSIEVE" import "$P" pool2.jsonl >/dev/null
is "$(q "$P" "SELECT xid FROM passage_xid")" "$id1" "candidate pool: the id is the content hash, stable across imports"
case $id1 in h:????????????????) r=0 ;; *) r=1 ;; esac
is "$r" 0 "candidate pool: id h:16 hex digits"

# --- formats: TREC topics in <top> blocks ---------------------------------
fresh
run "$NEGSIEVE" import "$P" "$F/robust-topics.txt"
is "$(q "$P" "SELECT group_concat(xid || '=' || text, '|') FROM query")" "301=International Organized Crime|302=Poliomyelitis and Post-Polio" "<top> topics: num and title (over lines)"
is_in "$out" "robust-topics.txt (trec-topics: queries, <top> blocks): 2 records" "<top> topics: read as trec-topics"
printf '<top>\n<num> Number: 9\n<desc> no title\n</top>\n' >notitle.txt
run "$NEGSIEVE" import "$P" notitle.txt
is "$err" "negsieve: notitle.txt:4:1: topic '9' has no <title>
$NOTHING" "<top> without a title: error at </top>"
printf '<top>\n<num> Number: 10\n<title> open\n' >open.txt
run "$NEGSIEVE" import "$P" open.txt
is "$err" "negsieve: open.txt:1:1: <top> without </top> before the end of the file
$NONE" "<top> not closed: error"

# --- the prompt of FlagEmbedding rows in the embedder ---------------------
if command -v python3 >/dev/null; then
	python3 "$top_srcdir/tests/fake-embed-server.py" "$T/port" &
	srv=$!
	trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
	i=0
	while [ ! -f "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	URL=http://127.0.0.1:$(cat "$T/port")
	ctl() {
		python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$URL/$1"
	}
	fresh
	printf '{"query": "what is a flea", "pos": ["an insect"], "neg": ["a dog"], "prompt": "Represent this query: "}\n{"query": "no prompt here", "pos": ["p"]}\n' >prompt.jsonl
	"$NEGSIEVE" import "$P" prompt.jsonl >/dev/null
	ctl "set?mode=ok" >/dev/null
	run "$NEGSIEVE" embed --endpoint "$URL" --model m "$P"
	is "$rc" 0 "embed with prompts: exit 0"
	is "$(ctl texts | grep -e flea -e 'no prompt')" "Represent this query: what is a flea
no prompt here" "embed: the row's prompt in front of its query, as FlagEmbedding"
	ctl "set?mode=ok" >/dev/null
	run "$NEGSIEVE" embed --no-prompt --endpoint "$URL" --model m "$P"
	is "$(ctl texts | grep -e flea -e 'no prompt')" "what is a flea" "embed --no-prompt: the query alone (the other was cached)"
	kill $srv 2>/dev/null
	fresh
	"$NEGSIEVE" import "$P" prompt.jsonl >/dev/null
	"$NEGSIEVE" embed "$P" >/dev/null
	"$NEGSIEVE" embed --no-prompt "$P" >/dev/null
	f1=$(q "$P" "SELECT path FROM vecset WHERE kind = 'query' ORDER BY id LIMIT 1")
	f2=$(q "$P" "SELECT path FROM vecset WHERE kind = 'query' ORDER BY id DESC LIMIT 1")
	row() { dd if="$P/$1" bs=1536 skip="$2" count=1 2>/dev/null | cksum; }
	ok "built-in embedder: the query with a prompt differs with --no-prompt" test "$(row "$f1" 0)" != "$(row "$f2" 0)"
	is "$(row "$f1" 1)" "$(row "$f2" 1)" "built-in embedder: a query without prompt is the same"
fi

done_testing
