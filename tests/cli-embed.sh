#!/bin/sh
# cli-embed.sh - negsieve embed: the built-in embedder and vector imports
# (.npy, .fvecs, JSONL), joined on ids, with every input error named.
. "${top_srcdir:-.}/tests/lib.sh"
need_data msmarco-embeddings/derived
D=$NEGSIEVE_DATA/msmarco-embeddings/derived
J=$NEGSIEVE_DATA/msmarco-embeddings/openai_ada2

# A project with the 100 passages and 43 queries of the vector files.
# (Replace with 'negsieve import' once it exists.)
mkproj() {
	"$NEGSIEVE" init "$1" >/dev/null || return 1
	{
		echo "INSERT INTO source(path, format, created_at) VALUES ('t', 't', 'now');"
		n=0
		while read -r x; do
			n=$((n + 1))
			echo "INSERT INTO passage(id, text, source_id) VALUES ($n, 'passage $x about topic $((n % 7))', 1);"
			echo "INSERT INTO passage_xid VALUES ('$x', $n);"
		done <"$D/msmarco-passage.openai-ada2.sample100.ids.txt"
		while read -r x; do
			echo "INSERT INTO query(xid, text, source_id) VALUES ('$x', 'query $x', 1);"
		done <"$D/dl19-queries.openai-ada2.ids.txt"
	} | sqlite3 "$1/negsieve.db"
}
sets() { sqlite3 "$1/negsieve.db" "SELECT count(*) FROM vecset"; }
nfiles() { ls "$1/vectors" 2>/dev/null | wc -l | tr -d ' '; }

P=$T/p
mkproj "$P"

# --- built-in embedder ---
sqlite3 "$P/negsieve.db" "INSERT INTO query(xid, text, source_id) VALUES ('notext', NULL, 1)"
run "$NEGSIEVE" embed "$P"
is "$rc" 0 "builtin embed exits 0"
is_in "$out" "embedded 100 passages and 43 queries (dimension 384)" "summary counts"
is_in "$out" "note: 1 of 44 queries have no vector (no text)" "item without text reported"
is "$(sqlite3 "$P/negsieve.db" "SELECT kind, model, dim, count FROM vecset ORDER BY id" | tr '\n' ' ')" \
   "passage|builtin-tfidf-v1|384|100 query|builtin-tfidf-v1|384|43 " "two vecsets recorded"
is "$(stat -c %s "$P/vectors/passage-1.f32")" 153600 "passage file is 100 x 384 float32"
# nothing changed: nothing written (at 1M x 384 a new copy is 1.5 GB, and
# new set ids would stop a saved index from being reused)
run "$NEGSIEVE" embed --dim 384 "$P"
is "$rc" 0 "re-run with nothing changed exits 0"
is "$out" "passage vectors up to date: 100 of model builtin-tfidf-v1 (dimension 384, set 1); nothing written
query vectors up to date: 43 of model builtin-tfidf-v1 (dimension 384, set 2); nothing written
note: 1 of 44 queries have no vector (no text)" "... says both kinds are up to date"
is "$(sets "$P") $(nfiles "$P")" "2 4" "... and writes no set and no file"
# the built-in embedder by the name it reports (mine takes it too)
run "$NEGSIEVE" embed --dim 384 --model builtin-tfidf-v1 "$P"
is "$rc" 0 "--model builtin-tfidf-v1 is the built-in embedder"
is_in "$out" "passage vectors up to date: 100 of model builtin-tfidf-v1" "... whose vectors are up to date"
run "$NEGSIEVE" embed --model builtin-tfidf-v1 --endpoint http://127.0.0.1:9/v1 "$P"
is "$rc" 2 "an endpoint's model named as the built-in embedder is refused"
is_in "$err" "--model builtin-tfidf-v1 is the built-in embedder's name: an endpoint's model needs another" "... saying why"
is "$(sets "$P") $(nfiles "$P")" "2 4" "... writing nothing"
# the same texts in another project give the same vectors
mkproj "$T/p2"
sqlite3 "$T/p2/negsieve.db" "INSERT INTO query(xid, text, source_id) VALUES ('notext', NULL, 1)"
"$NEGSIEVE" embed "$T/p2" >/dev/null
ok "builtin is deterministic" cmp "$P/vectors/passage-1.f32" "$T/p2/vectors/passage-1.f32"
ok "queries deterministic" cmp "$P/vectors/query-2.f32" "$T/p2/vectors/query-2.f32"
# a query changed: only the queries, with the passages' statistics as
# stored with their set (as a full embed of the same texts makes them)
sqlite3 "$P/negsieve.db" "UPDATE query SET text = 'query changed' WHERE id = 1"
run "$NEGSIEVE" embed "$P"
is "$rc" 0 "a query changed: exit 0"
is "$(printf '%s\n' "$out" | sed 's/ in .*//')" "passage vectors up to date: 100 of model builtin-tfidf-v1 (dimension 384, set 1); nothing written
embedded 43 queries (dimension 384)
note: 1 of 44 queries have no vector (no text)" "... passages kept, queries embedded"
is "$(sqlite3 "$P/negsieve.db" "SELECT group_concat(id || kind, ' ') FROM vecset")" "1passage 2query 3query" \
   "... one new query set"
