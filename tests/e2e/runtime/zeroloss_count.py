#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Counts the records of a zero-loss scenario: reads `fargate-emu logs` JSON lines on stdin, takes
# the sequence number of every `zl=<n>` in a record's log, and prints sent/delivered/duplicated/
# lost for sequence numbers 1..SENT. --exact fails unless every one arrived exactly once;
# --prefix fails unless what arrived is exactly 1..k once each (loss only after the last record
# the router took); --max-lost N fails past N lost or on any duplicate. Exit 1 on failure,
# with the numbers.
import argparse
import collections
import json
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("name")
ap.add_argument("sent", type=int)
ap.add_argument("--exact", action="store_true")
ap.add_argument("--prefix", action="store_true")
ap.add_argument("--max-lost", type=int, default=None)
a = ap.parse_args()
seen = collections.Counter()
pat = re.compile(r"zl=(\d+)\b")
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    rec = json.loads(line)
    m = pat.search(str(rec.get("log", rec.get("message", ""))))
    if m:
        seen[int(m.group(1))] += 1
unknown = [n for n in seen if n < 1 or n > a.sent]
delivered = sum(1 for n in seen if 1 <= n <= a.sent)
dups = sum(c - 1 for n, c in seen.items() if c > 1)
lost = a.sent - delivered
print("%s: sent %d, delivered %d, duplicated %d, lost %d" % (a.name, a.sent, delivered, dups,
                                                             lost))
ok = not unknown
if a.exact:
    ok = ok and delivered == a.sent and dups == 0
if a.prefix:
    ok = ok and dups == 0 and set(seen) == set(range(1, delivered + 1))
    if not ok:
        holes = sorted(set(range(1, max(seen, default=0) + 1)) - set(seen))[:10]
        print("%s: not a prefix: first holes %s" % (a.name, holes))
if a.max_lost is not None:
    ok = ok and lost <= a.max_lost and dups == 0
sys.exit(0 if ok else 1)
