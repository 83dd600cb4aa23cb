#!/bin/sh
# tui-tmux.sh - the review TUI on a real terminal (tmux): first frame,
# a decision survives kill -9, resize to too small and back, TERM=dumb.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v tmux >/dev/null || skip_all "no tmux"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
P=$T/p
mkproj "$P"
sock="ns-review-test-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# wait_for TEXT: poll the pane (up to ~10 s) until it shows TEXT
wait_for() {
	_i=0
	while [ $_i -lt 100 ]; do
		pane=$(tm capture-pane -p -t t 2>/dev/null)
		case "$pane" in *"$1"*) return 0 ;; esac
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$P'"
ok "first frame on an 80x24 terminal" wait_for "Q q1: what is the tmux"
ok "key hints on the last line" wait_for "f FN  x TN"
ok "queue counted once idle" wait_for "queue 0/8 done (0.0%), 4 queries"
colored=$(tm capture-pane -e -p -t t | cat -v)
is_in "$colored" "^[[43mterminal^[[39m^[[49m." "query terms highlighted in colour in the detail pane"
is_in "$colored" "^[[44m p | run 1 import" "header in colour"
tm send-keys -t t f
ok "decision shown" wait_for "FN: p2."
pid=$(tm display-message -p -t t '#{pane_pid}')
kill -9 "$pid"
sleep 0.2
is "$(db "$P" "SELECT action || ':' || passage_id FROM decision")" "fn:2" "a decision shown before kill -9 is in the database"
is "$(db "$P" "PRAGMA integrity_check")" "ok" "database intact after kill -9"
tm kill-server 2>/dev/null

tm new-session -d -s t -x 100 -y 30 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$P'"
ok "reopened" wait_for ">      2   0.700"
tm resize-window -t t -x 60 -y 20
ok "too small after resize" wait_for "Terminal too small: 60x20."
tm resize-window -t t -x 90 -y 26
ok "recovers when enlarged" wait_for "candidate p3"
tm send-keys -t t /
tm send-keys -t t -l "vim"
tm resize-window -t t -x 120 -y 30
ok "prompt survives a resize" wait_for "/vim"
tm send-keys -t t Enter
ok "search from the prompt" wait_for "> /    3   0.600"
tm send-keys -t t q
sleep 0.3
ok "q quits" test -z "$(tm list-sessions 2>/dev/null)"
tm kill-server 2>/dev/null

tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen NO_COLOR=1 '$NEGSIEVE' review '$P'"
ok "NO_COLOR: first frame" wait_for "f FN  x TN"
colored=$(tm capture-pane -e -p -t t | cat -v)
is_in "$colored" "^[[1;4mterminal^[[0m" "NO_COLOR: query terms bold and underlined"
ok "NO_COLOR: no colour at all" sh -c "! printf '%s' \"\$1\" | grep -q '\\^\\[\\[4[0-7]m'" - "$colored"
tm kill-server 2>/dev/null
sleep 0.3

tm new-session -d -s t -x 80 -y 24 \
	"env TERM=dumb '$NEGSIEVE' review '$P'; echo rc=\$?; sleep 30"
ok "TERM=dumb refused" wait_for "rc=11"
is_in "$pane" "negsieve: review: TERM=dumb cannot show the review screen" "TERM=dumb message"
tm kill-server 2>/dev/null
done_testing