mkproj "$T/p3"
sqlite3 "$T/p3/negsieve.db" "INSERT INTO query(xid, text, source_id) VALUES ('notext', NULL, 1);
	UPDATE query SET text = 'query changed' WHERE id = 1"
"$NEGSIEVE" embed "$T/p3" >/dev/null
ok "... the same query vectors as a full embed" cmp "$P/vectors/query-3.f32" "$T/p3/vectors/query-2.f32"
run "$NEGSIEVE" embed --no-prompt "$P"
is_in "$out" "query vectors up to date" "--no-prompt without prompts: the same texts"
# a passage changed: its statistics change every query vector too
sqlite3 "$P/negsieve.db" "UPDATE passage SET text = 'passage changed' WHERE id = 7"
run "$NEGSIEVE" embed "$P"
is_in "$out" "embedded 100 passages and 43 queries (dimension 384)" "a passage changed: both kinds embedded"
is "$(sets "$P")" 5 "... two new sets"
# a vector file gone or cut: embedded again, not taken as up to date
rm "$P/vectors/query-5.f32"
run "$NEGSIEVE" embed "$P"
is "$(printf '%s\n' "$out" | sed -n '2s/ in .*//p')" "embedded 43 queries (dimension 384)" "a removed vector file is made again"
truncate -s 100 "$P/vectors/passage-4.f32"
run "$NEGSIEVE" embed "$P"
is_in "$out" "embedded 100 passages and 43 queries" "a cut vector file is made again"
run "$NEGSIEVE" embed --dim 16 "$P"
id=$(sqlite3 "$P/negsieve.db" "SELECT max(id) FROM vecset WHERE kind = 'passage'")
is "$(stat -c %s "$P/vectors/passage-$id.f32")" 6400 "--dim 16: a new set"
run "$NEGSIEVE" embed --model nomodel "$P"
is "$rc" 2 "a model without endpoint is a usage error"
is_in "$err" "model 'nomodel' needs --endpoint URL" "message"
run "$NEGSIEVE" embed --dim 0 "$P"
is "$rc" 2 "--dim 0 refused"

