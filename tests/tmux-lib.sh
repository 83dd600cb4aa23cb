# tests/tmux-lib.sh - the review on a real terminal (tmux); source after
# tests/lib.sh (skips the test when tmux is missing).
#
#   tm ARGS...       tmux on this test's own server (socket $sock)
#   new_server       end this server and use a new socket from here on
#   wait_for TEXT    poll session t's pane (up to ~30 s) until it shows
#                    TEXT; the last capture is in $pane
#
# Targets are written "t:" (session t), never "t": tmux looks a bare "t"
# up as a window first, and a window still named "tmux" (before its name
# follows its command, on a loaded machine) matches it by prefix: then
# "new-window -t t" fails with "index 0 in use" and the other commands
# aim at window 0.  The test kills the server at exit (its trap).
command -v tmux >/dev/null || skip_all "no tmux"
_srv=0
sock="ns-tmux-test-$$-0"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
# a session started at once on the old socket could land in the server
# still shutting down, and go with it, on a loaded machine
new_server() {
	tm kill-server 2>/dev/null
	_srv=$((_srv + 1))
	sock="ns-tmux-test-$$-$_srv"
}
# a loaded machine starts a review slowly
wait_for() {
	_i=0
	while [ $_i -lt 300 ]; do
		pane=$(tm capture-pane -p -t t: 2>/dev/null)
		case "$pane" in *"$1"*) return 0 ;; esac
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
