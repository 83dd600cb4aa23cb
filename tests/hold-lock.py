#!/usr/bin/env python3
# hold-lock.py DB READY RELEASE - hold DB's write lock (BEGIN IMMEDIATE)
# as another negsieve publishing a run would: write READY once it is
# held, commit when the file RELEASE appears (or after 60 s).
import os
import sqlite3
import sys
import time

db, ready, release = sys.argv[1:4]
c = sqlite3.connect(db, isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
with open(ready, "w") as f:
    f.write("held\n")
end = time.monotonic() + 60
while not os.path.exists(release) and time.monotonic() < end:
    time.sleep(0.05)
c.execute("COMMIT")
c.close()
