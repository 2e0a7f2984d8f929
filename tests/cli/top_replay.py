#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`vsockdiag top -b` on the real recordings shipped under examples/lab/ (no root, no VM).

Asserts what a user watching the not-reading, seed and clean scenarios would have seen, that
`top -b -n 3 -d 1 --json -r FILE` works on every recording correlate reads, that top and
report agree on each recording's findings, the OpenMetrics format, and the usage errors.
Usage: top_replay.py VSOCKDIAG.  Prints "top-replay: N passed, N failed".
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

VD = sys.argv[1] if len(sys.argv) > 1 else "build/vsockdiag"
passed = failed = 0


def ok(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL top: {what}" + (f" ({detail})" if detail else ""))


def run(*args):
    p = subprocess.run([VD, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def top_json(path, *extra):
    rc, out, err = run("top", "-b", "--json", "-r", path, *extra)
    samples = []
    for line in out.splitlines():
        try:
            samples.append(json.loads(line))
        except ValueError:
            ok(False, f"{path}: every --json line is one JSON object", line[:80])
    return rc, samples, err


def report_findings(path):
    rc, out, _ = run("report", "--json", path)
    d = json.loads(out)
    return [f for f in d["findings"] if f["severity"] in ("warning", "error")]


# --- the not-reading scenario, as each partition saw it -----------------------------------
# The host's reader (port 5555) stopped reading: its receive buffer fills (unread = buf_alloc),
# its fwd_cnt stays at 0, and top says so while it lasts, from when it began.
host = "examples/lab/notread/host.dat"
rc, s, err = top_json(host, "-d", "0.5")
ok(rc == 1, "notread host: exit status 1 (a problem was seen)", f"rc {rc} {err[:200]}")
start = [f for f in report_findings(host) if f["kind"] == "credit_starvation"]
ok(len(start) == 1, "notread host: report finds one credit_starvation", str(start))
first = next((x for x in s if any(f["kind"] == "credit_starvation" and f["open"]
                                  for f in x["findings"])), None)
ok(first is not None, "notread host: an open credit_starvation while the reader is stuck")
if first and start:
    t0 = start[0]["start"]["a_ns"] / 1e9
    ok(t0 <= first["time"] <= t0 + 0.5 + 0.01,
       "notread host: top shows it within one sample of when it began",
       f"began {t0:.3f}, first shown {first['time']:.3f}")
    conn = [c for c in first["connections"] if c["local_port"] == 5555]
    ok(conn and conn[0]["unread"] == 262144 and conn[0]["fwd_cnt"] == 0,
       "notread host: the reader's connection shows 256 KiB unread and fwd_cnt 0",
       str(conn))
    ok(conn and conn[0]["adb"] and conn[0]["opener"] == "peer",
       "notread host: port 5555 named adb, opened by the peer", str(conn))
    ok(first["kernel"] == "6.1.0-57-amd64" and first["device"].startswith("vhost"),
       "notread host: header names the kernel and the vhost device",
       f"{first['kernel']} {first['device']}")

# The guest is the sender: its credit reaches 0 and stays there until the host reads.
guest = "examples/lab/notread/guest.dat"
rc, s, err = top_json(guest, "-d", "0.5")
zero = [x for x in s if any(c["credit"] == 0 for c in x["connections"])]
ok(len(zero) >= 6, "notread guest: credit 0 for >= 3 s of samples", f"{len(zero)} samples")
starv = [x for x in zero if any(f["kind"] == "credit_starvation" for f in x["findings"])]
ok(len(starv) == len(zero), "notread guest: every sample at credit 0 shows the starvation",
   f"{len(starv)}/{len(zero)}")
ok(s and s[-1]["connections"] and s[-1]["connections"][0]["credit"] == 262144,
   "notread guest: credit back to 256 KiB once the host read", str(s[-1]["connections"] if s else ""))

# --- the seed: the guest's RX ring runs dry after allocation failures ---------------------
rc, s, err = top_json("examples/lab/seed/guest.dat", "-d", "1")
last = s[-1] if s else {}
ok(last.get("rx_ring_level") == 0 and last.get("rx_ring_max") == 128,
   "seed guest: the RX ring level ends at 0/128", f"{last.get('rx_ring_level')}/{last.get('rx_ring_max')}")
ok(last.get("alloc_failures", 0) >= 1, "seed guest: allocation failures counted",
   str(last.get("alloc_failures")))
kinds = {f["kind"] for x in s for f in x["findings"] if f["open"]}
ok("rx_ring_empty" in kinds, "seed guest: rx_ring_empty shown while open", str(kinds))

# --- clean: nothing wrong, exit 0 ---------------------------------------------------------
for side in ("host", "guest"):
    path = f"examples/lab/clean/{side}.txt"
    rc, s, err = top_json(path, "-d", "1")
    bad = [f for x in s for f in x["findings"] if f["severity"] != "info"]
    ok(rc == 0 and not bad, f"clean {side}: no problem, exit 0", f"rc {rc} {bad[:2]}")
    ok(s and all(c["credit"] is None or c["credit"] >= 0 for x in s for c in x["connections"]),
       f"clean {side}: credit known or null, never negative")

# --- every shipped recording: -n 3 -d 1 --json, and top agrees with report ---------------
files = sorted(glob.glob("examples/lab/*/*.dat") + glob.glob("examples/lab/*/host.txt") +
               glob.glob("examples/lab/*/guest.txt"))
for path in files:
    rc, s, err = top_json(path, "-n", "3", "-d", "1")
    ok(rc in (0, 1) and 1 <= len(s) <= 3 and [x["iteration"] for x in s] == list(range(1, len(s) + 1)),
       f"{path}: top -b -n 3 -d 1 --json gives up to 3 samples", f"rc {rc} n {len(s)} {err[:200]}")
    ok(all(x["time"] >= y["time"] for x, y in zip(s[1:], s)), f"{path}: sample times never go back")
    # the whole replay: its last sample holds every finding report gives
    rc, s, err = top_json(path, "-d", "5")
    want = sorted(f["kind"] for f in report_findings(path))
    got = sorted(f["kind"] for f in s[-1]["findings"] if not f["open"] and f["severity"] != "info") if s else []
    ok(got == want, f"{path}: top's final findings are report's", f"top {got} report {want}")
    ok(rc == (1 if want else 0), f"{path}: exit status {1 if want else 0} as the findings say", f"rc {rc}")

# --- OpenMetrics: the exposition format, one family each, unknowns absent ----------------
rc, out, err = run("top", "-b", "-n", "1", "-d", "100", "--openmetrics", "-r", host)
lines = out.splitlines()
ok(lines and lines[-1] == "# EOF", "openmetrics: ends with # EOF")
sample = re.compile(r'^vsockdiag_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$')
bad = [l for l in lines if not l.startswith("#") and not sample.match(l)]
ok(not bad, "openmetrics: every sample line is name{labels} value", str(bad[:3]))
types = [l.split()[2] for l in lines if l.startswith("# TYPE")]
ok(len(types) == len(set(types)), "openmetrics: each family declared once", str(types))
ok(any(l.startswith('vsockdiag_unread_bytes{local="2:5555"') and l.endswith(" 262144") for l in lines),
   "openmetrics: the stuck reader's unread bytes")
ok("vsockdiag_problems 1" in lines, "openmetrics: vsockdiag_problems 1")
ok(rc == 1, "openmetrics: exit 1 (problems)", f"rc {rc}")
rc, out, err = run("top", "-b", "-n", "1", "--openmetrics", "-r", "examples/lab/clean/host.txt")
ok(not any(l.startswith("vsockdiag_unread_bytes") for l in out.splitlines()),
   "openmetrics: unread absent (not 0) where no BPF sampler ran")

# --- text batch: unknown values are '-', the header says what cannot be told -------------
rc, out, err = run("top", "-b", "-n", "2", "-d", "1", "-r", "examples/lab/clean/guest.txt")
ok("cannot tell: unread, fwd_cnt" in out, "text: the header names what this recording cannot give",
   out[:300])
ok(out.count("vsockdiag top - guest.txt - sample") == 2, "text: -n 2 prints two samples")

# --- usage and input errors: exit 2 with the next step ------------------------------------
for args, words in ((["-r", "/nonexistent.dat"], "cannot open"),
                    (["-r", host, "-w", "/tmp/x.dat"], "cannot be combined"),
                    (["-b", "-r", host, "-s", "bogus"], "sort by"),
                    (["-b", "-r", host, "-d", "0"], "seconds between samples"),
                    (["-b", "-r", host, "--json", "--openmetrics"], "choose one"),
                    (["-b", "-r", "README.md"], "no trace events"),
                    (["extra"], "no file arguments")):
    rc, out, err = run("top", *args)
    ok(rc == 2 and words in err, f"top {' '.join(args)}: exit 2 saying '{words}'", f"rc {rc}: {err.strip()[:200]}")
rc, out, err = run("top", "--help")
ok(rc == 0 and "--openmetrics" in out and "VSOCKDIAG_FORBID_VSOCK" in out, "top --help lists the options")

# --- -o FILE: the samples in a file; --openmetrics replaces it whole per sample ------------
with tempfile.TemporaryDirectory() as td:
    rec = "examples/lab/notread/guest.dat"
    rc, out, err = run("top", "-b", "-n", "3", "-r", rec)
    rc2, out2, err2 = run("top", "-n", "3", "-r", rec, "-o", f"{td}/s.txt")
    ok(rc2 == rc and out2 == "" and open(f"{td}/s.txt").read() == out,
       "top -o FILE: the samples of -b in FILE (and -o implies -b)", f"rc {rc2}, {err2[:200]}")
    rc, out, err = run("top", "--openmetrics", "-r", rec, "-o", f"{td}/v.prom")
    prom = open(f"{td}/v.prom").read()
    ok(rc == 1 and prom.count("# EOF") == 1 and prom.endswith("# EOF\n")
       and not os.path.exists(f"{td}/v.prom.tmp"),
       "top --openmetrics -o: FILE holds exactly the last sample, nothing left aside",
       f"rc {rc}: {prom[-200:]}")
    os.symlink(f"{td}/target", f"{td}/link")
    rc, out, err = run("top", "-r", rec, "-o", f"{td}/link")
    ok(rc == 2 and "symlink" in err and not os.path.exists(f"{td}/target"),
       "top -o never writes through a symlink", f"rc {rc}: {err[:200]}")

print(f"top-replay: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
