#!/bin/sh
# cli-export.sh - negsieve export from the command line: the summary, every
# format read back by Python's json and csv modules and by pandas, -o -,
# .gz, the export log in stats, the error messages; round trips (export,
# import into a new project: same queries, positives and negatives, texts
# byte-identical, ids kept) over the shared data; and the session of the
# issue: import, mine, flag three false negatives in review, export.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
# Debian's python3 (the one with Debian's pandas), else any
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v "$PY" >/dev/null || skip_all "no python3"
CHECK="$PY $top_srcdir/tests/export-check.py"

skip() {
	_n=$((_n + 1))
	echo "ok $_n # SKIP $1"
}

# --- the fixture project ----------------------------------------------
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
sqlite3 "$P/negsieve.db" <"$top_srcdir/tests/export-fixture.sql"

run "$NEGSIEVE" export -o "$T/a.jsonl" "$P"
is "$rc" 0 "bge export exits 0"
is "$(printf '%s\n' "$out" | head -5)" "export 1: bge to $T/a.jsonl (cascade fit 2)
false negatives   4 found (2 by people, 2 by the cascade)
queries           4 written of 6 (4 records)
older runs        1 queries took their negatives from an older run than the newest (2), which kept none for them (--run 2: that run alone)
queries dropped   1 by people, 0 by drop-query, 0 over --max-flagged" \
	"summary: what was written and dropped (q4's negatives from run 1)"
is_in "$out" "positives         3 judged + 4 added by relabelling" \
	"summary: positives added by relabelling"
is_in "$out" "negatives dropped 0 false negatives, 1 dropped by people" \
	"summary: negatives dropped"
run $CHECK bge "$T/a.jsonl"
is "$out" "bge ok: 4 records" "bge: FlagEmbedding's shape (json module)"

run "$NEGSIEVE" export -a drop-query -o "$T/dq.jsonl" "$P"
is_in "$out" "queries dropped   1 by people, 3 by drop-query" \
	"drop-query: counted"
is "$($CHECK queries "$T/dq.jsonl")" "delta query" "drop-query: one query left"

# -o - writes the records to standard output, the summary to stderr
run "$NEGSIEVE" export -o - "$P"
is "$out" "$(cat "$T/a.jsonl")" "-o -: the same records on stdout"
is_in "$err" "export 3: bge to standard output" "-o -: summary on stderr"
# so does -o /dev/stdout (the summary is not mixed into the data)
"$NEGSIEVE" export -o /dev/stdout "$P" >"$T/devout.jsonl" 2>"$T/devout.err"
is "$(cat "$T/devout.jsonl")" "$(cat "$T/a.jsonl")" "-o /dev/stdout: only the records on stdout"
is_in "$(cat "$T/devout.err")" "export 4: bge to /dev/stdout" "... the summary on stderr"

# -o onto a database (the project's own, or any SQLite file) is refused:
# it would be renamed over it; the project stays as it was
sum0=$(cksum <"$P/negsieve.db")
n0=$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM export")
run "$NEGSIEVE" export -o "$P/negsieve.db" "$P"
is "$rc" 2 "-o PROJECT/negsieve.db: usage error"
is_in "$err" "$P/negsieve.db: is an SQLite database" "... saying why"
is "$(cksum <"$P/negsieve.db")" "$sum0" "... the database untouched"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM export")" "$n0" "... no export logged"
ln -s "$P/negsieve.db" "$T/link.db"
run "$NEGSIEVE" export -o "$T/link.db" "$P"
is "$rc" 2 "-o a link to the database: refused too"
is "$(cksum <"$P/negsieve.db")" "$sum0" "... the database untouched"

# a run left unfinished by a killed mine has nothing to export: --run
# names it and is refused (as --refilter is); the default export passes it
u=$(sqlite3 "$P/negsieve.db" "INSERT INTO run(method, params, created_at, state) VALUES ('dense', '{}', 'now', 'mining'); SELECT max(id) FROM run")
n0=$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM export")
run "$NEGSIEVE" export --run "$u" -o "$T/u.jsonl" "$P"
is "$rc" 7 "--run of an unfinished run: refused"
is_in "$err" "run $u: unfinished (its mining was interrupted)" "... saying why"
ok "... no file written" test ! -e "$T/u.jsonl"
is "$(sqlite3 "$P/negsieve.db" "SELECT count(*) FROM export")" "$n0" "... no export logged"
run "$NEGSIEVE" export -o "$T/u.jsonl" "$P"
is "$(cat "$T/u.jsonl")" "$(cat "$T/a.jsonl")" "the default export is as before the unfinished run"
sqlite3 "$P/negsieve.db" "DELETE FROM run WHERE id = $u"

# nothing to export from: no run yet (imported, its mine failed), only an
# unfinished one, or runs that keep no candidate; refused before the file
# is made (not an empty file and status 0), nothing logged
E0=$T/e0
"$NEGSIEVE" init "$E0" >/dev/null
"$NEGSIEVE" import "$E0" "$top_srcdir/sample/debian-descriptions" >/dev/null
for f in bge trec-qrels; do
	run "$NEGSIEVE" export -f $f -o "$T/e0.out" "$E0"
	is "$rc:$err" "3:negsieve: $E0: no candidates: the project has no run yet (import negatives or run 'negsieve mine $E0' first)
negsieve: nothing was exported" "no run yet, $f: refused, saying what to do"
	ok "... no file written" test ! -e "$T/e0.out"
done
is "$(db "$E0" "SELECT count(*) FROM export")" 0 "... no export logged"
sqlite3 "$E0/negsieve.db" "INSERT INTO run(method, params, created_at, state) VALUES ('dense', '{}', 'now', 'mining')"
run "$NEGSIEVE" export -o "$T/e0.out" "$E0"
is "$rc:$(printf '%s' "$err" | head -1)" "3:negsieve: $E0: no candidates: the project's mining run is unfinished (it was interrupted); run 'negsieve mine $E0' again to resume it" \
	"only an unfinished run: refused, saying to resume it"
ok "... no file written" test ! -e "$T/e0.out"
E1=$T/e1
cp -a "$P" "$E1"
sqlite3 "$E1/negsieve.db" "UPDATE candidate SET filter = 'positive'"
run "$NEGSIEVE" export -o "$T/e1.out" "$E1"
is "$rc:$(printf '%s' "$err" | head -1)" "3:negsieve: $E1: no candidates: no run keeps one (the filters left every one out; 'negsieve stats $E1' counts them)" \
	"runs that keep no candidate: refused"
ok "... no file written" test ! -e "$T/e1.out"
run "$NEGSIEVE" export --run 2 -o "$T/e1.out" "$E1"
is_in "$err" "no candidates: run 2 keeps none" "... --run names the run"
run "$NEGSIEVE" export -f trec-qrels -o "$T/e1.out" "$E1"
is "$rc" 0 "... the qrels of the false negatives found are still written"

# .gz: gzip output, when the name says so
"$NEGSIEVE" export -o "$T/a.jsonl.gz" "$P" >/dev/null
is "$(gzip -dc "$T/a.jsonl.gz")" "$(cat "$T/a.jsonl")" ".gz: gzip of the same"
# .zst: zstd (import reads it); the compression and the file type come
# from the name's suffixes in any case; a compression negsieve does not
# write is refused, not written plain under its name
if command -v zstd >/dev/null; then
	"$NEGSIEVE" export -o "$T/a.jsonl.zst" "$P" >/dev/null
	is "$(zstd -dc "$T/a.jsonl.zst")" "$(cat "$T/a.jsonl")" \
		".zst: zstd of the same"
	"$NEGSIEVE" export -f triplet -o "$T/t.CSV.ZST" "$P" >/dev/null
	is "$(zstd -dc "$T/t.CSV.ZST" | head -1)" "anchor,positive,negative" \
		".CSV.ZST: zstd of CSV"
else
	skip "no zstd command"
	skip "no zstd command"
fi
"$NEGSIEVE" export -f triplet -o "$T/t.CSV" "$P" >/dev/null
is "$(head -1 "$T/t.CSV")" "anchor,positive,negative" "t.CSV: CSV"
"$NEGSIEVE" export -f triplet -o "$T/t.Tsv.GZ" "$P" >/dev/null
is "$(gzip -dc "$T/t.Tsv.GZ" | head -1)" "$(printf 'anchor\tpositive\tnegative')" \
	"t.Tsv.GZ: gzip of TSV"
n0=$(db "$P" "SELECT count(*) FROM export")
run "$NEGSIEVE" export -o "$T/a.jsonl.bz2" "$P"
is "$rc:$err" "2:negsieve: $T/a.jsonl.bz2: the name asks for bzip2, which negsieve does not write (gzip for .gz, zstd for .zst, else plain): name the output .gz or .zst, or compress it afterwards
negsieve: nothing was exported" ".bz2: refused, saying why"
ok "... no file written" test ! -e "$T/a.jsonl.bz2"
is "$(db "$P" "SELECT count(*) FROM export")" "$n0" "... no export logged"

# sentence-transformers rows: JSONL, CSV and TSV hold the same rows for
# Python's csv module and for pandas
for f in triplet n-tuple labeled-pair; do
	for t in jsonl csv tsv; do
		n=""
		[ $f = n-tuple ] && n="-n 2"
		"$NEGSIEVE" export -f $f $n -o "$T/$f.$t" "$P" >/dev/null
		$CHECK st "$T/$f.$t" $f >"$T/$f.$t.rows" 2>"$T/$f.$t.err"
		is "$?:$(cat "$T/$f.$t.err")" "0:" "$f $t: read back by $PY"
	done
	is "$(cat "$T/$f.csv.rows")" "$(cat "$T/$f.jsonl.rows")" \
		"$f: CSV rows = JSONL rows (csv module)"
	is "$(cat "$T/$f.tsv.rows")" "$(cat "$T/$f.jsonl.rows")" \
		"$f: TSV rows = JSONL rows (csv module)"
	for t in csv tsv; do
		$CHECK pandas "$T/$f.$t" >"$T/$f.$t.pd" 2>&1
		case $? in
		77) skip "pandas is not installed" ;;
		*) is "$(cat "$T/$f.$t.pd")" "$(cat "$T/$f.jsonl.rows")" \
			"$f $t: pandas reads the same rows" ;;
		esac
	done