# a text with no word (punctuation) gives the built-in embedder a zero
# vector: such items get none (stored, a passage's would be mined as a
# negative of score 0 for every query), named, and mining goes on.  A blank
# text (empty, white space, U+00A0, U+3000; a query's prompt is not its
# text) is given to no embedder, named in the same note.
B=$T/b
"$NEGSIEVE" init "$B" >/dev/null
sqlite3 "$B/negsieve.db" "INSERT INTO source(path, format, created_at) VALUES ('t', 't', 'now');
	INSERT INTO passage(id, text, source_id) VALUES (1, 'the cat sat', 1), (2, '', 1),
		(3, '-- !!', 1), (4, 'a dog ran', 1), (5, NULL, 1),
		(6, char(160) || ' ' || char(12288), 1);
	INSERT INTO passage_xid VALUES ('p1', 1), ('e2', 2), ('e3', 3), ('p4', 4), ('n5', 5), ('e6', 6);
	INSERT INTO query(xid, text, source_id) VALUES ('q1', 'cat', 1), ('q2', '???', 1);
	INSERT INTO query(xid, text, prompt, source_id) VALUES ('q3', ' ', 'Represent this for the cat: ', 1)"
run "$NEGSIEVE" embed "$B"
is "$rc" 0 "texts with no word: embed exits 0"
note="note: 2 of 3 queries have no vector (1 with an empty or blank text, sent to no embedder: 'q3'; 1 whose text has no word, a zero vector to the built-in embedder: 'q2'): they stay out of mining; to have them, fix those texts in the data and import it into a new project
note: 4 of 6 passages have no vector (1 without text; 2 with an empty or blank text, sent to no embedder: 'e2', 'e6'; 1 whose text has no word, a zero vector to the built-in embedder: 'e3'): they stay out of mining; to have them, fix those texts in the data and import it into a new project"
is "$(printf '%s\n' "$out" | sed 1d)" "$note" "... naming them"
is "$(sqlite3 "$B/negsieve.db" "SELECT group_concat(count, ' ') FROM vecset")" "2 1" "... without a vector"
run "$NEGSIEVE" embed "$B"
is "$(printf '%s\n' "$out" | sed 1,2d)" "$note" "... named again when up to date"
run "$NEGSIEVE" mine "$B"
is "$rc" 0 "... and mine goes on"
is "$(sqlite3 "$B/negsieve.db" "SELECT group_concat(DISTINCT passage_id) FROM candidate")" "1,4" \
   "... with no zero passage among the candidates"

# --- imports ---
P=$T/q
mkproj "$P"
run "$NEGSIEVE" embed "$P" --passages "$D/msmarco-passage.openai-ada2.sample100.npy" \
	--passage-ids "$D/msmarco-passage.openai-ada2.sample100.ids.txt" \
	--queries "$D/dl19-queries.openai-ada2.fvecs" --query-ids "$D/dl19-queries.openai-ada2.ids.txt"
is "$rc" 0 "import npy + fvecs"
is_in "$out" "embedded 100 passages and 43 queries (dimension 1536)" "import summary"
is "$(sqlite3 "$P/negsieve.db" "SELECT model FROM vecset ORDER BY id" | tr '\n' ' ')" \
   "file:dl19-queries.openai-ada2.fvecs file:msmarco-passage.openai-ada2.sample100.npy " "file models"
run "$NEGSIEVE" embed "$P" --passages "$J/json_vector/sample100.json"
is "$rc" 0 "import Anserini JSONL"
is_in "$out" "embedded 100 passages (dimension 1536)" "JSONL summary"
ok "JSONL and npy give the same rows (joined on ids)" cmp "$P/vectors/passage-2.f32" "$P/vectors/passage-3.f32"
run "$NEGSIEVE" embed "$P" --queries "$D/dl19-queries.openai-ada2.npy" --query-ids "$D/dl19-queries.openai-ada2.ids.txt"
ok "fvecs and npy queries agree" cmp "$P/vectors/query-1.f32" "$P/vectors/query-4.f32"

