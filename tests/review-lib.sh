# tests/review-lib.sh - helpers for the review TUI tests; source after
# tests/lib.sh.
#
#   mkproj DIR [CONFIG]     a project with tests/review-fixture.sql
#   review_keys DIR KEY...  run the TUI headless with these keys (one per
#                           argument, see NEGSIEVE_REVIEW_SCRIPT in
#                           negsieve(1)); screens in $T/dump, sets $rc
#                           $out (the line printed at the end) $err
#   screen N                screen N of the last run ("last" = final)
#   db DIR SQL              one sqlite3 query

export LC_ALL=C.UTF-8
unset NO_COLOR

mkproj() {
	if [ -n "${2:-}" ]; then
		"$NEGSIEVE" init --config "$2" "$1" >/dev/null
	else
		"$NEGSIEVE" init "$1" >/dev/null
	fi
	sqlite3 "$1/negsieve.db" <"$top_srcdir/tests/review-fixture.sql"
}

review_keys() {
	_dir=$1; shift
	: >"$T/keys"
	for _k in "$@"; do printf '%s\n' "$_k" >>"$T/keys"; done
	NEGSIEVE_REVIEW_SCRIPT="$T/keys" NEGSIEVE_REVIEW_DUMP="$T/dump" \
		"$NEGSIEVE" review "$_dir" >"$T/.out" 2>"$T/.err"
	rc=$?
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
}

screen() {
	if [ "$1" = last ]; then
		awk '/^=== screen /{buf=""; next} {buf = buf $0 "\n"} END{printf "%s", buf}' "$T/dump"
	else
		awk -v n="$1" '/^=== screen /{s++; next} s==n' "$T/dump"
	fi
}

db() {
	sqlite3 "$1/negsieve.db" "$2"
}