done
is "$(wc -l <"$T/triplet.jsonl.rows")" 14 "triplet: 14 rows"
is_in "$(cat "$T/triplet.csv")" '"n2 alpha, ""quoted"", relabelled"' \
	"CSV: a field with commas and quotes is quoted"
run "$NEGSIEVE" export -f triplet --file-type csv -o - "$P"
is "$(printf '%s\n' "$out" | head -1)" "anchor,positive,negative" \
	"--file-type csv on stdout"

# a CSV/TSV name for a format written as JSON lines or qrels: refused,
# no file (its reader could not read it)
for f in bge:csv tevatron:tsv.gz trec-qrels:CSV; do
	run "$NEGSIEVE" export -f "${f%%:*}" -o "$T/wrong.${f#*:}" "$P"
	is "$rc" 2 "export -f ${f%%:*} -o wrong.${f#*:}: a usage error"
	is_in "$err" "-o $T/wrong.${f#*:}: ${f%%:*} is written as " "... naming the file and the format"
	ok "... no file" test ! -e "$T/wrong.${f#*:}"
done

# a file type asked for that the name contradicts: refused, no file; a
# name that says nothing takes the type asked for
run "$NEGSIEVE" export -f triplet --file-type csv -o "$T/wrong.jsonl.gz" "$P"
is "$rc" 2 "--file-type csv -o wrong.jsonl.gz: a usage error"
is_in "$err" "-o $T/wrong.jsonl.gz: the name says jsonl, but the file type asked for (--file-type or export.file_type) is csv" "... naming both"
ok "... no file" test ! -e "$T/wrong.jsonl.gz"
run "$NEGSIEVE" export -f triplet --file-type tsv -o "$T/noext" "$P"
is "$rc:$(head -1 "$T/noext")" "0:$(printf 'anchor\tpositive\tnegative')" "--file-type tsv -o noext: TSV"

run "$NEGSIEVE" export -f tevatron -o "$T/t.jsonl" "$P"
run $CHECK tevatron "$T/t.jsonl"
is "$out" "tevatron ok: 4 records" "tevatron: RLHN's shape"

run "$NEGSIEVE" export -f trec-qrels --fn-grade 3 -o - "$P"
is "$out" "q1 0 n2 3
q1 0 n1 3
q2 0 n7 3
q5 0 n14 3" "trec-qrels of the false negatives, grade 3"
is_in "$err" "judgments         4 of grade 3 written for 3 queries" \
	"qrels summary"

# the export log, in the project and in stats
is "$(db "$P" "SELECT format || ' ' || fit_id || ' ' || relabelled || ' ' ||
	json_extract(params, '$.action') FROM export WHERE id = 1")" \
	"bge 2 4 relabel" "export log: format, cascade version, counts, params"
run "$NEGSIEVE" stats "$P"
is_in "$out" "exports     " "stats lists the exports"
is_in "$out" "$(printf '%-4s %-12s %8s %9s %10s %9s %9s  %s' 1 bge 4 7 4 8 1 "$T/a.jsonl (fit 2)")" \
	"stats: one line per export"
run "$NEGSIEVE" stats --json "$P"
is_in "$out" '"relabelled": 4' "stats --json: exports too"

# the config sets the defaults; options override it
cat >"$T/c.yaml" <<'E'
export:
  format: triplet
  action: drop-negative
  undecided: drop
E
C=$T/c
"$NEGSIEVE" init --config "$T/c.yaml" "$C" >/dev/null
sqlite3 "$C/negsieve.db" <"$top_srcdir/tests/export-fixture.sql"
run "$NEGSIEVE" export -o "$T/c.jsonl" "$C"
is_in "$out" "export 1: triplet to" "export.format from the config"
is "$(db "$C" "SELECT json_extract(params, '$.action') || ' ' ||
	json_extract(params, '$.undecided') FROM export")" "drop-negative drop" \
	"export.action and export.undecided from the config"
run "$NEGSIEVE" export -f bge -a relabel -o "$T/c2.jsonl" "$C"
is_in "$out" "export 2: bge to" "--format over the config"
is_in "$out" "2 judged + 3 added by relabelling" "--action over the config"
# export.file_type is how the sentence-transformers formats are written:
# the formats of one file type ignore it (--file-type is an error there)
cat >>"$T/c.yaml" <<'E'
  file_type: csv
E
"$NEGSIEVE" config "$C" "$T/c.yaml" >/dev/null
run "$NEGSIEVE" export -o "$T/c3.out" "$C"
is "$rc:$(head -1 "$T/c3.out")" "0:anchor,positive,negative" \
	"export.file_type csv from the config: triplet as CSV"
for f in bge tevatron beir-qrels trec-qrels; do
	run "$NEGSIEVE" export -f $f -o "$T/c3.$f" "$C"
	is "$rc:$err" "0:" "export.file_type csv in the config: -f $f exports"
done
is "$(head -c 1 "$T/c3.bge")" "{" "... bge as JSON lines"
printf 'export:\n  format: trec-qrels\n' >"$T/c4.yaml"
"$NEGSIEVE" config "$C" "$T/c4.yaml" >/dev/null
run "$NEGSIEVE" export --file-type csv -o "$T/x" "$C"
is "$rc:$(printf '%s' "$err" | head -1)" "2:negsieve: export: --file-type csv: trec-qrels is written as a qrels file only (the format is export.format of the project's config)" \
	"--file-type for a format from the config: the message names the key"

# --max-pfn before the cascade has a P(FN) model (the fixture's fits have
# none) leaves nothing out, and the summary says it was not applied
run "$NEGSIEVE" export --max-pfn 0.1 -o "$T/mp.jsonl" "$P"
is "$rc" 0 "--max-pfn without a model: exit 0"
is_in "$out" "P(FN)             --max-pfn 0.1 not applied: no P(FN) model yet (a cascade fit makes one from at least 10 labels by people, false and true negatives among them); nothing was left out by P(FN)" \
	"--max-pfn without a model: the summary says it was not applied"
is "$(cat "$T/mp.jsonl")" "$(cat "$T/a.jsonl")" "... and the records are those without it"
is "$(db "$P" "SELECT json_extract(counts, '$.max_pfn_not_applied') FROM export ORDER BY id DESC LIMIT 1")" 1 \
	"... and the export log says so"
run "$NEGSIEVE" export -o "$T/mp1.jsonl" "$P"
case $out in
*"not applied"*) ok "no --max-pfn: no such line" false ;;
*) ok "no --max-pfn: no such line" true ;;
esac

# review.overlap: an annotator's fn is no label until the others agree or
# an adjudicator decides (SPEC: the current label is the agreed or the
# adjudicated one), so such a candidate is written as a negative like any
# undecided one; the summary counts it, --pending-fn drop leaves it out.
# q2: n9 needs 2 annotators, bob said fn (waiting); n10: ann fn, bob tn
# (a conflict); n8: both fn (agreed: a false negative, relabelled)
O=$T/overlap
"$NEGSIEVE" init "$O" >/dev/null
sqlite3 "$O/negsieve.db" <"$top_srcdir/tests/export-fixture.sql"
db "$O" "INSERT INTO item_need(query_id, passage_id, k) VALUES
	  (2, 19, 2), (2, 20, 2), (2, 18, 2);
	INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	VALUES (2, 19, 2, 'fn', 'now'), (2, 20, 1, 'fn', 'now'),
	  (2, 20, 2, 'tn', 'now'), (2, 18, 1, 'fn', 'now'),
	  (2, 18, 2, 'fn', 'now')"
