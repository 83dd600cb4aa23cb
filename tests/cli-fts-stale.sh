#!/bin/sh
# cli-fts-stale.sh - a project imported without its full-text index
# (import.fts false, --no-fts): the import names the setting where it was
# set, stats says the index is stale, mine --method bm25 rebuilds it first
# (the same candidates as a project imported with the index), a later
# import with the index on rebuilds it, and a rebuild that cannot be done
# leaves the project as it was.
. "${top_srcdir:-.}/tests/lib.sh"
need_data beir-dbpedia-arcd
D=$NEGSIEVE_DATA/beir-dbpedia-arcd/dbpedia
cd "$T" || exit 1
q() { sqlite3 "$1/negsieve.db" "$2"; }
# the candidates of a project's newest run, with their scores
cands() {
	q "$1" "SELECT query_id, passage_id, rank, score FROM candidate
		WHERE run_id = (SELECT max(id) FROM run)
		ORDER BY query_id, rank" | md5sum
}
REBUILT="negsieve: mine: the full-text index was stale (an import with --no-fts or import.fts false); rebuilt it over 5000 passages and 50 queries in "
STALE="full-text   index stale: an import with --no-fts or import.fts false added text it lacks (mine --method bm25, or an import with import.fts true, rebuilds it)"
MINE='mine:\n  num_negatives: 5\n  range_max: 20\n  method: bm25\n'

# --- the reference: imported with the index ----------------------------
printf "import:\n  positive_grade: 2\n$MINE" >on.yaml
"$NEGSIEVE" init -c on.yaml on >/dev/null
run "$NEGSIEVE" import on "$D"
is_in "$out" "; FTS index " "fts on: the import times the index"
run "$NEGSIEVE" stats on
case "$out" in *full-text*) has=yes ;; *) has=no ;; esac
is "$has" no "fts on: stats says nothing of the index"
run "$NEGSIEVE" stats --json on
is_in "$out" '"fts_stale": false' "fts on: stats --json fts_stale false"
"$NEGSIEVE" mine on >/dev/null 2>&1
ref=$(cands on)
is "$(q on "SELECT count(*) FROM candidate")" 245 "fts on: 245 negatives kept"

# --- import.fts: false in the config, then mine --method bm25 ----------
printf "import:\n  positive_grade: 2\n  fts: false\n$MINE" >off.yaml
"$NEGSIEVE" init -c off.yaml g >/dev/null
run "$NEGSIEVE" import g "$D"
is "$rc" 0 "import.fts false: import exit 0"
is_in "$out" "; FTS index not updated (import.fts: false)" \
	"import.fts false: the summary names the config key, not --no-fts"
is "$(q g "SELECT value FROM meta WHERE key = 'fts_stale'")" 1 \
	"import.fts false: the project notes the index is stale"
run "$NEGSIEVE" stats g
is_in "$out" "$STALE" "stats: says the index is stale"
run "$NEGSIEVE" stats --json g
is_in "$out" '"fts_stale": true' "stats --json: fts_stale true"
cp -a g g-ro
run "$NEGSIEVE" mine g
is "$rc" 0 "mine bm25 on a stale index: exit 0"
is_in "$err" "$REBUILT" "mine bm25: says on stderr that it rebuilt the index, and the time"
is_in "$out" "run 1: 50 queries, 967 candidates" "mine bm25: finds the candidates"
is "$(cands g)" "$ref" "mine bm25: the same candidates and scores as with the index"
is "$(q g "SELECT count(*) FROM meta WHERE key = 'fts_stale'")" 0 \
	"mine bm25: the index is no longer stale"
run "$NEGSIEVE" stats g
case "$out" in *full-text*) has=yes ;; *) has=no ;; esac
is "$has" no "stats after the rebuild: nothing stale"
run "$NEGSIEVE" mine g
case "$err" in *rebuilt*) has=yes ;; *) has=no ;; esac
is "$has" no "a second mine rebuilds nothing"
is "$(cands g)" "$ref" "a second mine: the same candidates"

# --- --no-fts, then import again with the index on ---------------------
printf "import:\n  positive_grade: 2\n$MINE" >h.yaml
"$NEGSIEVE" init -c h.yaml h >/dev/null
run "$NEGSIEVE" import --no-fts h "$D"
is_in "$out" "; FTS index not updated (--no-fts)" "--no-fts: the summary names the option"
run "$NEGSIEVE" import --again h "$D"
is "$rc" 0 "import --again with the index on: exit 0"
is_in "$out" "; FTS index rebuilt in " "import with the index on: rebuilds the stale index"
is_in "$out" " s (an earlier import left it stale)" "import with the index on: says why"
run "$NEGSIEVE" stats h
case "$out" in *full-text*) has=yes ;; *) has=no ;; esac
is "$has" no "stats after the import: nothing stale"
run "$NEGSIEVE" mine h
case "$err" in *rebuilt*) has=yes ;; *) has=no ;; esac
is "$has" no "mine after the import: no rebuild"
is "$(cands h)" "$ref" "mine after the import: the same candidates as with the index"

# --- --no-fts adding no text leaves the index as it was ------------------
run "$NEGSIEVE" import --again --no-fts on "$D"
is_in "$out" "; FTS index not updated (--no-fts)" "--no-fts, nothing new: not updated"
is "$(q on "SELECT count(*) FROM meta WHERE key = 'fts_stale'")" 0 \
	"--no-fts, nothing new: the index is not stale"

# --- a shard rebuilds through a connection of its own ------------------
cp -a g-ro s
run "$NEGSIEVE" mine --shard 0/1 --output "$T/s0.db" s
is "$rc" 0 "mine --shard on a stale index: exit 0"
is_in "$err" "$REBUILT" "mine --shard: rebuilt the index"
is "$(q s "SELECT count(*) FROM meta WHERE key = 'fts_stale'")" 0 \
	"mine --shard: the index is no longer stale"
is_in "$out" "shard 0/1: 50 queries, 967 candidates" "mine --shard: finds the candidates"

# --- a rebuild that cannot be done: nothing changes ----------------------
if [ "$(id -u)" = 0 ] && ! command -v setpriv >/dev/null; then
	skip "mine --shard read-only on a stale index" "no setpriv"
else
	ro() {	# run a command as someone who cannot write the project
		if [ "$(id -u)" = 0 ]; then
			setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
		else
			"$@"
		fi
	}
	before=$(q g-ro .dump | md5sum)
	chmod -R a+rX,a-w g-ro
	chmod a+rx "$T"
	mkdir out && chmod 777 out
	run ro "$NEGSIEVE" mine --shard 0/1 --output "$T/out/s.db" g-ro
	is "$rc" 4 "mine --shard, read-only, stale index: exit 4"
	is_in "$err" "negsieve: g-ro: the full-text index is stale (an import with --no-fts or import.fts false) and could not be rebuilt for BM25: g-ro: nobody cannot write this project" \
		"mine --shard, read-only, stale index: says what failed"
	is_in "$err" "(nothing was changed)" \
		"mine --shard, read-only, stale index: says nothing changed"
	chmod -R u+w g-ro
	is "$(q g-ro .dump | md5sum)" "$before" "the project is as it was"
	ok "no shard file is left" test ! -e "$T/out/s.db"
fi

done_testing
