#!/bin/sh
# cli-review-lease.sh - leases between review sessions that stay open,
# each headless and fed its keys through a fifo: a session holds the
# lease of its query only while something there is left for it to decide
# (an adjudicator who settled the query's conflicts, an annotator at the
# end of the queue, lets the others decide the rest, and takes it again
# when it decides or undoes there); a refused undo names the query by its
# id; a read-only banner goes when the holder's process dies, though it
# wrote nothing.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
command -v mkfifo >/dev/null || skip_all "no mkfifo"

# open NAME FD ANNOTATOR [ARGS]: a review of $P as ANNOTATOR, its keys
# from the fifo $T/NAME.in written on fd FD (3-8), its screens in
# $T/NAME.dump; its pid in $pid_NAME
open() {
	_name=$1 _fd=$2 _who=$3; shift 3
	rm -f "$T/$_name.in" "$T/$_name.dump"
	mkfifo "$T/$_name.in"
	NEGSIEVE_REVIEW_SIZE=100x30 NEGSIEVE_REVIEW_SCRIPT="$T/$_name.in" \
		NEGSIEVE_REVIEW_DUMP="$T/$_name.dump" "$NEGSIEVE" review \
		--annotator "$_who" "$@" "$P" >"$T/$_name.out" 2>&1 &
	eval "pid_$_name=\$!"
	eval "exec $_fd>\"\$T/\$_name.in\""
	eval "fd_$_name=$_fd"
}
# keys NAME KEY...: send the KEYs, then a dump; wait (up to ~30 s: a
# loaded machine starts a review slowly) until that screen is written and
# put it in $s, blanks squeezed
keys() {
	_name=$1; shift
	eval "_fd=\$fd_$_name"
	_c=$(grep -c '^=== screen' "$T/$_name.dump" 2>/dev/null)
	_want=$((${_c:-0} + 1))
	for _k in "$@" dump; do
		eval "printf '%s\n' \"\$_k\" >&$_fd"
	done
	_i=0
	while [ $_i -lt 300 ] && [ "$(grep -c '^=== screen' "$T/$_name.dump" 2>/dev/null)" != "$_want" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	s=$(awk -v n="$_want" '/^=== screen /{k++; next} k==n' "$T/$_name.dump" | tr '\n' ' ' | tr -s ' ')
}
# close NAME: end its script (the review quits) and wait for it
close() {
	eval "_fd=\$fd_$1; _pid=\$pid_$1"
	eval "exec $_fd>&-"
	wait "$_pid"
}

# 1. overlap 2 on every item: alice and bob disagree on p2 of q1, carol
# settles it in the conflicts queue and stays there
printf 'review:\n  overlap: 2\n  overlap_share: 1.0\n  adjudicators: carol\n  allow_annotator_override: true\n' >"$T/ov.yaml"
P=$T/p
mkproj "$P" "$T/ov.yaml"
open a 3 alice
keys a x
close a
open b 3 bob
keys b f
close b
is "$(db "$P" "SELECT count(*) FROM item_conflict")" 1 "a conflict on p2 of q1"
open c 3 carol --queue conflicts
keys c
is_in "$s" "Q q1:" "carol's conflicts queue: q1"
keys c f
is_in "$s" "FN: p2. Query q1 done; nothing left to review in the queue" "carol settles it: her queue is finished"
is "$(db "$P" "SELECT count(*) FROM review_lease WHERE query_id = 1")" 0 "... and she holds q1 no longer"
open d 4 dave
keys d
is_in "$s" "Q q1: what is the tmux" "dave is given q1, whose other candidates nobody decided"
case "$s" in *"read only"*) ro=yes ;; *) ro=no ;; esac
is "$ro" no "... not read only"
keys d x
is_in "$s" "TN: p3." "dave decides there"
is "$(db "$P" "SELECT a.name FROM review_lease l JOIN annotator a ON a.id = l.annotator_id WHERE l.query_id = 1")" dave "dave holds q1"
keys c idle
is_in "$s" "Q q1 [dave is reviewing it: read only]:" "carol's screen says dave has it now"
keys c u
is_in "$s" "Your last decision is in query q1, now reviewed by dave: nothing undone." "carol's undo is refused while dave holds q1, naming it by its id"
is "$(db "$P" "SELECT count(*) FROM decision WHERE action = 'undo'")" 0 "... nothing undone"
close d
keys c idle
case "$s" in *"read only"*) ro=yes ;; *) ro=no ;; esac
is "$ro" no "dave has gone: carol's banner goes"
is_in "$s" "dave has left query q1" "... and the status line says so"
keys c u
is_in "$s" "Undid: FN of p2." "carol's undo now"
is "$(db "$P" "SELECT a.name FROM review_lease l JOIN annotator a ON a.id = l.annotator_id WHERE l.query_id = 1")" carol "... takes q1 again: its conflict is hers to settle"
open d 4 dave
keys d ":" "text:q1" Enter
is_in "$s" "Q q1 [carol is reviewing it: read only]:" "dave, meanwhile, reads q1 only"
keys d x
is_in "$s" "Query q1 is being reviewed by carol; decisions are off here" "... and may not decide there"
close d
keys c f
is_in "$s" "FN: p2. Query q1 done; nothing left" "carol settles it again"
is "$(db "$P" "SELECT count(*) FROM review_lease WHERE query_id = 1")" 0 "... and lets q1 go again"
close c