beta() { grep '"beta query"' "$1"; }
run "$NEGSIEVE" export -o "$T/ov.jsonl" "$O"
is "$rc" 0 "overlap: export exits 0"
is_in "$out" "pending FN        2 negatives written with an FN label from an annotator, not final (review.overlap): 1 waiting for more annotators, 1 for an adjudicator; --pending-fn drop leaves them out" \
	"overlap: the summary counts the negatives with a pending FN label"
is_in "$(beta "$T/ov.jsonl")" '"neg": ["n9 beta for review", "n10 beta undecided", "n11 beta judged non-relevant"]' \
	"overlap: by default they are negatives (no final label yet)"
is_in "$(beta "$T/ov.jsonl")" 'n8 beta' "overlap: the agreed fn is relabelled"
is "$(db "$O" "SELECT json_extract(counts, '$.pending_fn_waiting_kept') || ' ' ||
	json_extract(counts, '$.pending_fn_conflict_kept') FROM export")" "1 1" \
	"overlap: the export log counts them"
run "$NEGSIEVE" export --pending-fn drop -o "$T/ovd.jsonl" "$O"
is_in "$out" "pending FN        2 candidates with an FN label from an annotator, not final (review.overlap): left out (--pending-fn drop)" \
	"--pending-fn drop: counted as left out"
is_in "$(beta "$T/ovd.jsonl")" '"neg": ["n11 beta judged non-relevant"]' \
	"--pending-fn drop: they are not written"
is "$(db "$O" "SELECT json_extract(params, '$.pending_fn') || ' ' ||
	negatives_dropped FROM export ORDER BY id DESC LIMIT 1")" "drop 3" \
	"--pending-fn drop: in the export log (with the dropped passage)"
run "$NEGSIEVE" export --undecided drop -o "$T/ovu.jsonl" "$O"
is_in "$(beta "$T/ovu.jsonl")" '"neg": ["n11 beta judged non-relevant"]' \
	"--undecided drop leaves them out too (they are undecided)"
# an adjudicator settles the conflict: n10 is a negative, no longer pending
db "$O" "INSERT INTO decision(query_id, passage_id, annotator_id, action,
	  role, at) VALUES (2, 20, 2, 'tn', 'adjudicator', 'now')"
run "$NEGSIEVE" export --pending-fn drop -o "$T/ova.jsonl" "$O"
is_in "$out" "pending FN        1 candidates with an FN label" \
	"adjudicated: no longer pending"
is_in "$(beta "$T/ova.jsonl")" '"neg": ["n10 beta undecided", "n11 beta judged non-relevant"]' \
	"adjudicated tn: written as a negative under --pending-fn drop"
run "$NEGSIEVE" export -f trec-qrels -o - "$O"
is "$(printf '%s\n' "$out" | grep -c 'q2 0 n9\|q2 0 n10')" 0 \
	"qrels: a pending FN is no false negative"
# stats counts the negatives export would write by export's own rules:
# not those of the queries it leaves out (without text, with too few
# negatives), nor the pending FN export.pending_fn drop leaves out
stats_negs() {
	"$NEGSIEVE" stats "$1" | sed -n 's/.* among the \([0-9]*\) negatives export would write.*/\1/p'
}
export_negs() {
	"$NEGSIEVE" export -o "$T/negs.jsonl" "$1" | sed -n 's/^negatives  *\([0-9]*\) written.*/\1/p'
}
F=$T/fx
"$NEGSIEVE" init "$F" >/dev/null
sqlite3 "$F/negsieve.db" <"$top_srcdir/tests/export-fixture.sql"
is "$(stats_negs "$F")" "$(export_negs "$F")" "stats: the negatives export writes"
# a blank text (empty or white space, U+00A0 and U+3000 too: import
# counts it) is no text: a blank negative is left out of every format and
# counted "without text" (a bge negative "" was written), a blank query
# too, and stats counts the same way
cp -r "$F" "$T/fx-blank"
sqlite3 "$T/fx-blank/negsieve.db" "UPDATE passage SET text = char(160) || ' ' WHERE id = 20;
	UPDATE query SET text = char(12288) WHERE id = 4"
run "$NEGSIEVE" export -o "$T/blank.jsonl" "$T/fx-blank"
is_in "$out" "negatives         5 written" "blank texts: the blank negative and the blank query's left out"
is_in "$out" "queries left out  0 without a positive, 0 with too few negatives, 2 without text" \
   "... the blank query counted without text"
is_in "$out" ", 0 beyond --negatives, 1 without text" "... the blank negative too"
is "$($PY -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    for t in [r["query"]] + r["pos"] + r["neg"]:
        if not t.strip():
            print(repr(t))' "$T/blank.jsonl")" "" "... neither written"
is "$(stats_negs "$T/fx-blank")" 5 "... and stats counts them so"
run "$NEGSIEVE" export -f tevatron -o "$T/blank-tev.jsonl" "$T/fx-blank"
is_in "$out" "negatives         5 written" "... in another format alike"
printf 'export:\n  undecided: drop\n' >"$T/ud.yaml"
"$NEGSIEVE" config "$F" "$T/ud.yaml" >/dev/null
is "$(stats_negs "$F"):$(export_negs "$F")" "3:3" \
	"stats under export.undecided drop: what export writes (q4, q5 left out with too few)"
cp -r "$O" "$T/overlap-drop"
printf 'export:\n  pending_fn: drop\n' >"$T/pd.yaml"
"$NEGSIEVE" config "$T/overlap-drop" "$T/pd.yaml" >/dev/null
is "$(stats_negs "$T/overlap-drop")" "$(export_negs "$T/overlap-drop")" \
	"stats under export.pending_fn drop: what export writes"
# every negative a rule took out is counted, in the queries it then left
# without negatives (or without a positive) too
run "$NEGSIEVE" export --undecided drop -o "$T/ud.jsonl" "$P"
is_in "$out" "queries left out  0 without a positive, 2 with too few negatives" \
	"--undecided drop: q4, q5 left out with too few negatives"
is_in "$out" "negatives dropped 0 false negatives, 1 dropped by people, 5 undecided," \
	"... and their undecided candidates counted as dropped"
is_in "$out" "(3 of them in the queries left out)" "... saying how many were theirs"
run "$NEGSIEVE" export -a drop-negative -o "$T/dn.jsonl" "$P"
is_in "$out" "negatives dropped 3 false negatives," \
	"drop-negative: q5's false negative counted though q5 is left out"
# --negatives takes the candidates people labelled true negatives first
# (mine keeps them all, even past --num-negatives), then the best-scored
# others: q4's n13 (0.3, labelled tn) before n12 (0.4, undecided)
N4=$T/tnfirst
cp -r "$P" "$N4"
db "$N4" "INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 VALUES (4, 23, 1, 'tn', '2026-01-04T00:00:00Z')"
q4negs() {
	$PY -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["query"] == "delta query": print(" | ".join(r["neg"]))' "$1"
}
run "$NEGSIEVE" export -n 1 -o "$T/tnfirst.jsonl" "$N4"
is "$rc:$(q4negs "$T/tnfirst.jsonl")" "0:n13 delta two" \
	"--negatives 1: people's TN before a better-scored undecided one"
ok "... and no word of TNs cut" \
	sh -c '! printf "%s" "$1" | grep -q "labelled true negative"' - "$out"
db "$N4" "INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
 VALUES (4, 22, 1, 'tn', '2026-01-04T00:00:01Z')"
run "$NEGSIEVE" export -n 1 -o "$T/tnfirst.jsonl" "$N4"
is "$(q4negs "$T/tnfirst.jsonl")" "n12 delta one" \
	"--negatives 1, two TNs: the best-scored of them"
is_in "$out" "beyond --negatives (1 labelled true negative by people, in queries with more such labels than --negatives), 0 without text" \
	"... and the summary says a TN was cut"
run "$NEGSIEVE" export --pending-fn maybe -o "$T/x" "$O"
is "$rc:$(printf '%s' "$err" | head -1)" "2:negsieve: export: --pending-fn: expected one of keep,drop, got 'maybe'" \
	"--pending-fn: keep or drop"

