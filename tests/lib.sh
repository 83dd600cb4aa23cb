# tests/lib.sh - TAP helpers for the shell tests; source it first.
#
#   ok COND-CMD... name     is GOT WANT name     skip_all REASON
#   skip NAME REASON         need_data DIR (skips the rest without it)
#   run CMD...   (sets $out, $err, $rc)
#   done_testing
# $NEGSIEVE is the binary under test, $NEGSIEVE_DATA the shared test data,
# $T a fresh temporary directory removed at exit.

set -u
_n=0
_failed=0
: "${NEGSIEVE:=$(pwd)/negsieve}"
: "${NEGSIEVE_DATA:=$(pwd)/../shared/data}"
export NEGSIEVE_PROGRESS=0
T=$(mktemp -d "${TMPDIR:-/tmp}/ns-sh-XXXXXX")
# NS_TEST_KEEP=DIR: copy the test's files there at exit (fuzz/run.sh seeds
# the fuzzers with the inputs the import tests write)
trap '[ -n "${NS_TEST_KEEP:-}" ] && cp -a "$T/." "$NS_TEST_KEEP/" 2>/dev/null; rm -rf "$T"' EXIT

ok() {
	_n=$((_n + 1))
	_name=$1; shift
	if "$@" >/dev/null 2>&1; then
		echo "ok $_n - $_name"
	else
		echo "not ok $_n - $_name"
		_failed=$((_failed + 1))
	fi
}

is() {
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2" | sed '3,$s/^/# /'
		_failed=$((_failed + 1))
	fi
}

# Substring check: is_in HAYSTACK NEEDLE name
is_in() {
	_n=$((_n + 1))
	case "$1" in
	*"$2"*) echo "ok $_n - $3" ;;
	*) echo "not ok $_n - $3"
	   printf '# %s\n' "got: $1" "want substring: $2"
	   _failed=$((_failed + 1)) ;;
	esac
}

run() {
	_o=$T/.out; _e=$T/.err
	"$@" >"$_o" 2>"$_e"; rc=$?
	out=$(cat "$_o"); err=$(cat "$_e")
	return 0
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# skip NAME REASON: a check that cannot run here
skip() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

# need_data DIR: the rest of the script reads $NEGSIEVE_DATA/DIR; without
# it, skip the rest (all of it, or with one skip line after the checks
# that ran) and end.
need_data() {
	[ -d "$NEGSIEVE_DATA/$1" ] && return 0
	[ "$_n" -eq 0 ] && skip_all "no $NEGSIEVE_DATA/$1"
	skip "the checks that read $1" "no $NEGSIEVE_DATA/$1"
	done_testing
	exit $?
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