# 2. the all queue: alice at the end of it keeps no lease; a decision of
# hers there takes it again, and only while something is left
printf 'review:\n  allow_annotator_override: true\n' >"$T/team.yaml"
P=$T/q
mkproj "$P" "$T/team.yaml"
open a 3 alice
keys a X X X X
is_in "$s" "nothing left to review in the queue" "alice decided the whole queue"
is "$(db "$P" "SELECT count(*) FROM review_lease")" 0 "... and holds no lease"
keys a u
is_in "$s" "Undid: TN of 2 items." "an undo there"
is "$(db "$P" "SELECT count(*) FROM review_lease l JOIN annotator a ON a.id = l.annotator_id WHERE a.name = 'alice'")" 1 "... takes the lease of that query: something is left in it"
close a
is "$(db "$P" "SELECT count(*) FROM review_lease")" 0 "quit: no lease left"

# 3. a banner of a holder that died (kill -9: it writes nothing) goes on
# the next refresh, and a decision then is taken
P=$T/r
mkproj "$P" "$T/team.yaml"
open a 3 alice
keys a
is_in "$s" "Q q1:" "alice on q1"
open b 4 bob
keys b
is_in "$s" "Q q2:" "bob on q2"
keys b "<"
is_in "$s" "Q q1 [alice is reviewing it: read only]:" "bob on q1: read only"
kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null
exec 3>&-
keys b idle
case "$s" in *"read only"*) ro=yes ;; *) ro=no ;; esac
is "$ro" no "alice's review was killed: bob's banner goes on the next refresh"
is_in "$s" "alice has left query q1" "... and the status line says so"
keys b x
is_in "$s" "TN: p2." "bob decides on q1"
close b
is "$(db "$P" "SELECT a.name || ':' || d.action || ':' || d.passage_id FROM decision d JOIN annotator a ON a.id = d.annotator_id")" "bob:tn:2" "bob's decision is in the log"

# 4. the same, with a decision before any refresh: taken, and the banner
# goes with it
open a 3 alice
keys a ":" "text:q2" Enter
is_in "$s" "Q q2:" "alice on q2"
open b 4 bob
keys b ":" "text:q2" Enter
is_in "$s" "Q q2 [alice is reviewing it: read only]:" "bob on q2: read only"
kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null
exec 3>&-
keys b x
is_in "$s" "TN: p6." "alice's review was killed: bob's decision is taken at once"
case "$s" in *"read only"*) ro=yes ;; *) ro=no ;; esac
is "$ro" no "... and the banner goes with it"
close b
done_testing