# errors: a clear message, exit status, nothing written or recorded
n0=$(db "$P" "SELECT count(*) FROM export")
run "$NEGSIEVE" export "$P"
is "$rc:$err" "2:negsieve: export: no output: give -o FILE (- for standard output)
Try 'negsieve export --help'." "no -o: usage error"
run "$NEGSIEVE" export list "$P"
is "$rc:$err" "2:negsieve: export: expected one PROJECT argument; export has no subcommand 'list' (the exports of a project are listed by 'negsieve stats PROJECT')
Try 'negsieve export --help'." "export list PROJECT: a hint at stats"
run "$NEGSIEVE" export -o "$T/x" list
is "$rc:$(printf '%s' "$err" | tail -1)" "7:negsieve: export: no subcommand 'list' either: the exports of a project are listed by 'negsieve stats PROJECT'" \
	"export list (no such project): the same hint"
run "$NEGSIEVE" export -o "$T/x" "$T/nosuch"
is "$(printf '%s\n' "$err" | grep -c subcommand)" 0 "a missing project by path: no hint"
run "$NEGSIEVE" export -f xml -o "$T/x" "$P"
is "$rc:$(printf '%s' "$err" | head -1)" "2:negsieve: export: --format: expected one of bge,tevatron,triplet,n-tuple,labeled-pair,beir-qrels,trec-qrels, got 'xml'" \
	"unknown format"
run "$NEGSIEVE" export -a keep -o "$T/x" "$P"
is "$(printf '%s' "$err" | head -1)" "negsieve: export: --action: expected one of relabel,drop-negative,drop-query, got 'keep'" \
	"unknown action"
run "$NEGSIEVE" export -n -1 -o "$T/x" "$P"
is "$rc:$(printf '%s' "$err" | head -1)" "2:negsieve: export: --negatives: expected an integer in 0..10000, got '-1'" \
	"negative --negatives"
run "$NEGSIEVE" export --file-type csv -o "$T/x" "$P"
is "$(printf '%s' "$err" | head -1)" "negsieve: export: --file-type csv: bge is written as JSONL only" \
	"bge as CSV"
run "$NEGSIEVE" export -f n-tuple -o "$T/x" "$P"
is "$(printf '%s' "$err" | head -1)" "negsieve: export: n-tuple needs --negatives N (export.negatives), its number of negative columns" \
	"n-tuple without --negatives"
run "$NEGSIEVE" export --run 99 -o "$T/x" "$P"
is "$rc:$err" "7:negsieve: no run with id 99
negsieve: nothing was exported" "--run 99: not found"
run "$NEGSIEVE" export -o "$T/no/such/x.jsonl" "$P"
is "$rc:$err" "4:negsieve: $T/no/such/x.jsonl: cannot create: No such file or directory
negsieve: nothing was exported" "an output in a missing directory"
run "$NEGSIEVE" export -o "$T/x" "$T/missing"
is "$rc" 7 "a missing project"
ok "no file written by the failures" test ! -e "$T/x"
is "$(db "$P" "SELECT count(*) FROM export")" "$n0" "no export recorded by them"
db "$P" "INSERT INTO query(id, xid, text, source_id) VALUES (7, 'q 7', 'x', 1);
	INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	VALUES (7, 20, 1, 'fn', 'now')"
echo old >"$T/keep.qrels"
run "$NEGSIEVE" export -f trec-qrels -o "$T/keep.qrels" "$P"
is "$rc:$err" "3:negsieve: query id 'q 7' cannot be written in TREC qrels (no blanks)
negsieve: nothing was exported" "an id TREC cannot hold"
is "$(cat "$T/keep.qrels")" old "the file there is left as it was"
is "$(ls "$T" | grep -c 'tmp-')" 0 "no temporary file left"

# import reads labeled pairs back; a bad label is an error with its place
L=$T/lp
"$NEGSIEVE" init "$L" >/dev/null
printf 'anchor\tpositive\tlabel\nq one\tgood passage\t1\nq one\tbad passage\t0\n' >"$T/lp.tsv"
run "$NEGSIEVE" import "$L" "$T/lp.tsv"
is "$rc" 0 "labeled pairs imported"
is "$(db "$L" "SELECT (SELECT group_concat(p.text) FROM qrel r JOIN passage p
	ON p.id = r.passage_id) || '|' || (SELECT group_concat(p.text) FROM
	candidate c JOIN passage p ON p.id = c.passage_id)")" \
	"good passage|bad passage" "label 1 a positive, 0 a negative"
printf 'anchor\tpositive\tlabel\nq two\tsome passage\t2\n' >"$T/lp2.tsv"
run "$NEGSIEVE" import "$L" "$T/lp2.tsv"
is "$rc:$(printf '%s' "$err" | head -1)" "3:negsieve: $T/lp2.tsv:2:20: label '2' is not 0 or 1" \
	"a label other than 0 or 1"
printf 'anchor,positive,label\nq two,x,y,1\n' >"$T/lp3.csv"
run "$NEGSIEVE" import "$L" "$T/lp3.csv"
is "$(printf '%s' "$err" | head -1)" "negsieve: $T/lp3.csv:2:1: expected 3 columns (anchor, passage, label), got 4" \
	"a labeled pair of four columns"
printf '{"anchor": "q two", "positive": "x", "label": 3}\n' >"$T/lp4.jsonl"
run "$NEGSIEVE" import "$L" "$T/lp4.jsonl"
is "$(printf '%s' "$err" | head -1)" "negsieve: $T/lp4.jsonl:1:38: \"label\" is not 0 or 1" \
	"a JSON label other than 0 or 1"
is "$(db "$L" "SELECT count(*) FROM query")" 1 "nothing of the bad files imported"

# what cannot be replaced is written straight; a symbolic link stays one
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
"$NEGSIEVE" export -o "$T/fifo" "$P" >/dev/null
wait
is "$(cat "$T/fifo.out")" "$(cat "$T/a.jsonl")" "a named pipe is written straight"
ok "... and stays a pipe" test -p "$T/fifo"
echo old >"$T/real.jsonl"
ln -s real.jsonl "$T/link.jsonl"
"$NEGSIEVE" export -o "$T/link.jsonl" "$P" >/dev/null
ok "a symbolic link stays a link" test -L "$T/link.jsonl"
is "$(cat "$T/real.jsonl")" "$(cat "$T/a.jsonl")" "... to the file written"
run "$NEGSIEVE" export -o "$T" "$P"
is "$rc:$(printf '%s' "$err" | head -1)" "4:negsieve: $T: cannot create: Is a directory" \
	"a directory is no output"

# --- carriage returns inside CSV/TSV fields ---------------------------
# Inside quotes every byte is text: the CR of a CRLF (and a lone CR, and
# one at the end of a text) comes back as it was written; only a record's
# own line end is CRLF-tolerant.
C=$T/cr
"$NEGSIEVE" init "$C" >/dev/null
printf '%s\n' '{"query": "q\r\nline", "pos": ["p with \r\n crlf"], "neg": ["n with \r\n crlf", "lone \r cr", "ends in cr\r", "\r\n"]}' >"$T/cr.jsonl"
"$NEGSIEVE" import "$C" "$T/cr.jsonl" >/dev/null
# (the negative "\r\n" is a blank text, no text: export leaves it out)
texts() {
	db "$1" "SELECT group_concat(h, ' ') FROM (SELECT hex(text) AS h
	  FROM passage WHERE trim(text, char(13, 10)) <> ''
	  UNION ALL SELECT 'q' || hex(text) FROM query ORDER BY 1)"
}
for f in cr.csv cr.tsv cr-lp.csv; do
	case $f in cr-lp.csv) fmt=labeled-pair ;; *) fmt=triplet ;; esac
	run "$NEGSIEVE" export -f $fmt -o "$T/$f" "$C"
	is_in "$out" ", 1 without text" "$f: the blank negative (CR LF alone) left out"
	"$NEGSIEVE" init "$T/rt-$f" >/dev/null
	run "$NEGSIEVE" import "$T/rt-$f" "$T/$f"
	is "$rc:$(texts "$T/rt-$f")" "0:$(texts "$C")" \
		"$f: texts with CR inside byte-identical after export and import"
done
printf 'anchor,positive,negative\r\n"q one","pos ""quoted"" line1\r\nline2","neg, comma"\r\nq two,p2,n2\r\n' >"$T/crlf.csv"
"$NEGSIEVE" init "$T/crlf" >/dev/null
"$NEGSIEVE" import "$T/crlf" "$T/crlf.csv" >/dev/null
is "$(db "$T/crlf" "SELECT group_concat(hex(text), ' ') FROM passage")" \
	"706F73202271756F74656422206C696E65310D0A6C696E6532 6E65672C20636F6D6D61 7032 6E32" \
	"a CRLF CSV: the CRLF inside quotes kept, the record ends removed"

