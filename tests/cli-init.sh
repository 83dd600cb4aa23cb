#!/bin/sh
# cli-init.sh - negsieve init and the top-level command line.
. "${top_srcdir:-.}/tests/lib.sh"

run "$NEGSIEVE" --version
is "$rc" 0 "--version exits 0"
is_in "$out" "BLAS: OpenBLAS" "--version reports the live BLAS"

run "$NEGSIEVE"
is "$rc" 2 "no command is a usage error"

run "$NEGSIEVE" frobnicate
is "$rc" 2 "unknown command is a usage error"
is_in "$err" "unknown command 'frobnicate'" "unknown command named"

run "$NEGSIEVE" init "$T/p1"
is "$rc" 0 "init creates a project"
ok "database file exists" test -f "$T/p1/negsieve.db"
run "$NEGSIEVE" init "$T/p1"
is "$rc" 2 "init refuses an existing project"
is "$err" "negsieve: $T/p1: a project already exists here" "message for existing project"
# a directory holding other files: refused, left as it was
mkdir "$T/full" && chmod 0750 "$T/full" && printf 'x\n' >"$T/full/notes.txt"
run "$NEGSIEVE" init --group "$(id -gn)" "$T/full"
is "$rc" 2 "init refuses a non-empty directory"
is "$err" "negsieve: $T/full: the directory is not empty (it holds 'notes.txt'); init creates a project only in a new or an empty directory" \
	"... saying what is there"
ok "... no database made" test ! -e "$T/full/negsieve.db"
is "$(ls -A "$T/full")" "notes.txt" "... nothing else added"
is "$(stat -c %a "$T/full")" "750" "... its mode untouched (no setgid for --group)"
printf 'y\n' >"$T/full/more.txt"
run "$NEGSIEVE" init "$T/full"
is_in "$err" "the directory is not empty (it holds '" "two files: one named ..."
is_in "$err" "' and 1 more)" "... and the rest counted"
# an empty one, and one left by a killed init, are taken
mkdir "$T/empty" "$T/killed" && : >"$T/killed/.negsieve.db.new-99999"
run "$NEGSIEVE" init "$T/empty"
is "$rc" 0 "init takes an existing empty directory"
run "$NEGSIEVE" init "$T/killed"
is "$rc" 0 "... and one holding only a killed init's temporary file"

cat >"$T/good.yaml" <<'Y'
project:
  name: test
Y
run "$NEGSIEVE" init --config "$T/good.yaml" "$T/p2"
is "$rc" 0 "init with a config"
is "$(sqlite3 "$T/p2/negsieve.db" "SELECT value FROM meta WHERE key='config'")" \
   "$(cat "$T/good.yaml")" "config stored verbatim in the project"

