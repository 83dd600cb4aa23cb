#!/bin/sh
# bench/import.sh - import rate of a generated BEIR corpus.jsonl.
#
#   bench/import.sh [PASSAGES]      (default 1000000)
#
# Generates PASSAGES deterministic passages (~40 words each) once into
# bench/data/, then imports them into fresh projects twice: with --no-fts
# (the rate the spec asks for) and with FTS (indexing timed separately by
# negsieve itself).  Prints passages/s (reading and storing, before the
# commit), the wall time of the whole command, FTS seconds and peak RSS.
# Then, as a yardstick, the sqlite3 shell loads the same rows into the same
# schema (its JSON functions, one transaction, a stand-in hash) and its
# wall time is printed with the ratio.  NEGSIEVE=path picks the binary.
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
ns=${NEGSIEVE:-./negsieve}
dir=bench/data
corpus=$dir/corpus-$n.jsonl
mkdir -p "$dir"
if [ ! -s "$corpus" ]; then
	awk -v n="$n" 'BEGIN {
		split("the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out other some what into about than up them could only time new these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three", w, " ")
		nw = length(w); x = 12345
		for (i = 1; i <= n; i++) {
			t = ""
			for (j = 0; j < 40; j++) {
				x = (x * 1103515245 + 12345) % 2147483648
				t = t (j ? " " : "") w[1 + int(x / 65536) % nw]
			}
			printf "{\"_id\": \"doc%d\", \"title\": \"Title %d\", \"text\": \"%s %d\"}\n", i, i % 1000, t, i
		}
	}' >"$corpus"
fi
bytes=$(wc -c <"$corpus")
echo "corpus: $n passages, $bytes bytes"
now() { date +%s.%N; }
time_v=""
if [ -x /usr/bin/time ]; then time_v="/usr/bin/time -v"; fi
wall_nofts=""
for mode in no-fts fts; do
	proj=$dir/proj-$mode
	rm -rf "$proj"
	$ns init "$proj" >/dev/null
	flag=""
	[ "$mode" = no-fts ] && flag="--no-fts"
	t0=$(now)
	# shellcheck disable=SC2086
	$time_v $ns import $flag "$proj" "$corpus" >"$dir/out-$mode" 2>"$dir/err-$mode"
	wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
	[ "$mode" = no-fts ] && wall_nofts=$wall
	echo "$mode: $(tail -n 1 "$dir/out-$mode")"
	printf '  wall %.2f s (with commit)\n' "$wall"
	awk -F': ' '/User time|System time/ { c += $2 }
		/Maximum resident/ { r = $2 }
		END { if (r) printf "  cpu %.2f s (user + sys, all threads), peak RSS %d MB\n", c, r / 1024 }' \
		"$dir/err-$mode"
	rm -rf "$proj"
done
if command -v sqlite3 >/dev/null; then
	proj=$dir/proj-sqlite3
	rm -rf "$proj"
	$ns init "$proj" >/dev/null
	t0=$(now)
	sqlite3 "$proj/negsieve.db" <<-EOF >/dev/null
	PRAGMA cache_size = -262144;
	PRAGMA foreign_keys = OFF;
	CREATE TEMP TABLE raw(line TEXT);
	.mode ascii
	.separator "\037" "\n"
	.import $corpus raw
	BEGIN;
	INSERT INTO source(id, path, format, created_at) VALUES (1, 'x', 'beir', '');
	INSERT INTO passage(id, hash, title, text, source_id)
	  SELECT rowid, rowid * 2654435761 % 4294967291, line->>'title',
	         line->>'text', 1 FROM temp.raw;
	INSERT INTO passage_xid(xid, passage_id)
	  SELECT line->>'_id', rowid FROM temp.raw;
	COMMIT;
	EOF
	wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
	awk -v w="$wall" -v n="$n" -v x="$wall_nofts" 'BEGIN {
		printf "sqlite3 shell, same rows: wall %.2f s (%.0f passages/s);" \
		       " negsieve --no-fts wall / sqlite3 wall = %.2f\n", w, n / w, x / w }'
	rm -rf "$proj"
fi