# --- round trips over the shared data ----------------------------------
# same A B MODE: rows of A's data (for the queries B has) and B's data
# that differ: queries (with prompt and type), positives and negatives
# (the kept candidates of each query's newest run), with scores for bge.
# MODE ids: queries and passages by external id, title and text; text:
# by text (titles joined as the string formats join them).
same() {
	for s in "" "b."; do
		case $3 in
		ids) qk="q.xid || '|' || q.text"
		     pk="(SELECT min(xid) FROM ${s}passage_xid x
			 WHERE x.passage_id = p.id) || '|' || p.title || '|' ||
			 p.text" ;;
		*) qk="q.text"
		   pk="CASE WHEN p.title = '' THEN p.text
			ELSE p.title || ' ' || p.text END" ;;
		esac
		sc="" nsc="" qx=""
		if [ "$3" = bge ]; then
			sc="|| '|' || coalesce(r.score, '')"
			nsc="|| '|' || coalesce(c.score, '')"
			qx="|| '|' || coalesce(q.prompt, '') || '|' ||
				coalesce(q.type, '')"
		fi
		cat <<E
CREATE TEMP VIEW ${s:+b_}qs AS SELECT q.id, $qk AS k, $qk $qx AS v
  FROM ${s}query q WHERE q.text IS NOT NULL;
CREATE TEMP VIEW ${s:+b_}pos AS SELECT $qk AS q, $pk $sc AS p
  FROM ${s}qrel r JOIN ${s}query q ON q.id = r.query_id
  JOIN ${s}passage p ON p.id = r.passage_id WHERE r.grade > 0;
CREATE TEMP VIEW ${s:+b_}neg AS SELECT $qk AS q, $pk $nsc AS p
  FROM ${s}candidate c JOIN ${s}query q ON q.id = c.query_id
  JOIN ${s}passage p ON p.id = c.passage_id
  WHERE c.filter IS NULL AND c.run_id = (SELECT max(run_id) FROM
    ${s}candidate d WHERE d.query_id = c.query_id AND d.filter IS NULL);
E
	done >"$T/same.sql"
	# a text two queries of A share names one query in B (formats
	# without ids merge them): such texts are not compared
	cat >>"$T/same.sql" <<'E'
CREATE TEMP VIEW ks AS SELECT k FROM b_qs
  WHERE k IN (SELECT k FROM qs GROUP BY k HAVING count(*) = 1);
SELECT (SELECT count(*) FROM (SELECT v FROM qs WHERE k IN ks
	EXCEPT SELECT v FROM b_qs))
 + (SELECT count(*) FROM (SELECT * FROM pos WHERE q IN ks
	EXCEPT SELECT * FROM b_pos))
 + (SELECT count(*) FROM (SELECT * FROM b_pos WHERE q IN ks
	EXCEPT SELECT * FROM pos))
 + (SELECT count(*) FROM (SELECT * FROM neg WHERE q IN ks
	EXCEPT SELECT * FROM b_neg))
 + (SELECT count(*) FROM (SELECT * FROM b_neg WHERE q IN ks
	EXCEPT SELECT * FROM neg))
 + (SELECT count(*) FROM b_qs WHERE k NOT IN (SELECT k FROM qs));
E
	sqlite3 -cmd "ATTACH '$2/negsieve.db' AS b" "$1/negsieve.db" <"$T/same.sql"
}

# queries of A with text, a positive and a kept negative in the newest run
eligible() {
	db "$1" "SELECT count(*) FROM query q WHERE q.text IS NOT NULL
	  AND EXISTS (SELECT 1 FROM qrel r WHERE r.query_id = q.id AND r.grade > 0)
	  AND EXISTS (SELECT 1 FROM candidate c WHERE c.query_id = q.id
	    AND c.filter IS NULL)"
}

# roundtrip A FORMAT FILE MODE [export options]: export A, import into a
# new project, compare; then export the copy again: the same records
# (passages may come in another order: the copy numbers them anew)
roundtrip() {
	_a=$1 _f=$2 _file=$3 _mode=$4
	shift 4
	_b=$T/rt-$(basename "$_file")
	"$NEGSIEVE" export -f "$_f" "$@" -o "$T/$_file" "$_a" >/dev/null
	"$NEGSIEVE" init "$_b" >/dev/null
	run "$NEGSIEVE" import "$_b" "$T/$_file"
	is "$rc" 0 "$_file: imported into a new project"
	is "$(same "$_a" "$_b" "$_mode")" 0 \
		"$_file: same queries, positives and negatives ($_mode)"
	"$NEGSIEVE" export -f "$_f" "$@" -o "$T/again-$_file" "$_b" >/dev/null
	_dup=$(db "$_a" "SELECT count(*) FROM (SELECT text FROM query
	  WHERE text IS NOT NULL GROUP BY text HAVING count(*) > 1)")
	if [ "$_mode" = text ] && [ "$_dup" -gt 0 ]; then
		skip "$_file: $_dup query texts are shared by two queries; \
without ids they are one query in the copy"
		return
	fi
	$CHECK canon "$T/$_file" "$_f" >"$T/$_file.canon"
	$CHECK canon "$T/again-$_file" "$_f" >"$T/again-$_file.canon"
	ok "$_file: exported again: the same records" \
		cmp "$T/$_file.canon" "$T/again-$_file.canon"
}

BGE=$NEGSIEVE_DATA/flagembedding-bge
BEIR=$NEGSIEVE_DATA/beir-dbpedia-arcd
SPLADE=$NEGSIEVE_DATA/splade-msmarco-toy
if [ -d "$BGE" ]; then
	# scores, prompts, types, mojibake, a duplicated negative, no final
	# newline
	A=$T/bge
	"$NEGSIEVE" init "$A" >/dev/null
	"$NEGSIEVE" import "$A" "$BGE/msmarco.jsonl" "$BGE/nq.jsonl" \
		"$BGE/toy_finetune_data.jsonl" >/dev/null
	roundtrip "$A" bge bge.jsonl bge
	is "$(wc -l <"$T/bge.jsonl")" "$(eligible "$A")" "bge: every query"
	run $CHECK bge "$T/bge.jsonl"
	is "$out" "bge ok: 30 records" "bge: FlagEmbedding's shape"
	roundtrip "$A" labeled-pair bge-pair.csv text
else
	skip "no $BGE"
fi
if [ -d "$BEIR" ]; then
	# ids with < > :, quotes and commas in texts (quoted CSV/TSV),
	# titles; Arabic right-to-left text; dangling judgments
	D=$T/dbpedia
	"$NEGSIEVE" init "$D" >/dev/null
	"$NEGSIEVE" import "$D" "$BEIR/dbpedia" >/dev/null
	"$NEGSIEVE" mine --method bm25 --num-negatives 3 "$D" >/dev/null
	roundtrip "$D" tevatron dbpedia-tev.jsonl ids
	run $CHECK tevatron "$T/dbpedia-tev.jsonl"
	is "$out" "tevatron ok: $(eligible "$D") records" "tevatron: every query"
	roundtrip "$D" triplet dbpedia.tsv text
	roundtrip "$D" triplet dbpedia.csv text
	roundtrip "$D" n-tuple dbpedia-nt.tsv text -n 3
	roundtrip "$D" labeled-pair dbpedia-lp.tsv text
	roundtrip "$D" triplet dbpedia.jsonl text
	ok "dbpedia: texts with quotes were quoted in the TSV" \
		grep -q '^[^	]*	"[^	]*""' "$T/dbpedia.tsv"
	for t in tsv csv; do
		$CHECK st "$T/dbpedia.$t" triplet >"$T/db.$t.rows"
		$CHECK pandas "$T/dbpedia.$t" >"$T/db.$t.pd"
		case $? in
		77) skip "pandas is not installed" ;;
		*) is "$(cat "$T/db.$t.pd")" "$(cat "$T/db.$t.rows")" \
			"dbpedia $t: pandas reads the quoted fields as csv does" ;;
		esac
		is "$(cat "$T/db.$t.rows")" "$($CHECK st "$T/dbpedia.jsonl" triplet)" \
			"dbpedia $t: the rows of the JSONL"
	done

	R=$T/arcd
	"$NEGSIEVE" init "$R" >/dev/null
	"$NEGSIEVE" import --skip-bad "$T/arcd.bad" "$R" "$BEIR/arcd" >/dev/null
	"$NEGSIEVE" mine --method bm25 --num-negatives 3 "$R" >/dev/null
	roundtrip "$R" tevatron arcd-tev.jsonl ids
	roundtrip "$R" triplet arcd.csv text
	roundtrip "$R" labeled-pair arcd-lp.jsonl text
	is "$(grep -c 'ال' "$T/arcd.csv")" "$(($(wc -l <"$T/rt-arcd.csv/../arcd.csv") - 1))" \
		"arcd: Arabic in every row"

	# qrels of the false negatives fix the evaluation set: flag three,
	# export, and import them next to the corpus in a new project
	db "$D" "INSERT INTO annotator(name, created_at) VALUES ('t', 'now');
	  INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	  SELECT query_id, passage_id, 1, 'fn', 'now' FROM candidate
	  WHERE filter IS NULL ORDER BY query_id, rank LIMIT 3"
	want=$(db "$D" "SELECT q.xid || ' ' || (SELECT min(xid) FROM passage_xid
	  WHERE passage_id = l.passage_id) FROM item_label l
	  JOIN query q ON q.id = l.query_id WHERE l.label = 'fn' ORDER BY 1")
	for f in beir-qrels trec-qrels; do
		E=$T/eval-$f
		"$NEGSIEVE" export -f $f --fn-grade 2 -o "$T/fn-$f" "$D" >/dev/null
		"$NEGSIEVE" init "$E" >/dev/null
		"$NEGSIEVE" import "$E" "$BEIR/dbpedia/corpus.jsonl" \
			"$BEIR/dbpedia/queries.jsonl" >/dev/null
		run "$NEGSIEVE" import "$E" "$T/fn-$f"
		is_in "$out" "3 judgments" "$f: imported"
		is "$(db "$E" "SELECT q.xid || ' ' || (SELECT min(xid) FROM
		  passage_xid WHERE passage_id = r.passage_id) FROM qrel r
		  JOIN query q ON q.id = r.query_id WHERE r.grade = 2 ORDER BY 1")" \
			"$want" "$f: the false negatives, ids kept"
	done
