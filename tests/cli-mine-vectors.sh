#!/bin/sh
# cli-mine-vectors.sh - which vectors `negsieve mine` uses: on a project
# without any it embeds first with the configured embedder and says so;
# vectors imported from files are used when they are the only ones; among
# several models the embedder's, else a clear refusal; a shard (read-only)
# never embeds; imported query and passage vectors are paired by name, and
# never guessed among several files.
. "${top_srcdir:-.}/tests/lib.sh"

# mkproj DIR [CONFIG]: 4 queries, 12 passages, one positive each
mkproj() {
	"$NEGSIEVE" init ${2:+--config "$2"} "$1" >/dev/null
	python3 - <<'PY' | sqlite3 "$1/negsieve.db"
print("BEGIN; INSERT INTO source(id,path,format,created_at) VALUES(1,'t','t','now');")
topics = ["apt package manager", "vim text editor", "nginx web server", "gzip archive tool"]
for t, words in enumerate(topics):
    for j in range(3):
        pid = t * 3 + j + 1
        print("INSERT INTO passage(id,text,source_id) VALUES(%d,'%s number %d',1);" % (pid, words, j))
        print("INSERT INTO passage_xid VALUES('p%d',%d);" % (pid, pid))
    print("INSERT INTO query(id,xid,text,source_id) VALUES(%d,'q%d','%s',1);" % (t + 1, t + 1, words))
    print("INSERT INTO qrel VALUES(%d,%d,1,NULL,1);" % (t + 1, t * 3 + 1))
print("INSERT INTO passage_fts(passage_fts) VALUES('rebuild'); COMMIT;")
PY
}
nvec() { sqlite3 "$1/negsieve.db" "SELECT count(*) FROM vecset"; }
runmodel() { sqlite3 "$1/negsieve.db" "SELECT json_extract(params,'\$.model') FROM run ORDER BY id DESC LIMIT 1"; }

# A project without vectors: mine embeds first, with the built-in embedder.
P=$T/p
mkproj "$P"
run "$NEGSIEVE" mine --num-negatives 1 "$P"
is "$rc" 0 "mine without vectors succeeds"
is_in "$out" "no vectors yet: embedding with the built-in embedder first (as 'negsieve embed' does)" \
   "it says it embeds first"
is_in "$out" "embedded 12 passages and 4 queries (dimension 384)" "... and what it embedded"
is_in "$out" "run 1: 4 queries" "then it mines"
is "$(nvec "$P")" 2 "a query and a passage vector set"
is "$(runmodel "$P")" "builtin-tfidf-v1" "the run names the vectors it used"
run "$NEGSIEVE" mine --model builtin --num-negatives 1 "$P"
is "$(runmodel "$P")" "builtin-tfidf-v1" "--model builtin: the run names the vectors' model, not the alias"
run "$NEGSIEVE" mine --num-negatives 1 "$P"
is "$(nvec "$P")" 2 "the next run embeds nothing"
case "$out" in *"no vectors yet"*) ok "no second embedding message" false ;;
*) ok "no second embedding message" true ;; esac

# The configured embedder is the one used.
printf 'embed:\n  dim: 32\n' >"$T/dim.yaml"
mkproj "$T/pd" "$T/dim.yaml"
run "$NEGSIEVE" mine "$T/pd"
is "$rc" 0 "mine embeds with the configured embedder"
is_in "$out" "(dimension 32)" "embed.dim of the config"

# A shard opens the project read-only: it refuses and writes nothing.
mkproj "$T/ps"
"$NEGSIEVE" stats "$T/ps" >/dev/null
run "$NEGSIEVE" mine --shard 0/2 --output "$T/s0.db" "$T/ps"
is "$rc" 7 "a shard of a project without vectors exits 7"
is "$err" "negsieve: $T/ps: no vectors yet; run 'negsieve embed $T/ps' first" "... and says what to run"
is "$(nvec "$T/ps")" 0 "nothing embedded"
ok "no shard file" test ! -e "$T/s0.db"

# Vectors imported from files, the only ones: used without --model.
F=$T/pf
mkproj "$F"
python3 - "$T" <<'PY'
import struct, sys, random
random.seed(3)
d = sys.argv[1]
def fvecs(path, n):
    with open(path, "wb") as f:
        for i in range(n):
            f.write(struct.pack("<i", 4))
            f.write(struct.pack("<4f", *[random.random() for _ in range(4)]))
fvecs(d + "/p.fvecs", 12)
fvecs(d + "/q.fvecs", 4)
open(d + "/p.ids", "w").write("".join("p%d\n" % (i + 1) for i in range(12)))
open(d + "/q.ids", "w").write("".join("q%d\n" % (i + 1) for i in range(4)))
PY
"$NEGSIEVE" embed --passages "$T/p.fvecs" --passage-ids "$T/p.ids" \
	--queries "$T/q.fvecs" --query-ids "$T/q.ids" "$F" >/dev/null
