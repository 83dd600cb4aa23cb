#!/bin/sh
# bench/judge.sh - the LLM judge's call rate against a stand-in chat
# endpoint that answers every request after DELAY seconds
# (bench/chat-standin on 127.0.0.1), with C requests in flight.
# The goal: >= 80% of C / DELAY calls per second.  Yardsticks, measured
# in the same run: the theoretical C / DELAY, and the stand-in's own
# capacity as driven by curl's parallel mode (C transfers at once, the
# same number of POSTs of a body of the same size).  Rounds alternate
# curl and the judge, since the shared machine's speed drifts.
#
#   bench/judge.sh [CALLS] [C] [DELAY] [ROUNDS] [BATCH]
#   (defaults 2000 16 0.05 3 0; BATCH: candidates per scorer_run() call,
#   0 = all in one; run from the build directory)
set -eu
N=${1:-2000}
C=${2:-16}
D=${3:-0.05}
R=${4:-3}
B=${5:-0}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
command -v curl >/dev/null || { echo "judge.sh: needs curl" >&2; exit 1; }
make -s bench/judge-bench bench/chat-standin >/dev/null
T=$(mktemp -d "${TMPDIR:-/tmp}/ns-bench-XXXXXX")
./bench/chat-standin "$T/port" "$D" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -f "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat "$T/port")
# a request body the size of the judge's (~2.6 KB of prompt)
"$PY" - "$T/body" <<'PY'
import json, sys
p = "x" * 2600
json.dump({"model": "bench", "messages": [{"role": "user", "content": p}],
           "temperature": 0.0, "max_tokens": 256}, open(sys.argv[1], "w"))
PY
i=0
while [ $i -lt "$N" ]; do echo "url = \"$URL/v1/chat/completions\""; i=$((i + 1)); done >"$T/urls"
now() { date +%s.%N; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "stand-in: answers after $D s; $N calls per measurement (batches of $B; 0: one call), $C in flight; theoretical $C / $D = $(echo "$C $D" | awk '{printf "%.0f", $1 / $2}') calls/s"
printf '%-6s %14s %14s %12s %12s %14s\n' round "curl calls/s" "judge calls/s" "vs C/DELAY" "vs curl" "judge CPU/call"
r=1
while [ $r -le "$R" ]; do
	t0=$(now)
	curl -s --no-progress-meter --parallel --parallel-immediate \
	     --parallel-max "$C" -H 'Content-Type: application/json' \
	     --data-binary @"$T/body" -K "$T/urls" >/dev/null
	t1=$(now)
	out=$(./bench/judge-bench "$URL" "$N" "$C" "$B")
	echo "$out" | grep -q ' failed 0 ' || { echo "judge-bench: $out" >&2; exit 1; }
	echo "$r $N $C $D $t0 $t1 $out" | awk '{
		curl = $2 / ($6 - $5); judge = $14; theo = $3 / $4;
		printf "%-6s %14.1f %14.1f %11.0f%% %11.0f%% %11.0f us\n",
		       $1, curl, judge, 100 * judge / theo, 100 * judge / curl,
		       1e6 * $16 / $2 }'
	r=$((r + 1))
done