# a reordered id list moves the rows with it
python3 - "$D" "$T" <<'PY'
import struct, sys
d, t = sys.argv[1], sys.argv[2]
ids = open(d + '/dl19-queries.openai-ada2.ids.txt').read().split()
raw = open(d + '/dl19-queries.openai-ada2.fvecs', 'rb').read()
row = 4 + 4 * 1536
rows = [raw[i * row:(i + 1) * row] for i in range(len(ids))]
order = list(reversed(range(len(ids))))
open(t + '/rev.fvecs', 'wb').write(b''.join(rows[i] for i in order))
open(t + '/rev.ids', 'w').write(''.join(ids[i] + '\n' for i in order))
PY
run "$NEGSIEVE" embed "$P" --queries "$T/rev.fvecs" --query-ids "$T/rev.ids"
ok "reversed file, same vectors per id" cmp "$P/vectors/query-1.f32" "$P/vectors/query-5.f32"

# --- bad inputs: each named, nothing stored ---
python3 - "$T" <<'PY'
import struct, sys
t = sys.argv[1]
def npy(name, descr, shape, data, fortran=False, ver=1):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, 'True' if fortran else 'False', shape)
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + ' ' * pad + '\n'
    head = b'\x93NUMPY' + bytes([ver, 0]) + (struct.pack('<H', len(h)) if ver == 1 else struct.pack('<I', len(h)))
    open(t + '/' + name, 'wb').write(head + h.encode() + data)
f4 = lambda xs: struct.pack('<%df' % len(xs), *xs)
npy('f8.npy', '<f8', '(2, 2)', struct.pack('<4d', 1, 2, 3, 4))
npy('fortran.npy', '<f4', '(2, 2)', f4([1, 2, 3, 4]), fortran=True)
npy('oned.npy', '<f4', '(4,)', f4([1, 2, 3, 4]))
npy('short.npy', '<f4', '(2, 2)', f4([1, 2, 3]))
npy('nan.npy', '<f4', '(2, 2)', f4([1, 2, float('nan'), 4]))
npy('ok.npy', '<f4', '(2, 2)', f4([1, 2, 3, 4]))
npy('dup.npy', '<f4', '(2, 2)', f4([1, 2, 3, 4]))
# float16: 1.0, -2.0, 0.5, 65504 ; v2 header
npy('half.npy', '<f2', '(2, 2)', struct.pack('<4H', 0x3c00, 0xc000, 0x3800, 0x7bff), ver=2)
open(t + '/ok.ids', 'w').write('1121709\n148538\n')
open(t + '/dup.ids', 'w').write('1121709\n1121709\n')
open(t + '/unknown.ids', 'w').write('1121709\nnope\n')
open(t + '/three.ids', 'w').write('1121709\n148538\n489204\n')
open(t + '/empty.ids', 'w').write('1121709\n\n148538\n')
open(t + '/trail.ids', 'w').write('1121709\n148538\n489204\n\n \n')
def fv(name, rows):
    open(t + '/' + name, 'wb').write(b''.join(struct.pack('<i', len(r)) + f4(r) for r in rows))
