#!/bin/sh
# bench/import.sh - import rate of a generated BEIR corpus.jsonl.
#
#   bench/import.sh [PASSAGES]      (default 1000000)
#
# Generates PASSAGES deterministic passages (~40 words each) once into
# bench/data/, then imports them into fresh projects twice: with --no-fts
# (the rate the spec asks for) and with FTS (indexing timed separately by
# negsieve itself).  Prints passages/s, FTS seconds and peak RSS.
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
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
time_v=""
if [ -x /usr/bin/time ]; then time_v="/usr/bin/time -v"; fi
for mode in no-fts fts; do
	proj=$dir/proj-$mode
	rm -rf "$proj"
	./negsieve init "$proj" >/dev/null
	flag=""
	[ "$mode" = no-fts ] && flag="--no-fts"
	# shellcheck disable=SC2086
	$time_v ./negsieve import $flag "$proj" "$corpus" >"$dir/out-$mode" 2>"$dir/err-$mode"
	echo "$mode: $(tail -n 1 "$dir/out-$mode")"
	grep -h "Maximum resident" "$dir/err-$mode" | sed 's/^[[:space:]]*/  /' || true
	rm -rf "$proj"
done