printf 'project:\n  name: x\n  colour: red\n' >"$T/bad.yaml"
run "$NEGSIEVE" init --config "$T/bad.yaml" "$T/p3"
is "$rc" 6 "bad config exits 6"
is "$err" "negsieve: $T/bad.yaml:3:3: unknown key 'project.colour'" "bad config message has file:line:col"
ok "nothing created on bad config" test ! -e "$T/p3"
run "$NEGSIEVE" init --config "$T/none.yaml" "$T/p5"
is "$rc" 7 "a missing config file: not found (7)"
is "$err" "negsieve: $T/none.yaml: No such file or directory" "... naming it"
ok "... nothing created" test ! -e "$T/p5"
run "$NEGSIEVE" init ""
is "$rc" 2 "init '': usage error"
is_in "$err" "the PROJECT name is empty" "... saying so"
# the cascade's stages are checked as 'negsieve config' checks them
printf 'cascade:\n  stages:\n    - scorer: gap\n      lo: 5\n      hi: 1\n' >"$T/bad2.yaml"
run "$NEGSIEVE" init --config "$T/bad2.yaml" "$T/p4"
is "$rc" 6 "a stage with lo above hi: a configuration error"
is "$err" "negsieve: $T/bad2.yaml:3:7: cascade.stages[0] (gap): lo 5 is above hi 1" "... as config says it, at the stage (lo and hi together)"
ok "... nothing created" test ! -e "$T/p4"
# each stage check is placed: at the value at fault, or at the stage
# (where its mapping starts) when the stage as a whole is wrong
printf 'cascade:\n  stages:\n    - scorer: gap\n    - name: x\n' >"$T/st1.yaml"
run "$NEGSIEVE" init --config "$T/st1.yaml" "$T/p4"
is "$rc:$err" "6:negsieve: $T/st1.yaml:4:7: cascade.stages[1] has no scorer" "a stage without a scorer: at the stage"
ok "... nothing created" test ! -e "$T/p4"
printf 'cascade:\n  stages:\n    - scorer: gap\n    - {}\n' >"$T/st2.yaml"
run "$NEGSIEVE" init --config "$T/st2.yaml" "$T/p4"
is "$rc:$err" "6:negsieve: $T/st2.yaml:4:7: cascade.stages[1] has no scorer" "an empty stage, last, is a stage without a scorer (it was dropped)"
ok "... nothing created" test ! -e "$T/p4"
printf 'cascade:\n  stages:\n    - scorer: gap\n    - scorer: score\n      name: gap\n' >"$T/st3.yaml"
run "$NEGSIEVE" init --config "$T/st3.yaml" "$T/p4"
is "$rc:$err" "6:negsieve: $T/st3.yaml:5:13: cascade.stages[1]: a second stage named 'gap' (name them with 'name:')" "a second name: at the name"
printf 'cascade:\n  stages:\n    - {scorer: gap}\n    - {scorer: gap, lo: 0}\n' >"$T/st4.yaml"
run "$NEGSIEVE" init --config "$T/st4.yaml" "$T/p4"
is "$rc:$err" "6:negsieve: $T/st4.yaml:4:16: cascade.stages[1]: a second stage named 'gap' (name them with 'name:')" "... at the scorer when the name is the scorer's"
{
	printf 'cascade:\n  stages:\n'
	for i in 1 2 3 4 5 6 7 8 9; do
		printf '    - scorer: command\n      name: c%s\n      command: [true]\n' $i
	done
} >"$T/st5.yaml"
run "$NEGSIEVE" init --config "$T/st5.yaml" "$T/p4"
is "$rc:$err" "6:negsieve: $T/st5.yaml:27:7: cascade.stages[8]: at most 8 command and judge stages" "a ninth command stage: at the stage"
ok "... nothing created" test ! -e "$T/p4"

# review.keys: the actions are checked by init and config with review's
# own check (src/keymap.c), at their place in the file
printf 'review:\n  keys:\n    y: fnord\n' >"$T/keys-bad.yaml"
run "$NEGSIEVE" init --config "$T/keys-bad.yaml" "$T/pk"
is "$rc" 6 "init: an unknown action in review.keys is a configuration error"
is "$err" "negsieve: $T/keys-bad.yaml:3:8: review.keys: unknown action 'fnord' for key 'y'" "... at the action's line and column"
ok "... nothing created" test ! -e "$T/pk"
printf 'review:\n  keys:\n    n: fn\n    NotAKey: fn\n' >"$T/keys-bad2.yaml"
run "$NEGSIEVE" init --config "$T/keys-bad2.yaml" "$T/pk"
is "$err" "negsieve: $T/keys-bad2.yaml:4:5: review.keys: unknown key 'NotAKey' (use a character, Space, Enter, Up, PgDn, F1, C-x, ...)" \
	"init: an unknown key name, at the key"
ok "... nothing created" test ! -e "$T/pk"
stored() { sqlite3 "$T/p2/negsieve.db" "SELECT value FROM meta WHERE key='config'"; }
before=$(stored)
run "$NEGSIEVE" config "$T/p2" "$T/keys-bad.yaml"
is "$rc" 6 "config: an unknown action in review.keys is a configuration error"
is "$err" "negsieve: $T/keys-bad.yaml:3:8: review.keys: unknown action 'fnord' for key 'y'" "... at its place"
is "$out" "" "... nothing said stored"
is "$(stored)" "$before" "... the stored configuration unchanged"
printf 'review:\n  keys:\n    y: fn\n    f: none\n' >"$T/keys-good.yaml"
run "$NEGSIEVE" config "$T/p2" "$T/keys-good.yaml"
is "$rc" 0 "config: known actions and none are stored"
# a stored configuration that reads but that review or cascade would
# refuse (stored by an older version): config prints it as stored and
# says why with its place in the stored text, exit 6 as for one that
# does not read
"$NEGSIEVE" init "$T/p6" >/dev/null
sqlite3 "$T/p6/negsieve.db" "INSERT OR REPLACE INTO meta(key, value) VALUES ('config', 'review:
  keys:
    y: fnord
')"
run "$NEGSIEVE" config "$T/p6"
is "$rc" 6 "config: a stored bad review.keys action is told (exit 6)"
is "$out" "review:
  keys:
    y: fnord" "... printed as stored"