run "$NEGSIEVE" mine "$F"
is "$rc" 0 "mine uses the only vectors, imported from files"
is "$(runmodel "$F")" "file:" "the run names them"
is "$(nvec "$F")" 2 "nothing embedded"
run "$NEGSIEVE" mine --model builtin "$F"
is "$rc" 7 "a model asked for and missing still exits 7"
is_in "$err" "no passage vectors of model 'builtin-tfidf-v1'" "... naming it"

# Several models: the configured embedder's; none of them: refused.
"$NEGSIEVE" embed "$F" >/dev/null
run "$NEGSIEVE" mine "$F"
is "$(runmodel "$F")" "builtin-tfidf-v1" "among several, the embedder's (builtin)"
printf 'embed:\n  model: e5\n  endpoint: http://127.0.0.1:9/v1\n' >"$T/e5.yaml"
mkproj "$T/pe" "$T/e5.yaml"
"$NEGSIEVE" embed --passages "$T/p.fvecs" --passage-ids "$T/p.ids" \
	--queries "$T/q.fvecs" --query-ids "$T/q.ids" "$T/pe" >/dev/null
sqlite3 "$T/pe/negsieve.db" "ATTACH '$F/negsieve.db' AS f;
INSERT INTO vecset(kind,model,dim,count,path,ids_path,created_at)
  SELECT kind,model,dim,count,path,ids_path,created_at FROM f.vecset WHERE model='builtin-tfidf-v1';"
run "$NEGSIEVE" mine "$T/pe"
is "$rc" 2 "several models, none the embedder's: a usage error"
is "$err" "negsieve: $T/pe: vectors of 2 models (builtin-tfidf-v1, file:): choose one with --model or mine.model" \
   "... listing them"
run "$NEGSIEVE" mine --model file: "$T/pe"
is "$rc" 0 "--model picks one"

# Passage vectors imported alone: the advice is to import the queries'
# (an embedder's would not go with them), not to embed.
mkproj "$T/po"
"$NEGSIEVE" embed --passages "$T/p.fvecs" --passage-ids "$T/p.ids" "$T/po" >/dev/null
run "$NEGSIEVE" mine "$T/po"
is "$rc" 7 "imported passage vectors without query vectors: exits 7"
is "$err" "negsieve: $T/po: no query vectors to go with the imported passage vectors 'file:p.fvecs'; import the queries' vectors of the same model with 'negsieve embed --queries FILE --query-ids FILE $T/po'" \
   "... saying how to import the queries' vectors"

# Query vectors imported from two files: which go with the passages is
# not known (two models' vectors of one dimension look alike): refused,
# nothing mined, until the vectors of one model are named with --model.
mkproj "$T/pq"
python3 - "$T" <<'PY'
import struct, sys, random
random.seed(5)
d = sys.argv[1]
with open(d + "/q2.fvecs", "wb") as f:
    for i in range(4):
        f.write(struct.pack("<i", 4))
        f.write(struct.pack("<4f", *[random.random() for _ in range(4)]))
with open(d + "/p8.fvecs", "wb") as f:
    for i in range(12):
        f.write(struct.pack("<i", 8))
        f.write(struct.pack("<8f", *[random.random() for _ in range(8)]))
PY
"$NEGSIEVE" embed --passages "$T/p.fvecs" --passage-ids "$T/p.ids" \
	--queries "$T/q.fvecs" --query-ids "$T/q.ids" "$T/pq" >/dev/null
"$NEGSIEVE" embed --queries "$T/q2.fvecs" --query-ids "$T/q.ids" "$T/pq" >/dev/null
nrun() { sqlite3 "$1/negsieve.db" "SELECT count(*) FROM run"; }
run "$NEGSIEVE" mine "$T/pq"
is "$rc" 2 "query vectors from two files: a usage error"
is "$err" "negsieve: $T/pq: query vectors were imported from 2 files, 'file:q2.fvecs' (dimension 4), 'file:q.fvecs' (dimension 4): which of them go with the passage vectors 'file:p.fvecs' is not known.  Import the vectors of one model under one name: 'negsieve embed --model NAME --passages FILE --passage-ids FILE --queries FILE --query-ids FILE $T/pq', then 'negsieve mine --model NAME'" \
   "... listing them and saying how to name the pair"
is "$(nrun "$T/pq")" 0 "... nothing mined"
run "$NEGSIEVE" embed --model m1 --passages "$T/p.fvecs" --passage-ids "$T/p.ids" \
	--queries "$T/q.fvecs" --query-ids "$T/q.ids" "$T/pq"
is "$rc" 0 "embed --model names imported vectors"
is "$(sqlite3 "$T/pq/negsieve.db" "SELECT group_concat(kind || '=' || model) FROM (SELECT * FROM vecset WHERE model = 'm1' ORDER BY kind)")" \
   "passage=m1,query=m1" "... both kinds under the name"
