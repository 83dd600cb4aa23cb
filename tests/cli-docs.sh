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
	# every long option in the command's --help is in the man page
	for o in $(printf '%s\n' "$out" | grep -o -E -- '--[a-z][a-z-]+' | sort -u); do
		mo=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		ok "option $o of $c is in negsieve.1" grep -q -e "$mo" "$man1"
	done
done
for s in $(grep -o '^\.SS [a-z-]*' "$man1" | awk '{print $2}'); do
	case " $(echo $cmds) " in
	*" $s "*) ok "man section $s is a command" true ;;
	*) ok "man section '$s' is a command in --help" false ;;
	esac
done

# every config key is documented in negsieve.yaml.5
keys=$(grep -o -E '^[[:space:]]*\{ "[][a-z_.]+", CONFIG_' "$top_srcdir/src/config.c" |
       sed -E 's/.*"(.*)".*/\1/')
ok "config keys found" test -n "$keys"
for k in $keys; do
	ok "key $k in negsieve.yaml.5" grep -q -F ".B $k" "$man5"
done
done_testing
