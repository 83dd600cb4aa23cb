#!/bin/sh
# cli-embed-kill.sh - an interrupted embed leaves nothing behind: SIGINT
# and SIGTERM remove its spool at once; after kill -9 the next embed
# removes the stale spool and vector files no vecset names, but never the
# spool of an embed still running.  The embed waits on a fake endpoint
# (mode "hang") with its passage spool open, so every kill lands in the
# same place.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null || skip_all "no python3"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"

python3 "$top_srcdir/tests/fake-embed-server.py" "$T/port" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -f "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -f "$T/port" ] || skip_all "fake server did not start"
URL=http://127.0.0.1:$(cat "$T/port")
ctl() {
	python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$URL/$1"
}

P=$T/p
"$NEGSIEVE" init "$P" >/dev/null
{
	echo "INSERT INTO source(path, format, created_at) VALUES ('t', 't', 'now');"
	for n in $(seq 1 20); do
		echo "INSERT INTO passage(id, text, source_id) VALUES ($n, 'passage $n', 1);"
		echo "INSERT INTO passage_xid VALUES ('p$n', $n);"
	done
	echo "INSERT INTO query(xid, text, source_id) VALUES ('q1', 'query 1?', 1);"
} | sqlite3 "$P/negsieve.db"
sets() { sqlite3 "$P/negsieve.db" "SELECT count(*) FROM vecset"; }
spools() { ls -A "$P/vectors" 2>/dev/null | grep -c '^\.spool-'; }

# start_embed: embed in the background (SIGINT at its default action, as
# in a terminal) until its passage spool exists; sets $pid.  A new model
# name each time: nothing comes from the cache.
nstart=0
start_embed() {
	ctl set?mode=hang >/dev/null
	nstart=$((nstart + 1))
	env --default-signal=INT "$NEGSIEVE" embed --endpoint "$URL" \
		--model "m$nstart" --batch 8 "$P" >"$T/bg.out" 2>&1 &
	pid=$!
	_i=0
	while [ "$(spools)" = 0 ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

for sig in INT:2 TERM:15; do
	num=${sig#*:}
	sig=${sig%:*}
	start_embed
	is "$(spools)" 1 "SIG$sig: a spool while embed waits on the endpoint"
	kill -$sig $pid
	wait $pid
	st=$?
	is "$st" "$((128 + num))" "SIG$sig: embed ends as killed by the signal"
	is "$(spools)" 0 "SIG$sig: spool removed on the signal"
	is "$(sets)" 0 "SIG$sig: no vecset recorded"
done

# kill -9 cannot be caught: the spool stays until the next embed
start_embed
kill -9 $pid
wait $pid 2>/dev/null
is "$(spools)" 1 "kill -9 leaves the spool"
# a vector file no vecset names, as a kill between writing and committing
# leaves it
printf 'xxxx' >"$P/vectors/passage-7.f32"
ctl set?mode=ok >/dev/null
run "$NEGSIEVE" embed --endpoint "$URL" --model m --batch 8 "$P"
is "$rc" 0 "the next embed runs"
is_in "$out" "removed 2 stale temporary files (0.0 MB) left in $P/vectors by an interrupted embed" \
	"it reports what it removed"
is "$(spools)" 0 "stale spool removed"
ok "unnamed vector file removed" test ! -e "$P/vectors/passage-7.f32"
is "$(sets)" 2 "both vecsets recorded"
is "$(ls "$P/vectors" | sort | tr '\n' ' ')" \
	"passage-1.f32 passage-1.ids query-2.f32 query-2.ids " \
	"the recorded files stay"

# the spool of an embed still running is not stale
start_embed
is "$(spools)" 1 "a running embed holds its spool"
printf '0.5 0.5 0.5 0.5\n' >"$T/v.txt"
python3 -c 'import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<i4f", 4, 1, 2, 3, 4))' "$T/q.fvecs"
echo q1 >"$T/q.ids"
run "$NEGSIEVE" embed --queries "$T/q.fvecs" --query-ids "$T/q.ids" "$P"
is "$rc" 0 "a second embed runs meanwhile"
is "$(spools)" 1 "it leaves the running embed's spool alone"
kill -TERM $pid
wait $pid
is "$(spools)" 0 "the first embed, stopped, removes its spool"
is "$(sets)" 3 "only the finished embed recorded a set"
is "$(sqlite3 "$P/negsieve.db" "PRAGMA integrity_check")" ok "integrity"
done_testing