run "$NEGSIEVE" mine --model m1 "$T/pq"
is "$rc" 0 "mine --model NAME pairs them"
is "$(runmodel "$T/pq")" "m1" "... the run names the model"
is "$(sqlite3 "$T/pq/negsieve.db" "SELECT json_extract(params,'\$.query_vectors') || ',' || json_extract(params,'\$.passage_vectors') FROM run")" \
   "$(sqlite3 "$T/pq/negsieve.db" "SELECT (SELECT id FROM vecset WHERE model='m1' AND kind='query') || ',' || (SELECT id FROM vecset WHERE model='m1' AND kind='passage')")" \
   "... with the query and passage vectors of that name"
for bad in builtin builtin-tfidf-v1 file:x ''; do
	run "$NEGSIEVE" embed --model "$bad" --queries "$T/q.fvecs" --query-ids "$T/q.ids" "$T/pq"
	is "$rc" 2 "embed --model '$bad' for imported vectors: a usage error"
	is_in "$err" "--model '$bad': name imported vectors after their model" "... saying why"
done
run "$NEGSIEVE" embed --endpoint http://127.0.0.1:9/v1 --queries "$T/q.fvecs" --query-ids "$T/q.ids" "$T/pq"
is "$rc" 2 "embed --endpoint with imported vectors: still a usage error"
is "$(sqlite3 "$T/pq/negsieve.db" "SELECT count(*) FROM vecset")" 5 "... no vector set stored by the refusals"

# Passage vectors of another dimension imported last: the query vectors
# do not go with them, and the imported passage vectors are listed.
mkproj "$T/pdim"
"$NEGSIEVE" embed --passages "$T/p.fvecs" --passage-ids "$T/p.ids" \
	--queries "$T/q.fvecs" --query-ids "$T/q.ids" "$T/pdim" >/dev/null
"$NEGSIEVE" embed --passages "$T/p8.fvecs" --passage-ids "$T/p.ids" "$T/pdim" >/dev/null
run "$NEGSIEVE" mine "$T/pdim"
is "$rc" 3 "imported passage vectors of another dimension: bad input"
is "$err" "negsieve: $T/pdim: the query vectors 'file:q.fvecs' (dimension 4) do not go with the passage vectors 'file:p8.fvecs' (dimension 8): choose the passage vectors with --model among those imported, 'file:p8.fvecs' (dimension 8), 'file:p.fvecs' (dimension 4)" \
   "... listing the imported passage vectors"
run "$NEGSIEVE" mine --model file:p.fvecs "$T/pdim"
is "$rc" 0 "--model file:NAME picks the imported passage vectors of that file"

# JSONL vectors may be compressed (by content, as import reads inputs) or
# come through a pipe; compressed .npy/.fvecs are refused by name.
mkproj "$T/pj"
python3 - "$T" <<'PY'
import json, sys, random, gzip
random.seed(7)
d = sys.argv[1]
rows = "".join(json.dumps({"qid": "q%d" % (i + 1), "vector": [random.random() for _ in range(4)]}) + "\n" for i in range(4))
with gzip.open(d + "/q.jsonl.gz", "wt") as f:
    f.write(rows)
open(d + "/qz.jsonl", "w").write(rows)
PY
run "$NEGSIEVE" embed --queries "$T/q.jsonl.gz" "$T/pj"
is "$rc" 0 "embed reads gzip JSONL vectors"
is_in "$out" "embedded 4 queries (dimension 4)" "... all of them"
run sh -c "gzip -c '$T/qz.jsonl' | '$NEGSIEVE' embed --queries - '$T/pj'"
is "$rc" 0 "... and through a pipe"
is_in "$out" "embedded 4 queries (dimension 4)" "... all of them again"
gzip -c "$T/p.fvecs" >"$T/p.fvecs.gz"
run "$NEGSIEVE" embed --passages "$T/p.fvecs.gz" --passage-ids "$T/p.ids" "$T/pj"
is "$rc" 3 "a compressed .fvecs: bad input"
is "$err" "negsieve: $T/p.fvecs.gz: a compressed .fvecs file: decompress it first (JSONL vectors may be gzip or zstd)" \
   "... saying to decompress it"
is "$(sqlite3 "$T/pj/negsieve.db" "SELECT count(*) FROM vecset WHERE kind = 'passage'")" 0 "... nothing stored"

# An empty project: nothing to embed, nothing stored; once data is
# imported, mine embeds it.
"$NEGSIEVE" init "$T/pz" >/dev/null
run "$NEGSIEVE" mine "$T/pz"
is "$rc" 3 "mine on an empty project: bad input"
is_in "$err" "nothing to mine" "... saying there is nothing"
is "$(nvec "$T/pz")" 0 "... no empty vector sets stored"
rmdir "$T/pz" 2>/dev/null; rm -rf "$T/pz"
mkproj "$T/pz"
run "$NEGSIEVE" mine --num-negatives 1 "$T/pz"
is_in "$out" "no vectors yet: embedding" "after importing, mine embeds first"
done_testing