else
	skip "no $BEIR"
fi
if [ -d "$SPLADE" ]; then
	# TSV triplets without header or ids; mojibake; repeated negatives
	S=$T/splade
	"$NEGSIEVE" init "$S" >/dev/null
	"$NEGSIEVE" import --format st-tsv "$S" "$SPLADE/triplets/raw.tsv" >/dev/null
	roundtrip "$S" triplet splade.tsv text
	roundtrip "$S" n-tuple splade-nt.csv text -n 1
	is "$(($(wc -l <"$T/splade.tsv") - 1))" 100 "splade: 100 triplets"
else
	skip "no $SPLADE"
fi

# --- the session of the issue ------------------------------------------
if [ -f "$BGE/msmarco.jsonl" ]; then
	U=$T/user
	"$NEGSIEVE" init "$U" >/dev/null
	"$NEGSIEVE" import "$U" "$BGE/msmarco.jsonl" >/dev/null
	# the queries alone, not with their rows' prompts: the review
	# below flags the candidates mined for these
	"$NEGSIEVE" embed --no-prompt "$U" >/dev/null
	"$NEGSIEVE" mine --num-negatives 5 "$U" >/dev/null
	# one false negative in each of the first three queries
	review_keys "$U" f ">" f ">" f q
	is "$rc" 0 "review: three false negatives flagged"
	sqlite3 -json "$U/negsieve.db" "SELECT q.text AS q, p.text AS p
	  FROM item_label l JOIN query q ON q.id = l.query_id
	  JOIN passage p ON p.id = l.passage_id WHERE l.label = 'fn'" \
		>"$T/fn.json"
	is "$($PY -c 'import json,sys; print(len({p["q"] for p in json.load(open(sys.argv[1]))}))' "$T/fn.json")" \
		3 "three queries have one"
	run "$NEGSIEVE" export -f bge --action relabel -o "$T/user.jsonl" "$U"
	is_in "$out" "positives         10 judged + 3 added by relabelling" \
		"relabel: three positives added"
	run $CHECK relabelled "$T/user.jsonl" "$T/fn.json"
	is "$rc:$out" "0:3" "relabel: the three are under pos of their queries, nowhere under neg"
	run $CHECK bge "$T/user.jsonl"
	is "$out" "bge ok: 10 records" "relabel: FlagEmbedding's shape"
	"$NEGSIEVE" export -f bge --action drop-query -o "$T/user-dq.jsonl" "$U" >/dev/null
	$CHECK queries "$T/user-dq.jsonl" >"$T/dq-queries"
	is "$(wc -l <"$T/dq-queries")" 7 "drop-query: seven queries left"
	is "$($PY -c 'import json,sys
qs = {p["q"] for p in json.load(open(sys.argv[1]))}
print(sum(l.rstrip("\n") in qs for l in open(sys.argv[2])))' "$T/fn.json" "$T/dq-queries")" \
		0 "drop-query: the three queries are gone"
	"$NEGSIEVE" export -f triplet -o "$T/user.csv" "$U" >/dev/null
	run $CHECK st "$T/user.csv" triplet
	is "$rc" 0 "triplet CSV of the session: sentence-transformers' columns"

	# the cascade's verdicts: its false negatives are relabelled, a
	# person's label wins over them
	cat >"$T/cascade.yaml" <<'E'
cascade:
  stages:
    - scorer: score
      lo: 0.1
      hi: 0.25
      fit: false
E
	K=$T/casc
	"$NEGSIEVE" init --config "$T/cascade.yaml" "$K" >/dev/null
	"$NEGSIEVE" import "$K" "$BGE/msmarco.jsonl" >/dev/null
	"$NEGSIEVE" mine --num-negatives 5 "$K" >/dev/null 2>&1
	run "$NEGSIEVE" cascade "$K"
	is "$rc" 0 "cascade ran"
	nfn=$(db "$K" "SELECT count(*) FROM item_auto WHERE verdict = 'fn'")
	ok "the cascade flagged some ($nfn)" test "$nfn" -gt 1
	# a person says the first one is a true negative
	db "$K" "INSERT INTO annotator(name, created_at) VALUES ('t', 'now');
	  INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
	  SELECT query_id, passage_id, 1, 'tn', 'now' FROM item_auto
	  WHERE verdict = 'fn' ORDER BY query_id, passage_id LIMIT 1"
	sqlite3 -json "$K/negsieve.db" "SELECT q.text AS q, p.text AS p
	  FROM item_auto a JOIN query q ON q.id = a.query_id
	  JOIN passage p ON p.id = a.passage_id WHERE a.verdict = 'fn'
	  AND NOT EXISTS (SELECT 1 FROM item_label l WHERE l.query_id =
	  a.query_id AND l.passage_id = a.passage_id)" >"$T/cfn.json"
	run "$NEGSIEVE" export -o "$T/casc.jsonl" "$K"
	is "$(printf '%s\n' "$out" | head -2)" "export 1: bge to $T/casc.jsonl (cascade fit 1)
