#!/bin/sh
# layering.sh - the boundaries between src/ (core), db/ (all SQL) and ui/
# (ncurses), checked on every build's sources: a wrong include fails here
# (and db/dbint.h refuses to compile outside db/).
. "${top_srcdir:-.}/tests/lib.sh"
cd "$top_srcdir" || exit 1

# FILE:LINE of each include matching PATTERN in the files of DIRS
includes() {
	pat=$1; shift
	for d in "$@"; do
		grep -n -E "^#[[:space:]]*include[[:space:]]+$pat" \
			"$d"/*.c "$d"/*.h 2>/dev/null
	done
}

is "$(includes '<sqlite3\.h>' src ui)" "" "no SQLite outside db/"
is "$(includes '"db/dbint\.h"' src ui)" "" "db/dbint.h only inside db/ (and tests)"
is "$(includes '"db/' ui)" "" "ui/ uses the review model in src/, no db/ header"
is "$(includes '"ui/' src db)" "" "the core and the database know nothing of the screen"
is "$(includes '<n?curses\.h>' src db)" "" "no curses outside ui/"
is "$(includes '"[^/"]+"' src db ui tests bench | grep -v '"autoconfig.h"')" "" \
	"project headers are included by folder (\"db/queue.h\")"
# SQL strings: statements start with a keyword inside a C string
is "$(grep -n -E '"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)[[:space:]]' src/*.c ui/*.c | grep -v '^src/faiss')" "" \
	"no SQL outside db/"
done_testing
