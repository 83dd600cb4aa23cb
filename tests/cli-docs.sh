#!/bin/sh
# cli-docs.sh - --help, the man pages and the config table agree.
. "${top_srcdir:-.}/tests/lib.sh"
man1="$top_srcdir/man/negsieve.1"
man5="$top_srcdir/man/negsieve.yaml.5"

cmds=$("$NEGSIEVE" --help | awk '/^  [a-z][a-z-]+ /{print $1}')
ok "--help lists commands" test -n "$cmds"
for c in $cmds; do
	ok "command '$c' has a section in negsieve.1" grep -q "^\.SS $c\$" "$man1"
	run "$NEGSIEVE" "$c" --help
	is "$rc" 0 "'negsieve $c --help' exits 0"
	help=$out
	run "$NEGSIEVE" help "$c"
	is "$rc:$err" "0:" "'negsieve help $c' exits 0, no message"
	is "$out" "$help" "'negsieve help $c' prints what 'negsieve $c --help' does"
	out=$help
	# every option row of the command (its --help is made from the rows)
	# is in the command's own section of the man page
	sect=$(awk -v c="$c" '/^\.S[SH] /{on = ($0 == ".SS " c)} on' "$man1")
	for o in $(printf '%s\n' "$out" | sed -n 's/^  \(-., \|    \)\(--[a-z][a-z-]*\).*/\2/p'); do
		[ "$o" = --help ] && continue
		mo=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		ok "option $o of $c is in the $c section of negsieve.1" \
			sh -c 'printf "%s\n" "$1" | grep -q -e "$2"' - "$sect" "$mo"
	done
	# an option whose default the man page says a config key gives
	# ("default \fBcascade.seed\fR"): --help names the key too, not
	# only the key's own default, which the project's config may change
	for k in $(printf '%s\n' "$sect" | sed -n 's/.*default \\fB\([a-z_]*\.[a-z_.]*\)\\fR.*/\1/p'); do
		is_in "$out" "$k" "$c --help names config key $k, the default negsieve.1 gives"
	done
done
run "$NEGSIEVE" help
is "$rc" 0 "'negsieve help' exits 0"
is "$out" "$("$NEGSIEVE" --help)" "'negsieve help' is 'negsieve --help'"
is_in "$out" "'negsieve help COMMAND'" "--help mentions 'negsieve help COMMAND'"
ok "negsieve.1 mentions 'negsieve help command'" grep -q '^\.B negsieve help$' "$man1"
run "$NEGSIEVE" help nosuch
is "$rc" 2 "'negsieve help' an unknown command: usage error"
is "$out" "" "'negsieve help' an unknown command: no usage on stdout"
is "$err" "negsieve: help: unknown command 'nosuch'
Try 'negsieve --help'." "'negsieve help' an unknown command: names it"
run "$NEGSIEVE" help import export
is "$rc:$err" "2:negsieve: help: expected at most one COMMAND
Try 'negsieve --help'." "'negsieve help' two commands: usage error"
for s in $(grep -o '^\.SS [a-z-]*' "$man1" | awk '{print $2}'); do
	case " $(echo $cmds) " in
	*" $s "*) ok "man section $s is a command" true ;;
	*) ok "man section '$s' is a command in --help" false ;;
	esac
done

# The example config is what config_write_example() prints from
# config_keys[], and it is a valid config setting every default.
# (tests/t-config checks every key of config_keys[] against negsieve.yaml.5.)
run "$NEGSIEVE" init --example-config
is "$rc" 0 "init --example-config"
is "$out" "$(cat "$top_srcdir/negsieve.yaml.example")" \
   "negsieve.yaml.example is up to date (negsieve init --example-config > negsieve.yaml.example)"
run "$NEGSIEVE" init --config "$top_srcdir/negsieve.yaml.example" "$T/ex"
is "$rc" 0 "the example config is valid: every default passes its own check"

# a font macro line (.B, .BR, .RB, .I, ...) with an odd number of quotes
# prints a stray '"' (negsieve.1 had '.BR \-\-max\-pfn ."'); lines with a
# roff comment are left aside
for m in "$man1" "$man5" "$top_srcdir/man/negsieve.7"; do
	bad=$(grep -n '^\.[BIR][BIR]\{0,1\} ' "$m" | grep -v '\\"' |
		awk -F'"' 'NF % 2 == 0')
	is "$bad" "" "$(basename "$m"): no macro line with an unpaired quote"
done
done_testing
