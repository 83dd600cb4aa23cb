#!/bin/sh
# tui-tmux.sh - the review TUI on a real terminal (tmux): first frame,
# a decision survives kill -9, resize to too small and back, a message
# of two lines beside the detail pane, a note taken back, a terminal that
# hangs up without SIGHUP, TERM=dumb.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
. "$top_srcdir/tests/tmux-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
P=$T/p
mkproj "$P"
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$P'"
ok "first frame on an 80x24 terminal" wait_for "Q q1: what is the tmux"
ok "key hints on the last line" wait_for "f FN  x TN"
ok "queue counted once idle" wait_for "queue 0/8 done (0.0%)"
colored=$(tm capture-pane -e -p -t t: | cat -v)
is_in "$colored" "^[[43mterminal^[[39m^[[49m." "query terms highlighted in colour in the detail pane"
is_in "$colored" "^[[44m run 1 import | queue 0/8 done" "header in colour (at 80 columns the project name goes first)"
tm send-keys -t t: f
ok "decision shown" wait_for "FN: p2."
pid=$(tm display-message -p -t t: '#{pane_pid}')
kill -9 "$pid"
sleep 0.2
is "$(db "$P" "SELECT action || ':' || passage_id FROM decision")" "fn:2" "a decision shown before kill -9 is in the database"
is "$(db "$P" "PRAGMA integrity_check")" "ok" "database intact after kill -9"
new_server