fv('baddim.fvecs', [[1, 2, 3], [1, 2]])
fv('ok.fvecs', [[1, 2], [3, 4]])
open(t + '/trunc.fvecs', 'wb').write(open(t + '/ok.fvecs', 'rb').read()[:-3])
open(t + '/null.jsonl', 'w').write('{"qid": "1121709", "vector": [1, 2]}\n{"qid": "148538", "vector": null}\n')
open(t + '/bad.jsonl', 'w').write('{"qid": "1121709", "vector": [1, 2]}\n{"qid": "148538", "vector": [1, 2\n')
npy('zero.npy', '<f4', '(2, 2)', f4([1, 2, 0, 0]))
# float16 0 and -0
npy('zero16.npy', '<f2', '(2, 2)', struct.pack('<4H', 0x8000, 0, 0x3c00, 0))
fv('zero.fvecs', [[1, 2], [0, -0.0]])
open(t + '/zero.jsonl', 'w').write('{"qid": "1121709", "vector": [1, 2]}\n\n{"qid": "148538", "vector": [0, 0.0]}\n')
open(t + '/dim.jsonl', 'w').write('{"qid": "1121709", "vector": [1, 2]}\n{"qid": "148538", "vector": [1]}\n')
PY
before=$(sets "$P"); files=$(nfiles "$P")
q() { run "$NEGSIEVE" embed "$P" --queries "$T/$1" --query-ids "$T/$2"; }
q f8.npy ok.ids
is "$rc" 3 "float64 npy exits 3"
is "$err" "negsieve: $T/f8.npy: dtype '<f8' is not supported (float32 or float16 only)" "dtype message"
q fortran.npy ok.ids
is "$err" "negsieve: $T/fortran.npy: Fortran-order arrays are not supported" "Fortran message"
q oned.npy ok.ids
is "$err" "negsieve: $T/oned.npy: shape (4,) is not 2-D (rows, dimension)" "1-D message"
q short.npy ok.ids
is "$err" "negsieve: $T/short.npy: truncated: 2 x 2 values need 16 bytes of data, the file has 12" "truncated npy"
q nan.npy ok.ids
is "$err" "negsieve: $T/nan.npy: row 2: id '148538': component 0 is NaN" "NaN names the id"
q ok.npy unknown.ids
is "$err" "negsieve: $T/unknown.ids:2: unknown query id 'nope'" "unknown id named"
q dup.npy dup.ids
is "$err" "negsieve: $T/dup.ids:2: id '1121709' repeated (first in row 1)" "repeated id named"
q ok.npy three.ids
is "$err" "negsieve: $T/three.ids: 3 ids, but $T/ok.npy has 2 rows" "count mismatch"
q ok.npy empty.ids
is "$err" "negsieve: $T/empty.ids:2: empty id" "empty id line"
q ok.npy ok.npy
is "$err" "negsieve: $T/ok.npy:1: binary data (a NUL byte: it looks like a NumPy .npy file): an id list holds one id per line of text (was a vector file given as the ids?)" \
	"a vector file as the id list: said so"
# (three ids: the count, not the blank lines, is what is wrong)
q ok.npy trail.ids
is "$err" "negsieve: $T/trail.ids: 3 ids, but $T/ok.npy has 2 rows" "blank lines at the end of an id list are fine"
q baddim.fvecs ok.ids
is "$err" "negsieve: $T/baddim.fvecs: row 2: dimension 2, expected 3" "fvecs row dimension"
q trunc.fvecs ok.ids
is "$err" "negsieve: $T/trunc.fvecs: row 2: truncated (9 of 12 bytes)" "fvecs truncated"
q ok.fvecs three.ids
is "$err" "negsieve: $T/three.ids: 3 ids, but $T/ok.fvecs has 2 rows" "fvecs count mismatch"
run "$NEGSIEVE" embed "$P" --queries "$T/null.jsonl"
is "$err" "negsieve: $T/null.jsonl:2: id '148538': vector is null" "null vector named"
run "$NEGSIEVE" embed "$P" --passages "$J/json_vector_null/sample.json"
is "$err" "negsieve: $J/json_vector_null/sample.json:1: id '1': vector is null" "Anserini null fixture"
# a row of zeros is a null vector too: it would score 0 against everything
# and be mined as a negative of every query (a query's: arbitrary ones)
q zero.npy ok.ids
is "$rc" 3 "a zero row exits 3"
is "$err" "negsieve: $T/zero.npy: row 2: id '148538': every component is 0 (a null vector)" "... naming the row and id"
q zero16.npy ok.ids
is "$err" "negsieve: $T/zero16.npy: row 1: id '1121709': every component is 0 (a null vector)" "a float16 zero row (0 and -0)"
q zero.fvecs ok.ids
is "$err" "negsieve: $T/zero.fvecs: row 2: id '148538': every component is 0 (a null vector)" "an .fvecs zero row"
run "$NEGSIEVE" embed "$P" --queries "$T/zero.jsonl"
is "$err" "negsieve: $T/zero.jsonl:3: id '148538': every component is 0 (a null vector)" "a JSONL zero row, by line"
run "$NEGSIEVE" embed "$P" --queries "$T/bad.jsonl"
is_in "$err" "negsieve: $T/bad.jsonl:2:" "bad JSON has line and column"
run "$NEGSIEVE" embed "$P" --queries "$T/dim.jsonl"
is "$err" "negsieve: $T/dim.jsonl:2: id '148538': dimension 1, expected 2" "JSONL dimension"
run "$NEGSIEVE" embed "$P" --queries "$T/ok.npy"
is "$rc" 2 "npy without ids is a usage error"
is_in "$err" "--queries needs --query-ids FILE" "message"
run "$NEGSIEVE" embed "$P" --query-ids "$T/ok.ids"
is "$rc" 2 "ids without vectors is a usage error"
run "$NEGSIEVE" embed "$P" --queries "$T/ok.npy" --query-ids "$T/ok.ids" \
	--passages "$D/msmarco-passage.openai-ada2.sample100.npy" \
	--passage-ids "$D/msmarco-passage.openai-ada2.sample100.ids.txt"
