#!/bin/sh
# bench/mine-lock.sh PROJECT [BINARY...] - how long another writer (a
# person deciding in review) waits for the write lock while `negsieve mine`
# runs: each BINARY mines a fresh copy of PROJECT (its negsieve.db copied,
# vectors/ linked) with MINE_OPTS, while a second connection writes an
# empty transaction (BEGIN IMMEDIATE; COMMIT) every 10 ms; prints the
# writes made and their wait (p50, p99, max).  ROUNDS (default 2) rounds,
# binaries taking turns.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/mine-lock.sh PROJECT [BINARY...]" >&2; exit 2; }
src=$1; shift
[ $# -gt 0 ] || set -- "$(cd "$(dirname "$0")/.." && pwd)/negsieve"
opts=${MINE_OPTS:---index Flat --range-max 50 --num-negatives 5}
work=${WORK:-/tmp/ns-mine-lock}
r=0
while [ "$r" -lt "${ROUNDS:-2}" ]; do
	r=$((r + 1))
	for b in "$@"; do
		rm -rf "$work"
		mkdir -p "$work"
		cp "$src/negsieve.db" "$work/"
		ln -s "$(cd "$src" && pwd)/vectors" "$work/vectors"
		# shellcheck disable=SC2086
		python3 - "$b" "$work" $opts <<'PY'
import sqlite3, subprocess, sys, time
b, proj, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
p = subprocess.Popen([b, "mine"] + opts + [proj],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.2)
c = sqlite3.connect(proj + "/negsieve.db", timeout=600, isolation_level=None)
w = []
start = time.monotonic()
while p.poll() is None:
    t = time.monotonic()
    c.execute("BEGIN IMMEDIATE")
    c.execute("COMMIT")
    w.append(time.monotonic() - t)
    time.sleep(0.01)
total = time.monotonic() - start
w.sort()
print("%s: mine %.1f s, %d writes meanwhile, wait p50 %.3f s, p99 %.3f s, max %.3f s"
      % (b, total, len(w), w[len(w) // 2], w[int(len(w) * 0.99)], w[-1]))
PY
	done
done