false negatives   $((nfn - 1)) found (0 by people, $((nfn - 1)) by the cascade)" \
		"export names the cascade version and counts its false negatives"
	run $CHECK relabelled "$T/casc.jsonl" "$T/cfn.json"
	is "$rc:$err" 0: "the cascade's false negatives are positives, not negatives"
	is "$(db "$K" "SELECT fit_id FROM export")" 1 "the export log holds the cascade version"
	tn=$(db "$K" "SELECT p.text FROM item_label l JOIN passage p ON
	  p.id = l.passage_id WHERE l.label = 'tn'")
	is "$($PY -c 'import json,sys
t = sys.argv[2]
print(sum(t in r["neg"] for r in map(json.loads, open(sys.argv[1]))))' "$T/casc.jsonl" "$tn")" \
		1 "a person's tn beats the cascade's fn: a negative"

	# --max-pfn: undecided candidates whose P(FN) is above it are left
	# out, once P(FN) comes from a model (10 labels, of both kinds)
	run "$NEGSIEVE" export --max-pfn 0 -o "$T/mp0.jsonl" "$K"
	is_in "$out" ", 0 undecided with P(FN) above --max-pfn," \
		"--max-pfn before any model: nothing left out"
	is_in "$out" "--max-pfn 0 not applied: no P(FN) model yet" \
		"--max-pfn before any model: the summary says so"
	db "$K" "INSERT INTO decision(query_id, passage_id, annotator_id,
	    action, at)
	  SELECT query_id, passage_id, 1, CASE WHEN rank <= 2 THEN 'fn'
	    ELSE 'tn' END, 'now' FROM candidate
	  WHERE filter IS NULL AND rank IN (1, 2, 4, 5)
	    AND query_id IN (SELECT DISTINCT query_id FROM candidate
	                     ORDER BY query_id LIMIT 7)
	    AND NOT EXISTS (SELECT 1 FROM item_label l
	      WHERE l.query_id = candidate.query_id
	        AND l.passage_id = candidate.passage_id)"
	"$NEGSIEVE" fit "$K" >"$T/fit.out" 2>&1
	is_in "$(cat "$T/fit.out")" "P(FN): logistic model on" \
		"fit: a P(FN) model"
	want=$(db "$K" "SELECT count(*) FROM item_auto a
	  WHERE a.verdict = 'review' AND a.pfn > 0.3
	    AND NOT EXISTS (SELECT 1 FROM item_label l
	      WHERE l.query_id = a.query_id AND l.passage_id = a.passage_id)
	    AND EXISTS (SELECT 1 FROM candidate c WHERE c.filter IS NULL
	      AND c.run_id = (SELECT max(id) FROM run)
	      AND c.query_id = a.query_id AND c.passage_id = a.passage_id)")
	ok "some undecided candidates of the mined run (the negatives) have P(FN) above 0.3 ($want)" \
		test "$want" -gt 0
	# (--min-negatives 0: a query left without negatives is still
	# written, and its counts with it)
	run "$NEGSIEVE" export --max-pfn 0.3 --min-negatives 0 \
		-o "$T/mp3.jsonl" "$K"
	is_in "$out" ", $want undecided with P(FN) above --max-pfn," \
		"--max-pfn 0.3 leaves out every undecided candidate above 0.3"
	run "$NEGSIEVE" export --min-negatives 0 -o "$T/mp1.jsonl" "$K"
	is "$(( $(grep -o '"neg": \[[^]]*\]' "$T/mp1.jsonl" | grep -o '", *"\|"\]' | wc -l) - \
	       $(grep -o '"neg": \[[^]]*\]' "$T/mp3.jsonl" | grep -o '", *"\|"\]' | wc -l) ))" \
		"$want" "... and writes that many negatives fewer"
	is "$(db "$K" "SELECT json_extract(params, '$.max_pfn') FROM export
	  ORDER BY id DESC LIMIT 1 OFFSET 1")" 0.3 "the export log holds --max-pfn"
	negs() {	# the negatives stats says export would write
		"$NEGSIEVE" stats "$K" | sed -n 's/.* among the \([0-9]*\) negatives export would write.*/\1/p'
	}
	before=$(negs)
	{ cat "$T/cascade.yaml"; printf 'export:\n  max_pfn: 0.3\n'; } \
		>"$T/mp.yaml"
	"$NEGSIEVE" config "$K" "$T/mp.yaml" >/dev/null
	after=$(negs)
	ok "stats estimates among what export.max_pfn leaves ($before -> $after)" \
		test -n "$after" -a "$after" -lt "$before"
	run "$NEGSIEVE" export --min-negatives 0 -o "$T/mpc.jsonl" "$K"
	is_in "$out" ", $want undecided with P(FN) above --max-pfn," \
		"export.max_pfn from the config"
	run "$NEGSIEVE" export --max-pfn 1.5 -o "$T/bad.jsonl" "$K"
	is "$rc" 2 "--max-pfn above 1: usage error"
	is_in "$err" "--max-pfn: expected a number in 0..1, got '1.5'" \
		"... saying what it takes"
else
	skip "no $BGE/msmarco.jsonl"
fi

# A passage dropped in one query is dropped in every query it is a
# candidate of (the 'd' key says its text is bad): export leaves it out of
# all five queries of the sample that have it, not only the one where 'd'
# was pressed.
S=$top_srcdir/sample/debian-descriptions
if [ -f "$S/corpus.jsonl" ]; then
	D=$T/pdrop
	"$NEGSIEVE" init "$D" >/dev/null
	"$NEGSIEVE" import "$D" "$S" >/dev/null
	"$NEGSIEVE" mine "$D" >/dev/null
	printf ':\ntext:q:sreview-detect\nEnter\ng\nj\nd\nq\n' >"$T/drop.keys"
	NEGSIEVE_REVIEW_SCRIPT=$T/drop.keys "$NEGSIEVE" review "$D" >/dev/null 2>&1
	n=$(sqlite3 "$D/negsieve.db" "SELECT count(DISTINCT c.query_id) FROM candidate c JOIN passage_drop p USING (passage_id) WHERE c.filter IS NULL")
	ok "the dropped passage was a kept candidate of several queries ($n)" test "$n" -gt 1
	run "$NEGSIEVE" export -o "$T/drop.jsonl" "$D"
	is_in "$out" "$n dropped by people" "export counts it dropped in each of them"
	t=$(sqlite3 "$D/negsieve.db" "SELECT coalesce(title || ' ', '') || text FROM passage WHERE id = (SELECT passage_id FROM passage_drop)")
	is "$($PY -c 'import json, sys
t = sys.argv[2]
print(sum(t in r["neg"] for r in map(json.loads, open(sys.argv[1]))))' "$T/drop.jsonl" "$t")" 0 \
		"... and writes it as a negative of none"
else
	skip "no $S"
fi

# Queries imported after the run was mined are in no run: export, stats
# and the refilter count them apart, not among those with too few
# negatives (a refilter keeps the run's queries; a new mine takes them).
U=$T/unmined
"$NEGSIEVE" init "$U" >/dev/null
uq() { sqlite3 "$U/negsieve.db" "$1"; }
uq "INSERT INTO source(id,path,format,created_at) VALUES(1,'t','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES
 (1,'q1','red apple pie',1), (2,'q2','green tea cake',1);
INSERT INTO passage(id,text,source_id) VALUES
 (1,'red apple pie with cream',1), (2,'apple pie recipe',1),
 (3,'red apple',1), (4,'green tea cake with matcha',1), (5,'green tea',1),
 (6,'a cake',1);
INSERT INTO qrel VALUES(1,1,1,NULL,1),(2,4,1,NULL,1);
INSERT INTO passage_fts(passage_fts) VALUES('rebuild');"
"$NEGSIEVE" mine --method bm25 --num-negatives 2 "$U" >/dev/null
run "$NEGSIEVE" export --min-negatives 3 -o "$T/un.jsonl" "$U"
is_in "$out" "queries left out  0 without a positive, 2 with too few negatives, 0 without text
" "unmined: none before an import (q1, q2 have too few for --min-negatives 3)"
uq "INSERT INTO source(id,path,format,created_at) VALUES(2,'t2','test','now');
INSERT INTO query(id,xid,text,source_id) VALUES (3,'q3','apple cake',2);
INSERT INTO qrel VALUES(3,2,1,NULL,2);"
run "$NEGSIEVE" export -o "$T/un.jsonl" "$U"
is "$rc" 0 "unmined: export after an import of a query"
is_in "$out" "queries left out  0 without a positive, 0 with too few negatives, 0 without text, 1 not in the run (imported after it was mined, or without a vector when it was: negsieve embed (dense), then negsieve mine)" \
   "unmined: export counts the new query apart"
is "$(uq "SELECT json_extract(counts, '\$.queries_not_in_run') || ' ' || json_extract(counts, '\$.queries_with_few_negatives') FROM export ORDER BY id DESC LIMIT 1")" \
   "1 0" "unmined: ... in the export's record too"
run "$NEGSIEVE" export --min-negatives 3 -o "$T/un.jsonl" "$U"
is_in "$out" "2 with too few negatives, 0 without text, 1 not in the run" \
   "unmined: the mined ones with too few are still counted as such"
run "$NEGSIEVE" stats "$U"
is_in "$out" "queries     3 (1 not in the run: imported after it was mined, or without a vector when it was; negsieve embed (dense), then negsieve mine)" \
   "unmined: stats says so"
run "$NEGSIEVE" stats --json "$U"
is "$(printf '%s' "$out" | $PY -c 'import json, sys; print(json.load(sys.stdin)["queries_not_in_run"])')" 1 \
   "unmined: stats --json: queries_not_in_run"
run "$NEGSIEVE" mine --refilter "$U"
is "$rc" 0 "unmined: a refilter"
is_in "$out" "1 queries of the project are not in the run (imported after it was mined, or without a vector when it was): they have no candidates (a refilter works on the run's queries; negsieve embed (dense), then negsieve mine)" \
   "unmined: the refilter says it leaves the new query alone"
