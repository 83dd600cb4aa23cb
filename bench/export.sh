#!/bin/sh
# bench/export.sh - export speed and memory.
#
#   bench/export.sh [QUERIES] [NEGATIVES]     (default 100000 10)
#
# Generates a BGE JSONL file once into bench/data/: QUERIES queries, each
# with one positive and NEGATIVES scored negatives drawn from a corpus of
# 2 x QUERIES passages (~40 words each), and imports it (--no-fts).  Then
# adds what review and the cascade leave behind: a person's label on 1% of
# the candidates (fn, tn, drop_passage in turn; every 10th query dropped
# by a person) and a verdict of a cascade fit on every candidate (tn, fn,
# review).  Times, three rounds each, alternating:
#   - negsieve export --format bge (relabel), and --format triplet as TSV,
#     whole process, with peak RSS;
#   - the yardstick: the sqlite3 shell writing the same candidate rows
#     (query text, passage text, score; the kept candidates in query
#     order, with the positives) as tab-separated text.
# Then the same export of a project half the size, for peak RSS.
# NEGSIEVE=path picks the binary.
set -eu
cd "$(dirname "$0")/.."
nq=${1:-100000}
nn=${2:-10}
ns=${NEGSIEVE:-./negsieve}
dir=bench/data
mkdir -p "$dir"

# gen N: the BGE file of N queries
gen() {
	f=$dir/export-$1-$nn.jsonl
	[ -s "$f" ] && return 0
	awk -v n="$1" -v k="$nn" 'BEGIN {
		split("the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out other some what into about than up them could only time new these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three", w, " ")
		nw = length(w); x = 12345; np = 2 * n
		for (i = 1; i <= n; i++) {
			q = ""
			for (j = 0; j < 8; j++) {
				x = (x * 1103515245 + 12345) % 2147483648
				q = q (j ? " " : "") w[1 + int(x / 65536) % nw]
			}
			printf "{\"query\": \"%s %d\", \"pos\": [\"%s\"], \"neg\": [", q, i, psg(i)
			s = ""
			for (j = 0; j < k; j++) {
				x = (x * 1103515245 + 12345) % 2147483648
				printf "%s\"%s\"", (j ? ", " : ""), psg(n + 1 + (i * 7919 + j * 104729 + int(x / 65536)) % np)
				s = s sprintf("%s%.4f", (j ? ", " : ""), 0.9 - j * 0.05)
			}
			printf "], \"pos_scores\": [0.95], \"neg_scores\": [%s]}\n", s
		}
	}
	function psg(id,   t, j, y) {
		t = ""; y = id * 7919
		for (j = 0; j < 40; j++) {
			y = (y * 1103515245 + 12345) % 2147483648
			t = t (j ? " " : "") w[1 + int(y / 65536) % nw]
		}
		return t " " id
	}' >"$f"
}

# proj N: the project of N queries, with labels and verdicts
proj() {
	p=$dir/export-proj-$1-$nn
	[ -s "$p/negsieve.db" ] && return 0
	rm -rf "$p"
	$ns init "$p" >/dev/null
	$ns import --no-fts "$p" "$dir/export-$1-$nn.jsonl" >/dev/null
	sqlite3 "$p/negsieve.db" <<'E'
BEGIN;
INSERT INTO annotator(id, name, created_at) VALUES (1, 'bench', 'now');
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
  SELECT query_id, passage_id, 1,
    CASE id % 3 WHEN 0 THEN 'fn' WHEN 1 THEN 'tn' ELSE 'drop_passage' END,
    'now'
  FROM candidate WHERE id % 100 = 7;
INSERT INTO decision(query_id, passage_id, annotator_id, action, at)
  SELECT id, NULL, 1, 'drop_query', 'now' FROM query WHERE id % 10 = 3;
INSERT INTO cascade_fit(id, created_at, origin, stages, thresholds)
  VALUES (1, 'now', 'bench', '[]', '{}');
INSERT INTO item_auto(query_id, passage_id, verdict, stage, score, pfn,
  fit_id)
  SELECT query_id, passage_id,
    CASE WHEN id % 50 = 1 THEN 'fn' WHEN id % 5 = 2 THEN 'review'
      ELSE 'tn' END, 'bench', score, 0.1, 1
  FROM candidate;
COMMIT;
E
}

