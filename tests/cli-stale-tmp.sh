#!/bin/sh
# cli-stale-tmp.sh - a mine --shard or an export killed with SIGKILL
# leaves OUTPUT.tmp-PID behind; the next command writing the same OUTPUT
# removes it (and says so), but never the file of a live process nor a
# name that only looks like one.
. "${top_srcdir:-.}/tests/lib.sh"
S=${top_srcdir:-.}/sample/debian-descriptions
P=$T/p
"$NEGSIEVE" init "$P" >/dev/null &&
	"$NEGSIEVE" import "$P" "$S" >/dev/null &&
	"$NEGSIEVE" embed "$P" >/dev/null &&
	"$NEGSIEVE" mine --num-negatives 4 "$P" >/dev/null 2>&1 ||
	skip_all "cannot build the sample project"

# pids no process has: of processes that ended
deadpid() {
	sh -c 'exit 0' &
	_d=$!
	wait "$_d"
	echo "$_d"
}
dead=$(deadpid)
dead2=$(deadpid)
dead3=$(deadpid)
# a live process that is not negsieve
sleep 300 &
live=$!
trap 'kill $live 2>/dev/null; rm -rf "$T"' EXIT

# start "$@" in the background, wait for its OUTPUT.tmp-PID and kill -9
# it there: 0 when it was killed with the file present
killed_at_tmp() {
	_out=$1; shift
	"$@" >/dev/null 2>&1 &
	_pid=$!
	_i=0
	while [ ! -e "$_out.tmp-$_pid" ] && kill -0 "$_pid" 2>/dev/null &&
	      [ $_i -lt 2000 ]; do
		sleep 0.005
		_i=$((_i + 1))
	done
	kill -9 "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	KILLED=$_pid
	[ -e "$_out.tmp-$_pid" ]
}

# --- a shard killed with kill -9, then mined again ---
K=$T/k1.db
if killed_at_tmp "$K" "$NEGSIEVE" mine --shard 1/3 --num-negatives 4 --output "$K" "$P"; then
	ok "kill -9 leaves $K.tmp-PID" test -f "$K.tmp-$KILLED"
	run "$NEGSIEVE" mine --shard 1/3 --num-negatives 4 --output "$K" "$P"
	is "$rc" 0 "the same shard mined again"
	is_in "$err" "negsieve: removed $K.tmp-$KILLED (" "... says what it removed"
	is_in "$err" "left by process $KILLED, which is no longer running" "... and why"
	ok "... the stale file is gone" test ! -e "$K.tmp-$KILLED"
	ok "... the shard is written" test -f "$K"
else
	skip "kill -9 of a shard at its temporary file" "it ended first"
fi

# --- what is removed and what is not ---
for f in "$K.tmp-$dead" "$K.tmp-$live" "$K.tmp-${dead}x" "$K.tmp-" \
	 "$K.tmp-x$dead" "$K.tmpx-$dead" "${K}x.tmp-$dead" "$T/k2.db.tmp-$dead" \
	 "$K.tmp-$dead.gz" "$K.tmp-0$dead"; do
	echo junk >"$f"
done
mkdir "$K.tmp-$dead2"
ln -s "$T/k2.db.tmp-$dead" "$K.tmp-$dead3" 2>/dev/null
run "$NEGSIEVE" mine --shard 1/3 --num-negatives 4 --output "$K" "$P"
is "$rc" 0 "shard mined beside look-alike files"
is "$err" "negsieve: removed $K.tmp-$dead (5 bytes), left by process $dead, which is no longer running" \
   "only the dead process's file is removed, and said"
ok "... it is gone" test ! -e "$K.tmp-$dead"
ok "a live process's file stays" test -f "$K.tmp-$live"
for f in "$K.tmp-${dead}x" "$K.tmp-" "$K.tmp-x$dead" "$K.tmpx-$dead" "${K}x.tmp-$dead" \
	 "$T/k2.db.tmp-$dead" "$K.tmp-$dead.gz" "$K.tmp-0$dead"; do
	ok "look-alike ${f#"$T/"} stays" test -f "$f"
done
ok "a directory of that name stays" test -d "$K.tmp-$dead2"
ok "a symbolic link of that name stays" test -L "$K.tmp-$dead3"

# --- export: the temporary file carries the pid, and is swept alike ---
E=$T/e.jsonl.gz
if killed_at_tmp "$E" "$NEGSIEVE" export -o "$E" "$P"; then
	ok "kill -9 of export leaves $E.tmp-PID" test -f "$E.tmp-$KILLED"
	run "$NEGSIEVE" export -o "$E" "$P"
	is "$rc" 0 "the same export again"
	is_in "$err" "negsieve: removed $E.tmp-$KILLED (" "... says what it removed"
	ok "... the stale file is gone" test ! -e "$E.tmp-$KILLED"
else
	skip "kill -9 of an export at its temporary file" "it ended first"
fi
echo junk >"$E.tmp-$dead"
echo junk >"$E.tmp-$live"
run "$NEGSIEVE" export -o "$E" "$P"
is "$rc" 0 "export beside a stale and a live file"
is_in "$err" "negsieve: removed $E.tmp-$dead (5 bytes), left by process $dead, which is no longer running" \
   "... the stale one removed"
ok "... the live one stays" test -f "$E.tmp-$live"
ok "... the export is written" test -s "$E"
is "$(ls "$T" | grep -c '^e\.jsonl\.gz\.tmp-')" 1 "... and leaves no file of its own"

done_testing