is "$rc" 3 "query/passage dimension mismatch"
is "$err" "negsieve: $T/ok.npy: dimension 2, but the passage vectors in $D/msmarco-passage.openai-ada2.sample100.npy have dimension 1536" "mismatch message"
run "$NEGSIEVE" embed "$P" --queries "$T/ok.npy" --query-ids "$T/dup.ids" \
	--passages "$D/msmarco-passage.openai-ada2.sample100.npy" \
	--passage-ids "$D/msmarco-passage.openai-ada2.sample100.ids.txt"
is "$rc" 3 "bad query file with good passages"
is "$(sets "$P")" "$before" "no vecset stored by any failure"
is "$(nfiles "$P")" "$files" "no file left by any failure"

# another kind of vector file: said what it looks like, and what is read
S=$NEGSIEVE_DATA/sift-fvecs-tiledb
READ="vectors are read from .npy (float32 or float16), .fvecs (float32) and JSON lines (any other name)"
run "$NEGSIEVE" embed "$P" --passages "$S/siftsmall_learn_256pts.fbin"
is "$rc" 3 "an .fbin file exits 3"
is "$err" "negsieve: $S/siftsmall_learn_256pts.fbin: not JSON lines: it looks like a .fbin or .ibin file (256 rows of dimension 128); $READ" \
   "... saying it looks like .fbin, not a JSON parser's message"
run "$NEGSIEVE" embed "$P" --queries "$S/groundtruth.ivecs"
is "$err" "negsieve: $S/groundtruth.ivecs: not JSON lines: it looks like an .ivecs file (int32 values, 100 rows of dimension 100); $READ" \
   "an .ivecs file is named as one"
cp "$S/groundtruth.ivecs" "$T/gt.fvecs"
q gt.fvecs ok.ids
is "$err" "negsieve: $T/gt.fvecs: not an .fvecs file: it looks like an .ivecs file (int32 values, 100 rows of dimension 100); $READ" \
   "... also named .fvecs (its int32 values would pass for tiny floats)"
cp "$S/siftsmall_learn_256pts.fbin" "$T/fb.fvecs"
q fb.fvecs ok.ids
is "$err" "negsieve: $T/fb.fvecs: not an .fvecs file: it looks like a .fbin or .ibin file (256 rows of dimension 128); $READ" \
   "an .fbin named .fvecs"
cp "$T/ok.npy" "$T/npy.fvecs"
q npy.fvecs ok.ids
is "$err" "negsieve: $T/npy.fvecs: not an .fvecs file: it looks like a NumPy .npy file; $READ" \
   "an .npy named .fvecs, not 'dimension 1297436307 out of range'"
