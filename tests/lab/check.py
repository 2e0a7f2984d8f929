#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Assertions of the lab scenarios on `vsockdiag correlate --json` (python3 stdlib only).

Usage: tests/lab/check.py SCENARIO RUNDIR [VSOCKDIAG]

RUNDIR holds host.dat/guest.dat (the recordings made inside the VMs) and host.txt/guest.txt
(`trace-cmd report` of them, made by scripts/lab/run.sh). A = host partition (L1, vhost side),
B = guest partition (L2). correlate runs on the text files, and on the .dat files too when this
vsockdiag reads them (the two reports must then agree on the verdict and the findings' kinds).
Writes RUNDIR/correlate.json (and correlate-dat.json) and RUNDIR/summary.json; prints one line
per assertion; exit 0 when all held.
"""
import json
import os
import subprocess
import sys

S = 1_000_000_000


def known_failures():
    """tests/lab/known-failures.txt: {(scenario, assertion): why}"""
    kf = {}
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "known-failures.txt")) as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                text, _, why = line.partition("  #")
                flaky = text.startswith("flaky ")
                if flaky:
                    text = text[len("flaky "):]
                scen, _, what = text.partition(":")
                kf[(scen.strip(), what.strip())] = ("flaky: " if flaky else "") + why.strip()
    except OSError:
        pass
    return kf


class Checker:
    def __init__(self, scenario, run, vsockdiag):
        self.scenario, self.run, self.vd = scenario, run, vsockdiag
        self.failed = 0
        self.results = []
        self.known = known_failures()

    def ok(self, cond, what, detail=""):
        known = (self.scenario, what) in self.known
        flaky = known and self.known[(self.scenario, what)].startswith("flaky: ")
        tag = ("FIXED" if known and not flaky else "PASS") if cond else ("KNOWN-FAIL" if known else "FAIL")
        line = f"{tag} {self.scenario}: {what}" + (f" ({detail})" if detail else "")
        if known and not cond:
            line += f" [known: {self.known[(self.scenario, what)]}]"
        if known and cond and not flaky:
            line += " [listed in tests/lab/known-failures.txt: remove it]"
        print(line, flush=True)
        self.results.append({"assertion": what, "held": bool(cond), "known_failure": known, "detail": detail})
        if not cond and not known:
            self.failed += 1
        return cond

    def xfail(self, cond, what, detail=""):
        """an assertion of a capability vsockdiag does not have yet: reported, not counted"""
        print(f"{'XPASS' if cond else 'XFAIL'} {self.scenario}: {what}" + (f" ({detail})" if detail else ""), flush=True)
        self.results.append({"assertion": what, "held": bool(cond), "expected_failure": True, "detail": detail})
        return cond

    def correlate(self, a, b, out, extra=()):
        cmd = [self.vd, "--json", "correlate", "--names", "host,guest", *extra, a, b]
        p = subprocess.run(cmd, capture_output=True, text=True)
        with open(os.path.join(self.run, out), "w") as f:
            f.write(p.stdout)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = {"error": f"not JSON: {p.stdout[:200]!r} {p.stderr[:300]!r}"}
        return p.returncode, doc


def kinds(doc, severity=None):
    return [f["kind"] for f in doc.get("findings", []) if severity is None or f["severity"] == severity]


def errors(doc):
    return [f for f in doc.get("findings", []) if f["severity"] == "error"]


def fmt_s(ns):
    return "null" if ns is None else f"{ns / S:.6f}s"


def describe(doc):
    c = doc.get("clock", {})
    return (f"verdict={doc.get('verdict')} clock aligned={c.get('aligned')} offset={fmt_s(c.get('offset_ns'))} "
            f"+-{fmt_s(c.get('uncertainty_ns'))} bound={c.get('bound')} pairs={c.get('pairs_a_to_b')}/{c.get('pairs_b_to_a')} "
            f"findings={kinds(doc)}")


def check_clock(ck, doc, two_sided=True):
    c = doc.get("clock", {})
    ck.ok(c.get("aligned") is True and c.get("source") == "packets", "clock aligned from the packets",
          f"offset {fmt_s(c.get('offset_ns'))} +- {fmt_s(c.get('uncertainty_ns'))}")
    if two_sided:
        u = c.get("uncertainty_ns")
        ck.ok(c.get("bound") == "two-sided" and u is not None and u < 50_000_000,
              "two-sided clock estimate, uncertainty < 50 ms", f"bound {c.get('bound')}, +-{fmt_s(u)}")


def sc_clean(ck, doc, chunks=8):
    ck.ok(doc.get("verdict") == "healthy", "verdict healthy", describe(doc))
    check_clock(ck, doc)
    conns = doc.get("connections", [])
    data = [c for c in conns if c["a_to_b"]["packets_sent"] or c["b_to_a"]["packets_sent"]]
    ck.ok(len(data) == 1, "one data connection", f"{len(conns)} connections")
    for c in data:
        for d in ("a_to_b", "b_to_a"):
            x = c[d]
            ck.ok(x["bytes_sent"] >= chunks * 16384 and x["bytes_received"] == x["bytes_sent"] and x["lost"] == 0
                  and x["missing_at_end"] == 0,
                  f"{d}: every byte delivered",
                  f"sent {x['packets_sent']} pkts/{x['bytes_sent']} B, received {x['packets_received']} pieces/"
                  f"{x['bytes_received']} B, delivered {x['delivered']}, max latency {fmt_s(x['max_latency_ns'])}")
    ck.ok(not errors(doc), "no error finding", str(kinds(doc)))


def read_mark(ck, name):
    try:
        with open(os.path.join(ck.run, "sync." + name)) as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def sc_stall(ck, doc):
    n = float(os.environ.get("LAB_STALL_SECONDS", "3"))
    check_clock(ck, doc)
    stalls = [f for f in doc.get("findings", []) if f["kind"] == "delivery_stall"]
    ab = [f for f in stalls if f["direction"] == "a_to_b"]
    ck.ok(len(ab) == 1, "exactly one delivery_stall on a_to_b (host -> guest)",
          "; ".join(f"{f['direction']} {fmt_s(f['duration_ns'])} worst {fmt_s(f['worst_latency_ns'])} "
                    f"count {f['count']}" for f in stalls) or "none")
    ck.ok(not [f for f in stalls if f["direction"] != "a_to_b"], "no stall on b_to_a")
    if ab:
        f = ab[0]
        d = (f["duration_ns"] or 0) / S
        w = (f["worst_latency_ns"] or 0) / S
        ck.ok(0.6 * n <= d <= 1.5 * n + 1.0, f"stall duration about {n:g} s", f"duration {d:.3f} s")
        ck.ok(0.6 * n <= w <= 1.5 * n + 1.0, f"worst latency about {n:g} s", f"worst latency {w:.3f} s")
        stop = read_mark(ck, "host.stopped")
        st = f["start"]["a_ns"]
        if stop is not None and st is not None:
            ck.ok(abs(st / S - stop) < 1.5, "stall starts at the SIGSTOP (host clock, +-1.5 s)",
                  f"stall start {st / S:.3f} s, SIGSTOP at {stop:.3f} s (host uptime)")
    others = [f for f in errors(doc) if f["kind"] != "delivery_stall"]
    ck.ok(not others, "no other error finding", str([f["kind"] for f in others]))
    ck.ok(doc.get("verdict") == "problems", "verdict problems")


def sc_refused(ck, doc):
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    ref = [f for f in doc.get("findings", []) if f["kind"] == "connection_refused"]
    conns = {c["id"]: c for c in doc.get("connections", [])}
    inits = sorted(conns[f["connection"]]["initiator"] or "?" for f in ref if f["connection"] in conns)
    ck.ok(len(ref) == 2 and inits == ["a", "b"], "two connection_refused, one initiated by each partition",
          f"{len(ref)} refused, initiators {inits}; " + ", ".join(
              f"conn {c['id']} {c['tuple']} end={c['end']}" for c in conns.values()))
    ports = sorted(conns[f["connection"]]["tuple"]["a_port"] if conns[f["connection"]]["initiator"] == "b"
                   else conns[f["connection"]]["tuple"]["b_port"] for f in ref if f["connection"] in conns)
    ck.ok(ports == [6000, 6001], "the refused ports are 6000 (on the host) and 6001 (on the guest)", str(ports))
    others = [f for f in errors(doc) if f["kind"] != "connection_refused"]
    ck.ok(not others, "no other error finding", str([f["kind"] for f in others]))
    check_clock(ck, doc, two_sided=False)


def sc_multi(ck, doc):
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    check_clock(ck, doc)
    conns = [c for c in doc.get("connections", []) if c["a_to_b"]["packets_sent"]]
    ck.ok(len(conns) == 3, "three data connections", str(len(conns)))
    conns.sort(key=lambda c: c["opened"]["a_ns"] or 0)
    named = {}
    for f in doc.get("findings", []):
        if f["severity"] in ("error", "warning"):
            named.setdefault(f["connection"], []).append(f["kind"])
    print(f"info multi: findings by connection: {named}")
    for i, c in enumerate(conns):
        x = c["a_to_b"]
        print(f"info multi: conn {c['id']} (opened #{i}) a_to_b sent {x['packets_sent']}/{x['bytes_sent']} B "
              f"received {x['packets_received']}/{x['bytes_received']} B max latency {fmt_s(x['max_latency_ns'])}")
    if len(conns) == 3:
        healthy = [conns[0]["id"], conns[2]["id"]]
        ck.ok(not any(named.get(h) for h in healthy), "the connections that were read have no finding",
              str({h: named.get(h) for h in healthy}))
        ck.ok(None not in named or not [k for k in named[None] if k != "outside_common_window"],
              "no finding about several connections (e.g. a stall of the whole direction)", str(named.get(None)))
        stalled = conns[1]["id"]
        st = [f for f in doc.get("findings", []) if f["kind"] == "credit_starvation" and f["connection"] == stalled]
        ck.ok(named.get(stalled) == ["credit_starvation"] and len(st) == 1 and st[0]["direction"] == "a_to_b",
              "the unread connection (only) is flagged: credit_starvation host -> guest",
              f"connection {stalled}: {named.get(stalled)}")
        if st:
            check_not_reading(ck, st[0], 4.0, "the unread connection is classified as the application not reading")


def check_not_reading(ck, f, secs, what):
    d = (f["duration_ns"] or 0) / S
    ck.ok(0.5 * secs <= d <= secs + 2.0, f"starvation lasts about {secs:g} s (the time the reader slept)",
          f"{d:.3f} s")
    cause = (f.get("cause") or "").lower()
    ck.ok("not reading" in cause or "not read" in cause, what, f"cause: {f.get('cause')}")


def sc_notread(ck, doc):
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    check_clock(ck, doc, two_sided=False)
    st = [f for f in doc.get("findings", []) if f["kind"] == "credit_starvation"]
    ck.ok(len(st) == 1 and st[0]["direction"] == "b_to_a", "one credit_starvation, guest -> host",
          "; ".join(f"{f['direction']} conn {f['connection']} {fmt_s(f['duration_ns'])}" for f in st) or "none")
    if st:
        check_not_reading(ck, st[0], 4.0, "credit starvation classified as the application not reading")
    others = [f["kind"] for f in errors(doc) if f["kind"] != "credit_starvation"]
    ck.ok(not others, "no other error finding (every packet sent arrived)", str(others))
    for c in doc.get("connections", []):
        x = c["b_to_a"]
        ck.ok(x["bytes_sent"] == 16 * 65536 and x["bytes_received"] == x["bytes_sent"],
              "the guest's 1 MiB was sent and received", f"sent {x['bytes_sent']} B received {x['bytes_received']} B")


def sc_alloc(ck, doc):
    """mostly documents what happened; asserts the clock and that the failures are reported"""
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    check_clock(ck, doc, two_sided=False)
    for c in doc.get("connections", []):
        for d in ("a_to_b", "b_to_a"):
            x = c[d]
            print(f"info alloc: conn {c['id']} {d}: sent {x['packets_sent']}/{x['bytes_sent']} B, received "
                  f"{x['packets_received']}/{x['bytes_received']} B, lost {x['lost']}, missing {x['missing_at_end']}, "
                  f"max latency {fmt_s(x['max_latency_ns'])}")
    for f in doc.get("findings", []):
        print(f"info alloc: finding {f['kind']} ({f['severity']}): {f['summary']}")
    af = [f for f in doc.get("findings", []) if f["kind"] == "allocation_failure"]
    ck.ok(any(f["side"] == "b" for f in af), "the guest's high-order allocation failures are reported",
          "; ".join(f"side {f['side']}: {f['summary']}" for f in af) or "none")


def sc_overhead(ck, doc):
    """Guest CPU per packet added by `vsockdiag record` (measured, not asserted); a healthy bulk
    transfer of identical 64 KiB chunks must be read as one: every chunk paired in order, no
    loss, and a clock fitted from those pairs (issue 8: the twin rule called one chunk lost and
    left the clock at the vote's estimate). Delivery stalls at the very end are real (the final
    SHUTDOWNs can be late while the guest's recorder is stopping): they must then be warnings
    that name the recorder, and the verdict healthy or inconclusive for them alone."""
    check_clock(ck, doc)
    c = doc.get("clock", {})
    note = c.get("note") or ""
    ck.ok(c.get("source") == "packets" and note.startswith("from ") and not c.get("inconsistent"),
          "clock fitted from the paired packets, not the vote's coarse estimate", note)
    ck.ok("undelivered" not in kinds(doc), "no undelivered packet: every chunk arrived", str(kinds(doc)))
    # the verdict: healthy, or inconclusive only because a stall coincided with the
    # recorder starting or stopping (and the finding says so)
    probs = [f for f in doc.get("findings", []) if f.get("severity") in ("error", "warning")]
    recorder = [f for f in probs if f.get("kind") == "delivery_stall" and f.get("severity") == "warning"
                and any("vsockdiag record was" in e for e in f.get("evidence", []))]
    ck.ok(doc.get("verdict") == "healthy" or
          (doc.get("verdict") == "inconclusive" and len(recorder) == len(probs)),
          "verdict healthy (or inconclusive only for stalls at the recorder's own start/stop)",
          f"{doc.get('verdict')}: " + "; ".join(f"{f['severity']} {f['kind']}" for f in probs))
    sent = [c for c in doc.get("connections", []) if c["b_to_a"]["packets_sent"]]
    ck.ok(len(sent) == 1 and all(c["b_to_a"]["lost"] == 0 and c["b_to_a"]["missing_at_end"] == 0
                                 and c["b_to_a"]["bytes_received"] == c["b_to_a"]["bytes_sent"]
                                 for c in sent),
          "the recorded transfer: every byte the guest sent reached the host",
          "; ".join(f"{x['b_to_a']['packets_sent']} pkts/{x['b_to_a']['bytes_sent']} B sent, "
                    f"{x['b_to_a']['bytes_received']} B received, lost {x['b_to_a']['lost']}" for x in sent))
    path = os.path.join(ck.run, "overhead.txt")
    ok = os.path.exists(path)
    ck.ok(ok, "the guest measured its transfers", path)
    if not ok:
        return
    f = open(path).read().split()
    vals = dict(zip(f[0::2], (int(x) for x in f[1::2])))
    # the recorded transfer is the connection the guest recording saw sending
    pk = sum(c["b_to_a"]["packets_sent"] + c["b_to_a"]["control_sent"] + c["a_to_b"]["packets_received"]
             for c in doc.get("connections", []))
    hz = vals.get("hz", 100)

    def per_packet(key):
        extra = vals.get(key, 0) - vals.get("unrecorded", 0)
        return extra / hz / pk * 1e6 if pk and key in vals else float("nan")

    # the benchmark: four transfers of the same load in one run (tests/lab/overhead.sh)
    modes = [("tracepoints", "vsockdiag record --bpf off"), ("tracecmd", "trace-cmd record, same events"),
             ("recorded", "vsockdiag record (tracepoints + BPF)")]
    print(f"info overhead: {pk} packet events per transfer; guest busy CPU without recording "
          f"{vals.get('unrecorded')} jiffies (HZ {hz})")
    for key, what in modes:
        print(f"info overhead: {what:38s} {vals.get(key)} jiffies: {per_packet(key):6.1f} us of guest CPU "
              f"per packet event")
    with open(os.path.join(ck.run, "overhead.json"), "w") as out:
        json.dump({"unrecorded_jiffies": vals.get("unrecorded"), "hz": hz, "packets": pk,
                   **{f"{k}_jiffies": vals.get(k) for k, _ in modes},
                   **{f"{k}_us_per_packet": per_packet(k) for k, _ in modes}}, out)
    ck.ok(pk > 0, "the recorded transfer's packets are in the guest recording", str(pk))


SCENARIOS = {"overhead": sc_overhead, "alloc": sc_alloc, "notread": sc_notread, "clean": sc_clean, "socat": lambda ck, doc: sc_clean(ck, doc, 6), "stall": sc_stall, "refused": sc_refused, "multi": sc_multi}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    scenario, run = sys.argv[1], sys.argv[2]
    vd = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../../build/vsockdiag")
    ck = Checker(scenario, run, vd)
    host, guest = (os.path.join(run, f"{s}.txt") for s in ("host", "guest"))
    if not ck.ok(all(os.path.getsize(p) > 0 if os.path.exists(p) else False for p in (host, guest)),
                 "both partitions' recordings exist"):
        return 1
    rc, doc = ck.correlate(host, guest, "correlate.json")
    print(f"info {scenario}: correlate (text) exit {rc}: {describe(doc)}")
    if "error" in doc:
        ck.ok(False, "correlate produced a report", doc["error"])
        return 1
    SCENARIOS[scenario](ck, doc)
    # the same recordings as trace.dat, when this vsockdiag reads them
    hd, gd = (os.path.join(run, f"{s}.dat") for s in ("host", "guest"))
    summary = {"scenario": scenario, "text": {"exit": rc, "clock": doc.get("clock"), "verdict": doc.get("verdict"),
                                              "findings": kinds(doc)}}
    if os.path.exists(hd) and os.path.exists(gd):
        rc2, doc2 = ck.correlate(hd, gd, "correlate-dat.json")
        if "error" in doc2:
            print(f"info {scenario}: correlate on the .dat files: {doc2['error']}")
        else:
            print(f"info {scenario}: correlate (.dat) exit {rc2}: {describe(doc2)}")
            ck.ok(doc2.get("verdict") == doc.get("verdict") and sorted(kinds(doc2)) == sorted(kinds(doc)),
                  ".dat and text reports agree", f"dat {doc2.get('verdict')} {kinds(doc2)}")
            summary["dat"] = {"exit": rc2, "clock": doc2.get("clock"), "verdict": doc2.get("verdict"),
                              "findings": kinds(doc2)}
    summary["assertions"] = ck.results
    with open(os.path.join(run, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
