#!/bin/sh
# bench/embed.sh - built-in embedder rate (passages/s) on a generated
# corpus, and .npy import time, measured against a baseline in the same
# run (reading the same texts with sqlite3).
#   bench/embed.sh [N_PASSAGES]   (default 50000; run from the build dir)
set -eu
N=${1:-50000}
NS=${NEGSIEVE:-./negsieve}
T=$(mktemp -d "${TMPDIR:-/tmp}/ns-bench-XXXXXX")
trap 'rm -rf "$T"' EXIT
"$NS" init "$T/p" >/dev/null
python3 - "$T/p/negsieve.db" "$N" "$T" <<'PY'
import random, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2]); t = sys.argv[3]
r = random.Random(1)
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 10))) for _ in range(30000)]
db.execute("INSERT INTO source(path, format, created_at) VALUES ('gen', 'gen', 'now')")
db.executemany("INSERT INTO passage(id, text, source_id) VALUES (?, ?, 1)",
               ((i, " ".join(r.choice(words) for _ in range(60))) for i in range(1, n + 1)))
db.executemany("INSERT INTO passage_xid VALUES (?, ?)", ((str(i), i) for i in range(1, n + 1)))
db.executemany("INSERT INTO query(xid, text, source_id) VALUES (?, ?, 1)",
               (("q%d" % i, " ".join(r.choice(words) for _ in range(8))) for i in range(1000)))
db.commit()
# a 384-dim float32 .npy of all passages, ids in reverse order
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 384), }" % n
h += " " * (64 - (10 + len(h) + 1) % 64) + "\n"
with open(t + "/v.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
    row = struct.pack("<384f", *[0.01 * k for k in range(384)])
    for i in range(n):
        f.write(row)
with open(t + "/v.ids", "w") as f:
    f.write("".join("%d\n" % i for i in range(n, 0, -1)))
PY
sec() { python3 -c 'import sys,time; print(time.time())'; }
t0=$(sec); sqlite3 "$T/p/negsieve.db" "SELECT sum(length(text)) FROM passage" >/dev/null; t1=$(sec)
"$NS" embed "$T/p" >"$T/out"; t2=$(sec)
"$NS" embed "$T/p" --passages "$T/v.npy" --passage-ids "$T/v.ids" >"$T/out2"; t3=$(sec)
python3 - "$N" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
n = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:])
print("passages                 %d (60 words each) + 1000 queries" % n)
print("sqlite3 text scan        %.2f s" % (t1 - t0))
print("builtin embed (2 passes) %.2f s = %.0f passages/s (%.1fx the scan)" % (t2 - t1, n / (t2 - t1), (t2 - t1) / (t1 - t0)))
print("npy import %dx384        %.2f s = %.0f rows/s" % (n, t3 - t2, n / (t3 - t2)))
PY