now() { date +%s.%N; }
# timed NAME CMD...: wall seconds, CPU seconds (user + sys) and peak RSS
# (MB) appended to $dir/times
timed() {
	name=$1
	shift
	t0=$(now)
	/usr/bin/time -v "$@" 2>"$dir/time.err" >/dev/null
	awk -v a="$t0" -v b="$(now)" -v n="$name" -F': ' '
		/User time|System time/ { c += $2 }
		/Maximum resident/ { r = $2 }
		END { printf "%s %.3f %.3f %d\n", n, b - a, c, r / 1024 }' \
		"$dir/time.err" >>"$dir/times"
}

gen "$nq"
proj "$nq"
small=$((nq / 2))
gen "$small"
proj "$small"
p=$dir/export-proj-$nq-$nn
db=$p/negsieve.db
echo "project: $(sqlite3 "$db" "SELECT count(*) FROM query") queries, \
$(sqlite3 "$db" "SELECT count(*) FROM passage") passages, \
$(sqlite3 "$db" "SELECT count(*) FROM candidate") candidates, \
$(sqlite3 "$db" "SELECT count(*) FROM decision") decisions, \
$(sqlite3 "$db" "SELECT count(*) FROM item_auto") verdicts; \
$(du -m "$db" | cut -f1) MB"
yard="SELECT q.text, p.text, c.score FROM candidate c
  JOIN query q ON q.id = c.query_id JOIN passage p ON p.id = c.passage_id
  WHERE c.filter IS NULL
  UNION ALL SELECT q.text, p.text, r.score FROM qrel r
  JOIN query q ON q.id = r.query_id JOIN passage p ON p.id = r.passage_id
  WHERE r.grade > 0 ORDER BY 1"
: >"$dir/times"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for round in 1 2 3; do
	timed negsieve-bge $ns export -f bge -o "$dir/out.jsonl" "$p"
	timed sqlite3-dump sh -c "sqlite3 -tabs '$db' \"$yard\" >'$dir/out.yard'"
	timed negsieve-triplet-tsv $ns export -f triplet -o "$dir/out.tsv" "$p"
done
echo "output: bge $(wc -c <"$dir/out.jsonl") bytes, $(wc -l <"$dir/out.jsonl") records;" \
	"triplet TSV $(wc -c <"$dir/out.tsv") bytes; sqlite3 dump $(wc -c <"$dir/out.yard") bytes"
timed negsieve-bge-small $ns export -f bge -o "$dir/out-small.jsonl" \
	"$dir/export-proj-$small-$nn"
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '{ n[$1]++; if (!($1 in best) || $2 < best[$1]) best[$1] = $2
	if (!($1 in cpu) || $3 < cpu[$1]) cpu[$1] = $3
	s[$1] = s[$1] sprintf(" %.2f", $2); rss[$1] = $4 }
	END {
		for (k in n)
			printf "%-22s wall best %6.2f s (rounds:%s), cpu best %5.2f s, peak RSS %d MB\n",
				k, best[k], s[k], cpu[k], rss[k]
		if (best["sqlite3-dump"] > 0)
			printf "ratio to the sqlite3 dump, wall (cpu): bge %.2f (%.2f), triplet TSV %.2f (%.2f)\n",
				best["negsieve-bge"] / best["sqlite3-dump"],
				cpu["negsieve-bge"] / cpu["sqlite3-dump"],
				best["negsieve-triplet-tsv"] / best["sqlite3-dump"],
				cpu["negsieve-triplet-tsv"] / cpu["sqlite3-dump"]
	}' "$dir/times" | sort
rm -f "$dir/out.jsonl" "$dir/out.tsv" "$dir/out.yard" "$dir/out-small.jsonl"