is "$err" "negsieve: $T/p6/negsieve.db:negsieve.yaml:3:8: review.keys: unknown action 'fnord' for key 'y'
negsieve: the stored configuration fails its checks; replace it with 'negsieve config $T/p6 FILE'" "... with its place in the stored text and how to replace it"
sqlite3 "$T/p6/negsieve.db" "INSERT OR REPLACE INTO meta(key, value) VALUES ('config', 'cascade:
  stages:
    - scorer: gap
      lo: 5
      hi: 1
')"
run "$NEGSIEVE" config "$T/p6"
is "$rc" 6 "config: a stored bad cascade stage is told (exit 6)"
is_in "$out" "      lo: 5" "... printed as stored"
is_in "$err" "negsieve: $T/p6/negsieve.db:negsieve.yaml:3:7: cascade.stages[0] (gap): lo 5 is above hi 1" "... at the stage in the stored text"
run "$NEGSIEVE" config "$T/p6" "$T/keys-good.yaml"
is "$rc" 0 "... and it can be replaced"
run "$NEGSIEVE" config "$T/p6"
is "$rc:$err" "0:" "a stored configuration that passes: exit 0, nothing on stderr"

# YAML: a syntax error is reported as one, where libyaml finds it, even
# after a node our checks refuse ("seed: [1" starts a list)
printf 'mine:\n  seed: [1\n' >"$T/syntax.yaml"
run "$NEGSIEVE" init --config "$T/syntax.yaml" "$T/ps"
is "$rc:$err" "6:negsieve: $T/syntax.yaml:3:1: did not find expected ',' or ']' while parsing a flow sequence started at line 2, column 9" \
	"an unclosed '[': a syntax error, with where it started"
ok "... nothing created" test ! -e "$T/ps"
run "$NEGSIEVE" config "$T/p2" "$T/syntax.yaml"
is "$rc" 6 "config: the same syntax error"
is "$(stored)" "$(cat "$T/keys-good.yaml")" "... the stored configuration unchanged"
# a section with nothing under it (YAML null) sets no key
printf 'mine:\nreview:\n  keys:\nexport:\n  format: triplet\n' >"$T/null.yaml"
run "$NEGSIEVE" init --config "$T/null.yaml" "$T/pn"
is "$rc" 0 "init: empty sections are taken as setting nothing"
run "$NEGSIEVE" config "$T/p2" "$T/null.yaml"
is "$rc" 0 "config: the same"
is "$(stored)" "$(cat "$T/null.yaml")" "... stored as written"

run "$NEGSIEVE" init
is "$rc" 2 "init without PROJECT is a usage error"

run "$NEGSIEVE" stats "$T/nope"
is "$rc" 7 "stats on a missing project exits 7"
is_in "$err" "not a negsieve project" "missing project message"
printf 'x\n' >"$T/afile"
run "$NEGSIEVE" mine "$T/afile"
is "$rc" 7 "mine on a file exits 7"
is "$err" "negsieve: $T/afile: not a negsieve project (a project is a directory; this is a file)" \
	"... saying it is a file, without advising init on it"

# Standard output that cannot be written (a full disk: /dev/full) is an
# I/O error for every command, said on stderr, not status 0 with a cut
# or empty file ('init --example-config > negsieve.yaml' on a full disk)
if [ -c /dev/full ] && ! printf x 2>/dev/null >/dev/full; then
	W=$T/pw
	"$NEGSIEVE" init "$W" >/dev/null
	"$NEGSIEVE" init --example-config >"$T/example.yaml"
	"$NEGSIEVE" config "$W" "$T/example.yaml" >/dev/null
	for c in "stats $W" "stats --json $W" "queue list $W" "config $W" \
		"init --example-config" "--help" "--version" "help stats" \
		"review --keys-man"; do
		# shellcheck disable=SC2086
		"$NEGSIEVE" $c >/dev/full 2>"$T/full.err"
		is "$?:$(cat "$T/full.err")" "4:negsieve: standard output: write error" \
			"${c%"$W"}> /dev/full: write error, status 4"
	done
	# a command that failed keeps its own status, and says both
	"$NEGSIEVE" stats "$T/nope" >/dev/full 2>"$T/full.err"
	is "$?" 7 "a failed command > /dev/full keeps its status"
	# nothing to write to a closed stdout is no error; something is
	"$NEGSIEVE" --help >&- 2>"$T/full.err"
	is "$?:$(cat "$T/full.err")" "4:negsieve: standard output: write error" \
		"--help >&-: its lines cannot be written"
	"$NEGSIEVE" stats "$T/nope" >&- 2>/dev/null
	is "$?" 7 "stats >&- of a missing project: its own status (nothing for stdout)"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		skip "stdout write errors" "no /dev/full that fails writes"
	done
fi

done_testing