cp "$T/ok.npy" "$T/npy.jsonl"
run "$NEGSIEVE" embed "$P" --queries "$T/npy.jsonl"
is "$err" "negsieve: $T/npy.jsonl: not JSON lines: it looks like a NumPy .npy file; $READ" "an .npy named .jsonl"
cp "$T/ok.fvecs" "$T/fv.npy"
q fv.npy ok.ids
is "$err" "negsieve: $T/fv.npy: not a NumPy .npy file: it looks like an .fvecs file (2 rows of dimension 2); $READ" \
   "an .fvecs named .npy"
cp "$T/null.jsonl" "$T/json.npy"
q json.npy ok.ids
is "$err" "negsieve: $T/json.npy: not a NumPy .npy file: it looks like JSON; $READ" "JSON named .npy"
printf 'hello\n' >"$T/text.fvecs"
q text.fvecs ok.ids
is "$err" "negsieve: $T/text.fvecs: not an .fvecs file: row 1 would have dimension 1819043176 (1..65536); $READ" \
   "a file of unknown kind named .fvecs"
is "$(sets "$P") $(nfiles "$P")" "$before $files" "nothing stored by these"
: >"$T/none.ids"
q ok.fvecs none.ids
is "$rc" 3 "an empty id list with .fvecs exits 3 (it crashed)"
is "$err" "negsieve: $T/none.ids: 0 ids, but $T/ok.fvecs has more rows" "... saying so"
is "$(sets "$P") $(nfiles "$P")" "$before $files" "... storing nothing"

# two ids with one text share a passage, so one vector: a second row that
# agrees is counted, one that does not is an error naming both rows
P1=$(sed -n 1p "$D/msmarco-passage.openai-ada2.sample100.ids.txt")
P2=$(sed -n 2p "$D/msmarco-passage.openai-ada2.sample100.ids.txt")
sqlite3 "$P/negsieve.db" "INSERT INTO passage_xid VALUES ('dX', 1)"
python3 - "$T" <<'PY'
import struct, sys
t = sys.argv[1]
def npy(name, rows):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 2), }" % len(rows)
    h = h + ' ' * (64 - (10 + len(h) + 1) % 64) + '\n'
    data = b''.join(struct.pack('<2f', *r) for r in rows)
    open(t + '/' + name, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + data)
npy('same.npy', [[1, 2], [3, 4], [1.001, 2]])
npy('differ.npy', [[1, 2], [3, 4], [2, 1]])
PY
printf '%s\n%s\n%s\n' "$P1" "$P2" dX >"$T/shared.ids"
before=$(sets "$P"); files=$(nfiles "$P")
run "$NEGSIEVE" embed "$P" --passages "$T/differ.npy" --passage-ids "$T/shared.ids"
is "$rc" 3 "two ids of one text with different vectors exit 3"
is "$err" "negsieve: $T/shared.ids:3: ids '$P1' (row 1) and 'dX' (row 3) have the same text (one passage) but different vectors: are the ids in step with the rows of $T/differ.npy?" \
   "... naming both ids and rows"
is "$(sets "$P") $(nfiles "$P")" "$before $files" "... storing nothing"
run "$NEGSIEVE" embed "$P" --passages "$T/same.npy" --passage-ids "$T/shared.ids"
is "$rc" 0 "... with the same vector (within 1%) they import"
is_in "$out" "embedded 2 passages (dimension 2)" "... as one passage"
is_in "$out" "note: 1 passage row repeats the vector of another id with the same text (one passage, one vector kept)" \
   "... counted in a note"
id=$(sqlite3 "$P/negsieve.db" "SELECT max(id) FROM vecset")
is "$(od -A n -t f4 -v "$P/vectors/passage-$id.f32" | tr -s ' \n' ' ')" " 1 2 3 4 " "... the first row kept"

q half.npy ok.ids
is "$rc" 0 "float16 npy imports"
id=$(sqlite3 "$P/negsieve.db" "SELECT max(id) FROM vecset")
is "$(od -A n -t f4 -v "$P/vectors/query-$id.f32" | tr -s ' \n' ' ')" \
   " 1 -2 0.5 65504 " "float16 converted exactly"

done_testing
