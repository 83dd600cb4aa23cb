#!/bin/sh
# tui-wait.sh - the review waits for another negsieve's write lock (a run
# being published can hold it for minutes on a big project) instead of
# failing "busy" after the timeout: the status line counts the seconds,
# the decision is saved when the lock comes free, Esc gives it up (not
# saved, and said), other keys typed meanwhile decide nothing (they would
# fall on items never shown); opening waits too, and so does a scripted
# review.
# Other commands give up after NEGSIEVE_BUSY_TIMEOUT seconds (exit 5).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
. "$top_srcdir/tests/tmux-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
command -v python3 >/dev/null || skip_all "no python3"
P=$T/p
mkproj "$P"
trap 'touch "$T/release"; tm kill-server 2>/dev/null; wait; rm -rf "$T"' EXIT
# every wait is given up after 1 s, unless the review decides otherwise
export NEGSIEVE_BUSY_TIMEOUT=1

# hold: another writer takes the project's write lock until release
hold() {
	rm -f "$T/held" "$T/release"
	python3 "$top_srcdir/tests/hold-lock.py" "$P/negsieve.db" "$T/held" \
		"$T/release" &
	_i=0
	while [ ! -f "$T/held" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
release() {
	touch "$T/release"
	wait
}
decisions() { db "$P" "SELECT group_concat(action || ':' || passage_id, ' ') FROM decision"; }

tm new-session -d -s t -x 100 -y 24 \
	"exec env TERM=screen '$NEGSIEVE' review '$P'"
ok "first frame" wait_for "Q q1: what is the tmux"
hold
tm send-keys -t t: f
ok "a decision waiting for the lock says so" wait_for "to save: another negsieve is writing"
sleep 2
pane=$(tm capture-pane -p -t t:)
is_in "$pane" "Esc gives up" "... and how to give up"
ok "past NEGSIEVE_BUSY_TIMEOUT: no busy error on the screen" \
	sh -c '! printf "%s" "$1" | grep -q "busy"' - "$pane"
is "$(decisions)" "" "nothing saved while the lock is held"
tm send-keys -t t: x x
sleep 0.5
release
ok "saved once the lock is free" wait_for "FN: p2."
sleep 1
is "$(decisions)" "fn:2" "the decision is in the log, not the keys typed while it waited"

hold
tm send-keys -t t: j x
ok "the next decision waits" wait_for "to save: another negsieve is writing"
# keys typed at the frozen screen decide nothing
tm send-keys -t t: x x x
sleep 0.5
tm send-keys -t t: Escape
ok "Esc gives it up, and says it was not saved" \
	wait_for "not saved: you gave up waiting"
release
is "$(decisions)" "fn:2" "the decision given up is not in the log"
tm send-keys -t t: x
ok "the next decision is saved at once" wait_for "TN: p"
is "$(db "$P" "SELECT count(*) FROM decision WHERE action = 'tn'")" 1 "... and in the log"
tm send-keys -t t: q
sleep 0.5
new_server

# opening the review while the lock is held
hold
tm new-session -d -s t -x 100 -y 24 \
	"exec env TERM=screen '$NEGSIEVE' review '$P'"
ok "opening waits, and says so" wait_for "negsieve review: waiting"
before=$(decisions)
tm send-keys -t t: x x x
sleep 0.5
release
ok "... then the first frame" wait_for "Q q1: what is the tmux"
sleep 1
is "$(decisions)" "$before" "keys typed while it opened decide nothing"
new_server

# at 60 columns the waiting line still says how to give up
tm new-session -d -s t -x 60 -y 15 \
	"exec env TERM=screen '$NEGSIEVE' review '$P'"
ok "first frame at 60x15" wait_for "x TN"
hold
tm send-keys -t t: x
ok "a narrow waiting line, whole" wait_for "Esc gives up; keys ignored."
tm send-keys -t t: Escape
release
new_server

# a scripted review waits the same (its annotator is recorded at opening)
hold
printf 'j\nj\nd\nq\n' >"$T/keys"
NEGSIEVE_REVIEW_SCRIPT="$T/keys" NEGSIEVE_REVIEW_DUMP="$T/dump" \
	"$NEGSIEVE" review "$P" >"$T/out" 2>"$T/err" &
rpid=$!
sleep 2
touch "$T/release"
wait "$rpid"
is "$?" 0 "a scripted review held up past the timeout finishes"
wait
is "$(db "$P" "SELECT count(*) FROM decision WHERE action = 'drop_passage'")" 1 \
   "... with its decision saved"

# other commands give up after NEGSIEVE_BUSY_TIMEOUT, and say why
hold
run "$NEGSIEVE" import "$P" "$top_srcdir/sample/debian-descriptions"
release
is "$rc" 5 "a command held up past NEGSIEVE_BUSY_TIMEOUT exits 5"
is_in "$err" "the project is busy (another negsieve holds a write lock)" \
   "... saying the project is busy"
NEGSIEVE_BUSY_TIMEOUT=soon run "$NEGSIEVE" stats "$P"
is "$rc" 2 "a NEGSIEVE_BUSY_TIMEOUT that is no number: usage error"
is_in "$err" "NEGSIEVE_BUSY_TIMEOUT=soon: expected the seconds" "... saying what it expects"
NEGSIEVE_BUSY_TIMEOUT=0 run "$NEGSIEVE" stats "$P"
is "$rc" 2 "NEGSIEVE_BUSY_TIMEOUT=0: usage error"
is "$(db "$P" "PRAGMA integrity_check")" ok "integrity"
done_testing