"$NEGSIEVE" mine --method bm25 --num-negatives 2 "$U" >/dev/null
run "$NEGSIEVE" stats "$U"
is "$(printf '%s\n' "$out" | grep '^queries ')" "queries     3" "unmined: a new mine takes it"
run "$NEGSIEVE" export -o "$T/un.jsonl" "$U"
ok "unmined: ... and export no longer counts it" sh -c '! printf "%s" "$1" | grep -q "not in the run"' - "$out"
run "$NEGSIEVE" export --run 1 -o "$T/un.jsonl" "$U"
is_in "$out" ", 1 not in the run (" "unmined: --run 1, mined before the import: still not in it"
run "$NEGSIEVE" mine --refilter --run 1 "$U"
is_in "$out" "1 queries of the project are not in the run" "unmined: nor in its refilter"
# a dense mine after the import leaves out the query without a vector
# (it says so): the message may not claim it came after the run
uq "INSERT INTO query(id,xid,text,source_id) VALUES (4,'q4','pie cake',2);
INSERT INTO qrel VALUES(4,3,1,NULL,2);"
"$NEGSIEVE" mine --method dense --num-negatives 2 "$U" >/dev/null 2>&1
"$NEGSIEVE" embed "$U" >/dev/null 2>&1
uq "INSERT INTO query(id,xid,text,source_id) VALUES (5,'q5','tea pie',2);
INSERT INTO qrel VALUES(5,5,1,NULL,2);"
run "$NEGSIEVE" mine --method dense --num-negatives 2 "$U"
is_in "$out$err" "note: 1 of 5 queries and 0 of 6 passages have no vector" \
   "unmined: a dense mine after an import notes the query without a vector"
run "$NEGSIEVE" stats "$U"
is_in "$out" "queries     5 (1 not in the run: imported after it was mined, or without a vector when it was; negsieve embed (dense), then negsieve mine)" \
   "unmined: stats names the missing vector, not only a later import"
"$NEGSIEVE" embed "$U" >/dev/null 2>&1
"$NEGSIEVE" mine --method dense --num-negatives 2 "$U" >/dev/null 2>&1
run "$NEGSIEVE" stats "$U"
is "$(printf '%s\n' "$out" | grep '^queries ')" "queries     5" \
   "unmined: negsieve embed, then negsieve mine takes it"
# a query below the last one mined that the dense run could not search
# (its vectors, imported from a file, leave it out): not in the run
# either, not "too few negatives", in export, stats and refilter alike
H=$T/hole
mkdir -p "$T/hole-data/qrels"
for i in 1 2 3 4 5 6; do
	printf '{"_id": "p%d", "title": "", "text": "passage %d"}\n' $i $i
done >"$T/hole-data/corpus.jsonl"
for i in 1 2 3; do printf '{"_id": "q%d", "text": "query %d"}\n' $i $i; done \
	>"$T/hole-data/queries.jsonl"
printf 'query-id\tcorpus-id\tscore\nq1\tp1\t1\nq2\tp2\t1\nq3\tp3\t1\n' \
	>"$T/hole-data/qrels/train.tsv"
"$NEGSIEVE" init "$H" >/dev/null
"$NEGSIEVE" import "$H" "$T/hole-data" >/dev/null
$PY -c 'import struct, sys
for path, n in ((sys.argv[1], 6), (sys.argv[2], 2)):
    with open(path, "wb") as f:
        for i in range(n):
            f.write(struct.pack("<i4f", 4, 1, i + 1, (i * 7) % 5, 2))' \
	"$T/hole-p.fvecs" "$T/hole-q.fvecs"
printf 'p1\np2\np3\np4\np5\np6\n' >"$T/hole-p.ids"
printf 'q1\nq3\n' >"$T/hole-q.ids"
"$NEGSIEVE" embed --model m --passages "$T/hole-p.fvecs" --passage-ids "$T/hole-p.ids" \
	--queries "$T/hole-q.fvecs" --query-ids "$T/hole-q.ids" "$H" >/dev/null 2>&1
run "$NEGSIEVE" mine --num-negatives 2 "$H"
is_in "$out$err" "note: 1 of 3 queries and 0 of 6 passages have no vector of model 'm'" \
   "hole: the dense mine leaves q2 out, below q3"
is "$(sqlite3 "$H/negsieve.db" "SELECT group_concat(query_id) FROM run_pool")" "1,3" \
   "hole: ... its pool has no row of q2"
run "$NEGSIEVE" export -o "$T/hole.jsonl" "$H"
is_in "$out" "queries left out  0 without a positive, 0 with too few negatives, 0 without text, 1 not in the run (" \
   "hole: export counts q2 not in the run"
run "$NEGSIEVE" stats "$H"
is_in "$out" "queries     3 (1 not in the run: " "hole: stats too"
run "$NEGSIEVE" mine --refilter "$H"
is_in "$out" "1 queries of the project are not in the run" "hole: the refilter too"
run "$NEGSIEVE" export --min-negatives 5 -o "$T/hole.jsonl" "$H"
is_in "$out" "2 with too few negatives, 0 without text, 1 not in the run (" \
   "hole: the queries it searched with too few are still counted as such"

# a query whose text is blank (empty, white space, U+3000): no embed or mine can take it, so not "not in the run" with that
# advice, nor "too few negatives" under BM25: "without text", apart, in
# stats, export, refilter and mine alike
W=$T/notext
mkdir -p "$T/notext-data/qrels"
for i in 1 2 3 4 5 6; do
	printf '{"_id": "p%d", "title": "", "text": "passage %d about tea"}\n' $i $i
done >"$T/notext-data/corpus.jsonl"
printf '{"_id": "q1", "text": "tea passage"}\n{"_id": "q2", "text": ""}\n{"_id": "q3", "text": " \\u3000 "}\n' \
	>"$T/notext-data/queries.jsonl"
printf 'query-id\tcorpus-id\tscore\nq1\tp1\t1\nq2\tp2\t1\nq3\tp3\t1\n' \
	>"$T/notext-data/qrels/train.tsv"
"$NEGSIEVE" init "$W" >/dev/null
"$NEGSIEVE" import "$W" "$T/notext-data" >/dev/null
"$NEGSIEVE" embed "$W" >/dev/null
"$NEGSIEVE" mine --num-negatives 2 "$W" >/dev/null 2>&1
run "$NEGSIEVE" stats "$W"
is "$(printf '%s\n' "$out" | grep '^queries ')" "queries     3 (2 without text: known by id only, or empty or blank; no mine searches them and export leaves them out: fix the text in the data imported)" \
   "no text: stats counts them apart, not as not in the run"
run "$NEGSIEVE" stats --json "$W"
is_in "$out" '"queries_without_text": 2' "... in its JSON too"
run "$NEGSIEVE" export -o "$T/notext.jsonl" "$W"
is_in "$out" "queries left out  0 without a positive, 0 with too few negatives, 2 without text
" "no text: export counts them without text, not as not in the run"
run "$NEGSIEVE" mine --refilter "$W"
is_in "$out" "2 queries of the project have no text (known by id only, or empty or blank): no mine can search them, and export leaves them out without text (fix the text in the data imported)" \
   "no text: the refilter says so"
ok "... not as not in the run" sh -c '! printf "%s" "$1" | grep -q "not in the run"' - "$out"
run "$NEGSIEVE" mine --method bm25 --num-negatives 2 "$W"
is_in "$out" "2 queries of the project have no text" "no text: a BM25 mine says so"
ok "... and finds no too few negatives for them" sh -c '! printf "%s" "$1" | grep -q "Could not find"' - "$out"
run "$NEGSIEVE" export -o "$T/notext.jsonl" "$W"
is_in "$out" "queries left out  0 without a positive, 0 with too few negatives, 2 without text
" "no text: export after the BM25 mine alike"
is "$(printf '%s\n' "$("$NEGSIEVE" stats "$W")" | grep -c 'not in the run')" 0 "... and stats"
sqlite3 "$W/negsieve.db" "UPDATE query SET text = '' WHERE xid = 'q1'"
n0=$(sqlite3 "$W/negsieve.db" "SELECT count(*) FROM run")
run "$NEGSIEVE" mine --method bm25 "$W"
is "$rc:$err" "3:negsieve: $W: nothing to mine: no queries with text (3 known by id only, or empty or blank)" \
   "no text: a BM25 mine with no query text to search is refused"
is "$(sqlite3 "$W/negsieve.db" "SELECT count(*) FROM run")" "$n0" "... and makes no run"

# the runs' queries cannot be read: stats and export fail, saying why;
# export writes and records nothing
uq "ALTER TABLE run_pool RENAME COLUMN query_id TO qid"
n0=$(uq "SELECT count(*) FROM export")
rm -f "$T/un.jsonl"
run "$NEGSIEVE" export -o "$T/un.jsonl" "$U"
is "$rc" 5 "unmined: unreadable runs: export fails"
is_in "$err" "negsieve: preparing a statement: no such column: p.query_id" "... saying what it could not read"
ok "... writes nothing" test ! -e "$T/un.jsonl"
is "$(uq "SELECT count(*) FROM export")" "$n0" "... and records nothing"
run "$NEGSIEVE" stats "$U"
is "$rc" 5 "unmined: unreadable runs: stats fails"
is_in "$err" "no such column: p.query_id" "... saying what it could not read"
done_testing