tm new-session -d -s t -x 100 -y 30 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$P'"
ok "reopened" wait_for ">          2   0.700"
tm resize-window -t t: -x 59 -y 14
ok "too small after resize" wait_for "Terminal too small: 59x14."
tm resize-window -t t: -x 90 -y 26
ok "recovers when enlarged" wait_for "candidate p3"
tm send-keys -t t: /
tm send-keys -t t: -l "vim"
tm resize-window -t t: -x 120 -y 30
ok "prompt survives a resize" wait_for "/vim"
tm send-keys -t t: Enter
ok "search from the prompt" wait_for "> /        3   0.600"
colored=$(tm capture-pane -e -p -t t: | cat -v)
is_in "$colored" "[46mvim" "the search's words are highlighted (black on cyan)"
is_in "$(tm capture-pane -p -t t:)" "/vim: 1 here, 1 query" "the search says how many match"
tm send-keys -t t: q
# gone: the session ends with its only window (up to ~30 s)
gone() {
	_i=0
	while [ $_i -lt 300 ] && [ -n "$(tm list-sessions 2>/dev/null)" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	test -z "$(tm list-sessions 2>/dev/null)"
}
ok "q quits" gone
new_server

tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen NO_COLOR=1 '$NEGSIEVE' review '$P'"
ok "NO_COLOR: first frame" wait_for "f FN  x TN"
colored=$(tm capture-pane -e -p -t t: | cat -v)
is_in "$colored" "^[[1;4mterminal^[[0m" "NO_COLOR: query terms bold and underlined"
ok "NO_COLOR: no colour at all" sh -c "! printf '%s' \"\$1\" | grep -q '\\^\\[\\[4[0-7]m'" - "$colored"
new_server
sleep 0.3

# issue 13 on a real terminal, at 80x24 and at 60x15
# stop: quit every window's review and wait until they are gone (their
# leases with them)
stop() {
	for _w in $(tm list-windows -t t: -F '#{window_index}' 2>/dev/null); do
		tm send-keys -t "t:$_w" q 2>/dev/null
	done
	_i=0
	while [ $_i -lt 300 ] && tm list-sessions >/dev/null 2>&1; do
		sleep 0.1
		_i=$((_i + 1))
	done
	new_server
}
# wait_sel PATTERN: the selected row (starting with >) matches PATTERN
wait_sel() {
	_i=0
	while [ $_i -lt 300 ]; do
		tm capture-pane -p -t t: 2>/dev/null | grep -q "^>.*$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
for size in 80x24 60x15; do
cols=${size%x*}; rows=${size#*x}
Q=$T/q$size
mkproj "$Q"
db "$Q" "UPDATE candidate SET score = 0.95 WHERE query_id = 1 AND passage_id = 4"
# 10. Home/End/PgUp/PgDn where the terminal description lacks them
for term in xterm-256color vt100; do
	tm new-session -d -s t -x "$cols" -y "$rows" \
		"exec env LC_ALL=C.UTF-8 TERM=$term '$NEGSIEVE' review '$Q'"
	ok "$size $term: first frame" wait_for "Q q1: what is the tmux"
	tm send-keys -t t: End
	ok "$size $term: End selects the last candidate" wait_sel "p3 byobu"
	tm send-keys -t t: Home
	ok "$size $term: Home the first" wait_sel "p4 vim"
	tm send-keys -t t: PgDn
	ok "$size $term: PgDn" wait_sel "p3 byobu"
	tm send-keys -t t: PgUp
	ok "$size $term: PgUp" wait_sel "p4 vim"
	pane=$(tm capture-pane -p -t t:)
	ok "$size $term: no stray key" sh -c "! printf '%s' \"\$1\" | grep -q 'does nothing'" - "$pane"
	ok "$size $term: no line wider than $cols" sh -c "printf '%s\n' \"\$1\" | awk -v w=$cols 'length > w {bad=1} END{exit bad}'" - "$pane"
	is_in "$(printf '%s\n' "$pane" | sed -n 1p)" "$(id -un): 0 decisions, 0/h" "$size $term: the header, whole"
	stop
done
# 4. the signal in colour, and without colour
tm new-session -d -s t -x "$cols" -y "$rows" \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$Q'"
ok "$size: frame" wait_for "-0.050"
colored=$(tm capture-pane -e -p -t t: | cat -v)
is_in "$colored" "^[[35m-0.050" "$size: a gap below 0 in colour (magenta)"
is_in "$colored" "^[[35m^" "$size: ... and its ^ marker"
# 2. p: the positive for this candidate, readable whole
tm send-keys -t t: p
ok "$size: p shows the positive" wait_for "positive for p4"
pane=$(tm capture-pane -p -t t: | tr '\n' ' ' | tr -s ' ')
is_in "$pane" "it lets you switch between programs in one terminal." "$size: the whole positive"
tm send-keys -t t: j
ok "$size: moving shows the candidate again" wait_for "candidate p2,"
stop
tm new-session -d -s t -x "$cols" -y "$rows" \
	"exec env LC_ALL=C.UTF-8 TERM=screen NO_COLOR=1 '$NEGSIEVE' review '$Q'"
ok "$size NO_COLOR: frame" wait_for "-0.050"
colored=$(tm capture-pane -e -p -t t: | cat -v)
is_in "$colored" "^[[1;4m-0.050" "$size NO_COLOR: the gap below 0 bold and underlined"
stop
# 8. two windows: the other one's query is marked; counts follow
tm new-session -d -s t -x "$cols" -y "$rows" \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$Q'"
ok "$size: first window on q1" wait_for "Q q1:"
tm new-window -t t: \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$Q'"
ok "$size: second window on q2" wait_for "Q q2:"
tm send-keys -t t:1 "<"
ok "$size: moving onto q1 marks it" wait_for "Q q1 [open in your other window: read only]:"
tm send-keys -t t:0 x
sleep 0.3
ok "$size: the other window's decision is counted" wait_for "queue 1/8 done"
stop
# 1. the message below 60x15 fits the screen
tm new-session -d -s t -x 40 -y 10 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$Q'"
ok "$size: too small" wait_for "quits)."
pane=$(tm capture-pane -p -t t: | tr '\n' ' ' | tr -s ' ')
is_in "$pane" "Terminal too small: 40x10. negsieve review needs at least 60x15; enlarge the window (q quits)." "$size: the whole message on a 40x10 terminal"
stop
done

# a message of two lines (p's) takes its rows from the detail pane:
# "lines a-b" counts the rows that show, and J reaches the last line
W=$T/w
mkproj "$W"
db "$W" "UPDATE passage SET text = '$(seq -f 'w%03g' 1 299 | tr '\n' ' ')w300.' WHERE id = 1"
for size in 80x24 60x15; do
cols=${size%x*}; rows=${size#*x}
tm new-session -d -s t -x "$cols" -y "$rows" \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$W'"
ok "$size: frame for the message test" wait_for "Q q1:"
tm send-keys -t t: p
ok "$size: p and its message of two lines" wait_for "The positive, for this"
pane=$(tm capture-pane -p -t t:)
# the rows between the pane's title and the message, and what the title
# says they show
shown=$(printf '%s\n' "$pane" | awk '/positive for p2/ { s = NR }
	/^The positive, for this/ { m = NR } END { print m - s - 1 }')
said=$(printf '%s\n' "$pane" | sed -n 's/.* lines \([0-9]*\)-\([0-9]*\) of .*/\1 \2/p' |
	awk '{ print $2 - $1 + 1 }')
is "$shown" "$said" "$size: 'lines a-b' counts the rows above the message"
is "$(printf '%s\n' "$pane" | grep -c '^The positive, for this')" 1 "$size: the message shows once, whole"
for i in $(seq 20); do tm send-keys -t t: J; done
ok "$size: J scrolls to the last line, above the message" wait_for "w300."
pane=$(tm capture-pane -p -t t:)
is "$(printf '%s\n' "$pane" | grep -B1 '^The positive, for this' | head -1 | tr -s ' ')" "w289 w290 w291 w292 w293 w294 w295 w296 w297 w298 w299 w300." "$size: ... on the row just above it"
stop
done

# a note taken back: c, C-u, Enter over a note removes it (a new event
# in the log), u brings it back, and so does an emptied $EDITOR note
N=$T/n
mkproj "$N"
cat >"$T/empty-ed.sh" <<'E'
#!/bin/sh
: >"$1"
E
chmod +x "$T/empty-ed.sh"
# the row of p2 (blanks squeezed)
p2row() { tm capture-pane -p -t t: | grep ' p2 screen' | tr -s ' '; }
tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen EDITOR='$T/empty-ed.sh' VISUAL= '$NEGSIEVE' review '$N'"
ok "note: frame" wait_for "Q q1:"
tm send-keys -t t: c
tm send-keys -t t: -l "unsure, ask bob"
tm send-keys -t t: Enter
ok "note: saved" wait_for "Note saved on p2."
is_in "$(p2row)" "- # p2" "note: the row has #"
tm send-keys -t t: c
ok "note: c shows it for editing" wait_for "note: unsure, ask bob"
tm send-keys -t t: C-u
tm send-keys -t t: Enter
ok "note: C-u Enter removes it" wait_for "Note removed from p2 (u brings it back)."
is_in "$(p2row)" "- p2" "note: the # is gone"
pane=$(tm capture-pane -p -t t:)
case "$pane" in *"# note:"*) shown=yes ;; *) shown=no ;; esac
is "$shown" no "note: the detail pane shows no note"
is "$(db "$N" "SELECT group_concat(coalesce(note, '(none)'), '|') FROM decision WHERE action = 'note' ORDER BY id")" "unsure, ask bob|(none)" "note: the removal is a new event, the note kept in the log"
tm send-keys -t t: u
ok "note: u brings it back" wait_for "Undid: note of p2; its note is back."
ok "note: ... in the detail pane" wait_for "# note: unsure, ask bob"
is_in "$(p2row)" "- # p2" "note: ... with its #"
tm send-keys -t t: C
ok "note: an emptied \$EDITOR note removes it too" wait_for "Note removed from p2 (u brings it back)."
stop
tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen '$NEGSIEVE' review '$N'"
ok "note: reopened" wait_for "Q q1:"
is_in "$(p2row)" "- p2" "note: still removed after a restart"
tm send-keys -t t: c
tm send-keys -t t: Enter
ok "note: an empty note where there is none saves nothing" wait_for "Empty note: nothing saved."
is "$(db "$N" "SELECT count(*) FROM decision WHERE action = 'note'")" 3 "note: three note events, none overwritten"
stop

# The terminal goes away without SIGHUP reaching the review (it runs in a
# session of its own, as under su or a detached job): it must end, its
# session closed, not spin on reads that fail at once.
tm new-session -d -s t -x 80 -y 24 \
	"exec env LC_ALL=C.UTF-8 TERM=screen setsid -w '$NEGSIEVE' review '$P'"
ok "hang-up: a review in a session of its own" wait_for "Q q1:"
# (its pid from its session row: a minimal system has no pgrep)
hpid=$(db "$P" "SELECT pid FROM review_session WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1")
ok "hang-up: its process found ($hpid)" test -n "$hpid"
tm kill-session -t t: 2>/dev/null
_i=0
while [ $_i -lt 100 ] && kill -0 "$hpid" 2>/dev/null; do
	sleep 0.1
	_i=$((_i + 1))
done
ok "hang-up: the review ends when its terminal is gone" sh -c "! kill -0 '$hpid' 2>/dev/null"
kill -9 "$hpid" 2>/dev/null
is "$(db "$P" "SELECT count(*) FROM review_session WHERE pid = $hpid AND ended_at IS NOT NULL")" 1 "hang-up: its session is closed"
new_server

tm new-session -d -s t -x 80 -y 24 \
	"env TERM=dumb '$NEGSIEVE' review '$P'; echo rc=\$?; sleep 30"
ok "TERM=dumb refused" wait_for "rc=11"
is_in "$pane" "negsieve: review: TERM=dumb cannot show the review screen" "TERM=dumb message"
new_server
done_testing
