#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Invariants on every golden case's JSON (the real lab recordings, the simulated
examples, the fixtures): per connection direction, every RW receive is counted
exactly once, as paired with a send (receives_matched) or as an orphan; and
`report FILE` says what `correlate FILE` says (the same findings and verdict).
Prints "invariants: N passed, N failed"."""
import json
import os
import subprocess
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
vsockdiag = os.environ.get("VSOCKDIAG", "build/vsockdiag")
cases = subprocess.run(["bash", "-c", ". tests/golden/cases.sh; golden_cases"],
                       capture_output=True, text=True, check=True).stdout.splitlines()
passed = failed = 0
for line in cases:
    name, args = line.split("\t")
    if "--json" not in args.split() or not args.startswith("correlate"):
        continue
    out = subprocess.run([vsockdiag] + args.split(), capture_output=True, text=True)
    try:
        rep = json.loads(out.stdout)
    except ValueError:
        print("FAIL %s: no JSON (exit %d)" % (name, out.returncode))
        failed += 1
        continue
    bad = []
    for c in rep.get("connections", []):
        for d in ("a_to_b", "b_to_a"):
            cd = c[d]
            if cd["packets_received"] != cd["receives_matched"] + cd["orphan_receives"]:
                bad.append("connection %d %s: %d received, %d matched + %d orphans" %
                           (c["id"], d, cd["packets_received"], cd["receives_matched"],
                            cd["orphan_receives"]))
    if bad:
        print("FAIL %s: %s" % (name, "; ".join(bad)))
        failed += 1
    else:
        passed += 1
# report FILE and correlate FILE are one analysis: the same findings and verdict
for line in cases:
    name, args = line.split("\t")
    argv = args.split()
    if argv[0] != "report" or "--json" not in argv:
        continue  # the text form shows the same result; its words are the golden file's
    path = argv[-1]
    label = os.path.splitext(os.path.basename(path))[0]
    rep = json.loads(subprocess.run([vsockdiag] + argv, capture_output=True, text=True).stdout)
    cor = json.loads(subprocess.run([vsockdiag, "correlate", "--json", "--names",
                                     label + ",peer", path],
                                    capture_output=True, text=True).stdout)
    if rep.get("findings") != cor.get("findings") or rep.get("verdict") != cor.get("verdict"):
        print("FAIL %s: report and correlate FILE disagree" % name)
        failed += 1
    else:
        passed += 1
print("invariants: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
