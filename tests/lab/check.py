#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Assertions of the lab scenarios on `vsockdiag correlate --json` (python3 stdlib only).

Usage: tests/lab/check.py SCENARIO RUNDIR [VSOCKDIAG]

RUNDIR holds host.dat/guest.dat (the recordings made inside the VMs) and host.txt/guest.txt
(`trace-cmd report` of them, made by scripts/lab/run.sh). A = host partition (L1, vhost side),
B = guest partition (L2). correlate runs on the text files, and on the .dat files too when this
vsockdiag reads them (the two reports must then agree on the verdict and the findings' kinds).
Writes RUNDIR/correlate.json (and correlate-dat.json) and RUNDIR/summary.json; prints one line
per assertion; exit 0 when all held, 1 when one did not, 3 when the lab could not stage what the
scenario is about ("STAGING FAILED": the kernel's doing; scripts/lab/run.sh retries it).
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
        self.prefix = ""
        self.staging = None  # why the scenario's staged failure did not happen, if it did not

    def staging_failed(self, why):
        """the lab could not stage what the scenario is about (the kernel's doing, not
        vsockdiag's): nothing of vsockdiag's can be asserted; run.sh retries it like a VM
        failure (exit 3)"""
        self.staging = why
        print(f"STAGING FAILED {self.scenario}: {why}", flush=True)

    def ok(self, cond, what, detail=""):
        what = self.prefix + what
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


# A nested guest under TCG on a loaded machine is descheduled for hundreds of ms: a lab run
# under a parallel compile saw a real 0.553 s host -> guest delivery stall in `notread`
# (2 packets late). vsockdiag is right to report it, but it is the machine, not the
# scenario: scenarios that expect no other error tolerate delivery stalls this short.
LOAD_STALL_NS = int(float(os.environ.get("LAB_LOAD_STALL", "2")) * S)


def unexpected_errors(ck, doc, expected):
    """error findings of kinds not in expected, but short delivery stalls (said as info)"""
    out = []
    for f in errors(doc):
        if f["kind"] in expected:
            continue
        w = f.get("worst_latency_ns")
        if f["kind"] == "delivery_stall" and w is not None and w < LOAD_STALL_NS:
            print(f"info {ck.scenario}: tolerated as the machine's load (< {LOAD_STALL_NS / S:g} s, "
                  f"LAB_LOAD_STALL): {f['summary']}", flush=True)
            continue
        out.append(f)
    return out


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
    load_only = doc.get("verdict") == "problems" and not unexpected_errors(ck, doc, ()) and all(
        f["severity"] == "info" or f["kind"] == "delivery_stall" for f in doc.get("findings", []))
    ck.ok(doc.get("verdict") == "healthy" or load_only,
          "verdict healthy (or only delivery stalls the machine's load explains)", describe(doc))
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
    ck.ok(not unexpected_errors(ck, doc, ()), "no error finding", str(kinds(doc)))


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
    # The guest's own packets (its credit updates) can be caught by the freeze: recorded as sent
    # just before its QEMU was stopped, on the host only after the thaw. That is a true stall of
    # those few packets, as long as the freeze: accepted, and said, only when it starts within
    # 0.25 s of the SIGSTOP, lasts about the freeze and holds at most 2 packets.
    stop = read_mark(ck, "host.stopped")
    ba = [f for f in stalls if f["direction"] != "a_to_b"]
    caught = [f for f in ba if stop is not None and f["start"]["a_ns"] is not None
              and abs(f["start"]["a_ns"] / S - stop) < 0.25 and (f["count"] or 0) <= 2
              and 0.6 * n <= (f["duration_ns"] or 0) / S <= 1.5 * n + 1.0]
    for f in caught:
        print(f"info stall: b_to_a: {f['count']} guest packet(s) sent at {f['start']['a_ns'] / S:.3f} s, the "
              f"SIGSTOP at {stop:.3f} s (host clock), delivered after the thaw ({fmt_s(f['duration_ns'])} late): "
              f"caught by the freeze")
    ck.ok(len(ba) == len(caught), "no stall on b_to_a (but guest packets caught in flight by the freeze)",
          "; ".join(f"{f['direction']} {fmt_s(f['duration_ns'])} count {f['count']} start "
                    f"{(f['start']['a_ns'] or 0) / S:.3f} s" for f in ba) or "none")
    if ab:
        f = ab[0]
        d = (f["duration_ns"] or 0) / S
        w = (f["worst_latency_ns"] or 0) / S
        ck.ok(0.6 * n <= d <= 1.5 * n + 1.0, f"stall duration about {n:g} s", f"duration {d:.3f} s")
        ck.ok(0.6 * n <= w <= 1.5 * n + 1.0, f"worst latency about {n:g} s", f"worst latency {w:.3f} s")
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
    others = unexpected_errors(ck, doc, ("connection_refused",))
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
    others = [f["kind"] for f in unexpected_errors(ck, doc, ("credit_starvation",))]
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
    if top_ran_live(ck):
        overhead_top(ck)
    else:
        print("info overhead: top's live measurement is not shipped with this copy: the lab itself "
              "asserts it")


def overhead_top(ck):
    """vsockdiag top's cost live at a high packet rate (tests/lab/overhead.sh: the same paced
    load unwatched and watched); measured and printed, the 1% goal reported, not counted"""
    path = os.path.join(ck.run, "overhead-top.txt")
    if not ck.ok(os.path.exists(path), "the guest measured top's overhead", path):
        return
    words = open(path).read().replace(":", "").split()
    hz = int(words[words.index("hz") + 1])

    def part(label):
        i = words.index(label)
        w = words[i + 1:]
        out = {}
        for k, v in zip(w[0::2], w[1::2]):
            if k in ("unwatched", "top"):
                break
            out[k] = float(v)
        return out

    un, top = part("unwatched"), part("top")
    rate_u = un["chunks"] / un["seconds"] if un.get("seconds") else 0
    rate_t = top["chunks"] / top["seconds"] if top.get("seconds") else 0
    top_core = top.get("top_ticks", 0) / hz / top["seconds"] * 100 if top.get("seconds") else float("nan")
    busy_u = un["busy"] / hz / un["seconds"] * 100 if un.get("seconds") else float("nan")
    busy_t = top["busy"] / hz / top["seconds"] * 100 if top.get("seconds") else float("nan")
    print(f"info overhead: top: paced load {rate_u:.0f} packets/s unwatched, {rate_t:.0f} packets/s watched "
          f"({int(top['chunks'])} packets in {top['seconds']:.1f} s)")
    print(f"info overhead: top: the top process used {top_core:.2f}% of one core "
          f"({int(top.get('top_ticks', 0))} ticks at HZ {hz})")
    # per packet, and against what one packet costs the guest unwatched: a nested guest under TCG
    # is many times slower than hardware, so the ratio travels better than the percentage
    us_top = top.get("top_ticks", 0) / hz / top["chunks"] * 1e6 if top.get("chunks") else float("nan")
    us_load = un["busy"] / hz / un["chunks"] * 1e6 if un.get("chunks") else float("nan")
    print(f"info overhead: top: {us_top:.1f} us of top's CPU per packet; the unwatched load costs the guest "
          f"{us_load:.1f} us per packet (top = {us_top / us_load * 100:.0f}% of the load's own cost)")
    print(f"info overhead: top: guest busy CPU {busy_u:.1f}% unwatched, {busy_t:.1f}% watched "
          f"(all CPUs, % of one core: +{busy_t - busy_u:.1f} points with top, kernel tracing included)")
    with open(os.path.join(ck.run, "overhead-top.json"), "w") as out:
        json.dump({"hz": hz, "unwatched": un, "top": top, "packets_per_s_unwatched": rate_u,
                   "packets_per_s_watched": rate_t, "top_process_pct_core": top_core,
                   "busy_pct_core_unwatched": busy_u, "busy_pct_core_watched": busy_t}, out)
    samples = top_samples(ck, "guest-ovh")
    ck.ok(len(samples) >= 3 and any(conns_on(x, 5560) for x in samples),
          "top saw the paced load's connections live", f"{len(samples)} samples")
    ck.xfail(top_core < 1.0 and rate_t >= 8000,
             "top under 1% of one core at about 10 000 packets/s (issue 10's goal)",
             f"{top_core:.2f}% at {rate_t:.0f} packets/s")


# --- the scenarios with injected faults (tests/lab/faultinj/vdfault.c) ----------------------

def trace_events(ck, side, event):
    """(seconds, rest of line) of every EVENT in RUNDIR/SIDE.txt (trace-cmd report text)"""
    out = []
    try:
        with open(os.path.join(ck.run, side + ".txt"), errors="replace") as f:
            for line in f:
                head, sep, rest = line.partition(f" {event}: ")
                if not sep:
                    continue
                try:
                    out.append((float(head.rsplit(None, 1)[-1].rstrip(":")), rest.strip()))
                except (ValueError, IndexError):
                    pass
    except OSError:
        pass
    return out


def trace_mark(ck, side, name):
    """trace time of the scenario's `vsocklab-mark NAME` in SIDE's recording (scripts/lab/vm.sh lab_mark)"""
    for t, r in trace_events(ck, side, "print"):
        if r.endswith(f"vsocklab-mark {name}"):
            return t
    return None


def rw_receives(ck, side, port):
    """times of the RW receives on SIDE for connections whose local port is PORT"""
    return [t for t, r in trace_events(ck, side, "virtio_transport_recv_pkt")
            if " op=RW " in r and r.split(" -> ")[1].split()[0].endswith(f":{port}")]


def rw_sends(ck, side, port):
    """times of the RW sends on SIDE to the peer's PORT"""
    return [t for t, r in trace_events(ck, side, "virtio_transport_alloc_pkt")
            if " op=RW " in r and r.split(" -> ")[1].split()[0].endswith(f":{port}")]


def fault_counters(ck, role):
    """RUNDIR/vdfault.ROLE: the module's counters at the end of the scenario"""
    vals = {}
    try:
        with open(os.path.join(ck.run, "vdfault." + role)) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                if v.lstrip("-").isdigit():
                    vals[k] = int(v)
    except OSError:
        pass
    return vals


def undelivered(doc, direction):
    return [f for f in doc.get("findings", []) if f["kind"] == "undelivered" and f["direction"] == direction]


def sc_rxstarve(ck, doc):
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    check_clock(ck, doc, two_sided=False)
    fc = fault_counters(ck, "guest")
    ck.ok(fc.get("rxfill_failed", 0) >= 1, "the module made the guest's RX refill allocations fail",
          f"vdfault counters {fc}")
    armed, disarmed = trace_mark(ck, "guest", "fault.rxfill_fail=-1"), trace_mark(ck, "guest", "fault.rxfill_fail=0")
    recv = rw_receives(ck, "guest", 5555)
    sent = rw_sends(ck, "host", 5555)
    last = max(recv) if recv else None
    print(f"info rxstarve: host RW sends {len(sent)}, guest RW receives {len(recv)}; fault armed at guest "
          f"{armed}, disarmed at {disarmed}, last guest receive at {last}")
    if armed is not None and last is not None:
        ck.ok(armed <= last <= armed + 5.0, "the guest's receives stop within 5 s of the fault being armed",
              f"last receive {last - armed:+.3f} s after arming")
    if disarmed is not None:
        ck.ok(not [t for t in recv if t > disarmed], "nothing is received after the fault is disarmed (nothing retries)",
              f"{len([t for t in recv if t > disarmed])} receives after the disarm")
    conns = [c for c in doc.get("connections", []) if c["a_to_b"]["packets_sent"]]
    for c in conns:
        x = c["a_to_b"]
        print(f"info rxstarve: conn {c['id']} a_to_b sent {x['packets_sent']}/{x['bytes_sent']} B, received "
              f"{x['packets_received']}/{x['bytes_received']} B, lost {x['lost']}, missing {x['missing_at_end']}")
    ck.ok(len(conns) == 1 and conns[0]["a_to_b"]["bytes_sent"] - conns[0]["a_to_b"]["bytes_received"] >= 65536
          and conns[0]["a_to_b"]["missing_at_end"] > 0,
          "the host sent at least 64 KiB more than the guest received, and says the rest never arrived",
          "; ".join(f"sent {c['a_to_b']['bytes_sent']} B received {c['a_to_b']['bytes_received']} B "
                    f"missing {c['a_to_b']['missing_at_end']}" for c in conns))
    ud = undelivered(doc, "a_to_b")
    ck.ok(len(ud) >= 1 and sum(f["bytes"] for f in ud) >= 65536, "undelivered on a_to_b (host -> guest)",
          "; ".join(f"{f['count']} pkts/{f['bytes']} B from {fmt_s(f['start']['a_ns'])}" for f in ud) or "none")
    ck.ok(not undelivered(doc, "b_to_a"), "nothing the guest sent was lost")


def to_b(doc, t_a):
    """host (A) trace seconds to guest (B) trace seconds, by the fitted clock"""
    c = doc.get("clock", {})
    if not c.get("aligned") or t_a is None:
        return None
    ref = (c.get("ref_a_ns") or 0) / S
    return t_a + (c.get("offset_ns") or 0) / S + (c.get("drift_ppm") or 0) * 1e-6 * (t_a - ref)


def largest_gap(times):
    """(length, start, end) of the largest gap between consecutive times"""
    ts = sorted(times)
    return max(((b - a, a, b) for a, b in zip(ts, ts[1:])), default=(0.0, None, None))


def sc_nokick(ck, doc):
    dead = float(os.environ.get("LAB_DEAD_SECONDS", "4"))
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    check_clock(ck, doc, two_sided=False)
    fc = fault_counters(ck, "guest")
    ck.ok(fc.get("rx_kicks_dropped") == 1, "exactly one RX doorbell of the guest was dropped", f"vdfault counters {fc}")
    hogdone, poke = trace_mark(ck, "guest", "guest.hogdone"), trace_mark(ck, "host", "host.poke")
    poke_b = to_b(doc, poke)
    recv = rw_receives(ck, "guest", 5555)
    gap, g0, g1 = largest_gap(recv)
    print(f"info nokick: guest RW receives {len(recv)}, host RW sends {len(rw_sends(ck, 'host', 5555))}; busy loop "
          f"over at guest {hogdone}, poke at host {poke} = guest {poke_b}; largest receive gap {gap:.3f} s "
          f"({g0} .. {g1})")
    ck.ok(gap >= 0.6 * dead, f"the guest's receives stop for about {dead:g} s (the dead link)", f"largest gap {gap:.3f} s")
    if poke_b is not None and g1 is not None:
        ck.ok(-0.2 <= g1 - poke_b <= 1.5, "receiving resumes right after the host queues its next packet (the poke)",
              f"first receive after the gap {g1 - poke_b:+.3f} s after the poke")
    if hogdone is not None and g0 is not None:
        ck.ok(abs(g0 - hogdone) <= 2.0, "the gap starts when the guest, free again, took the ring's buffers",
              f"last receive before the gap {g0 - hogdone:+.3f} s after the busy loop")
        before = len([t for t in recv if t <= g0])
        # the ring holds 128 buffers; the connection's REQUEST took one before the burst
        ck.ok(120 <= before <= 128, "a ring's worth of packets (one 1 KiB packet per buffer, <= 128) arrived before the gap",
              f"{before} receives")
    stalls = [f for f in doc.get("findings", []) if f["kind"] == "delivery_stall"]
    ab = [f for f in stalls if f["direction"] == "a_to_b"]
    ck.ok(len(ab) >= 1, "delivery_stall on a_to_b (host -> guest)",
          "; ".join(f"{f['direction']} {fmt_s(f['duration_ns'])} worst {fmt_s(f['worst_latency_ns'])} "
                    f"end {fmt_s(f['end']['b_ns'])}" for f in stalls) or "none")
    if ab and poke_b is not None:
        end_b = max((f["end"]["b_ns"] or 0) / S for f in ab)
        ck.ok(end_b >= poke_b - 0.2, "the stalled packets arrive only after the poke", f"last late arrival "
              f"{end_b - poke_b:+.3f} s after the poke")
    conns = [c for c in doc.get("connections", []) if c["a_to_b"]["packets_sent"]]
    ck.ok(len(conns) == 1 and all(c["a_to_b"]["bytes_received"] == c["a_to_b"]["bytes_sent"] == 200 * 1024
                                  and c["a_to_b"]["lost"] == 0 for c in conns),
          "every byte of the burst was delivered in the end",
          "; ".join(f"sent {c['a_to_b']['bytes_sent']} B received {c['a_to_b']['bytes_received']} B lost "
                    f"{c['a_to_b']['lost']}" for c in conns))
    ck.ok("undelivered" not in kinds(doc), "no undelivered packet (the link recovered)", str(kinds(doc)))


def sc_seed(ck, doc):
    fc = fault_counters(ck, "guest")
    frag, unfrag = trace_mark(ck, "guest", "guest.fragmenting"), trace_mark(ck, "guest", "guest.unfragmented")
    recv = rw_receives(ck, "guest", 5555)
    last = max(recv) if recv else None
    print(f"info seed: host RW sends to 5555 {len(rw_sends(ck, 'host', 5555))}, guest RW receives {len(recv)}; "
          f"fragmenting at guest {frag}, memory back at {unfrag}, last guest receive at {last}")
    try:
        glog = open(os.path.join(ck.run, "guest.log"), errors="replace").read()
    except OSError:
        glog = ""
    if "write error: Cannot allocate memory" not in glog:
        # fragment.c left order-5 blocks free (seen: 7, in the DMA zone, with Debian's 6.1.0-57):
        # the guest's memory was never short of them, so the seed's failure was not staged
        try:
            frag_out = open(os.path.join(ck.run, "guest.frag"), errors="replace").read()
        except OSError:
            frag_out = ""
        left = next((l.strip() for l in frag_out.splitlines() if "order-5 units free now" in l), "")
        ck.staging_failed("the guest's own 64 KiB write never failed with ENOMEM: its memory was not "
                          "fragmented enough for the seed's failure (" + (left or "no fragment report") + "; "
                          f"vdfault {fc}; {len([t for t in recv if unfrag is not None and t > unfrag])} "
                          "receives after memory was back)")
        return
    ck.ok(doc.get("verdict") == "problems", "verdict problems", describe(doc))
    check_clock(ck, doc, two_sided=False)
    ck.ok(fc.get("rxfill_failed", 0) >= 1, "the guest's RX refills failed (no order-5 block for a 64 KiB RX buffer)",
          f"vdfault counters {fc}")
    if frag is not None and last is not None:
        ck.ok(last >= frag, "the guest received until its memory was fragmented", f"last receive {last - frag:+.3f} s")
    ck.ok("write error: Cannot allocate memory" in glog,
          "the guest's own 64 KiB write failed with ENOMEM once its memory was fragmented (a real order-5 failure)",
          next((l.strip() for l in glog.splitlines() if "5556" in l or "write error" in l), ""))
    af = [f for f in doc.get("findings", []) if f["kind"] == "allocation_failure" and f["side"] == "b"
          and f["severity"] == "error"]
    ck.ok(len(af) >= 1, "allocation_failure on the guest (the receiving partition)",
          "; ".join(f["summary"] for f in af) or str(kinds(doc)))
    late = [t for t in recv if unfrag is not None and t > unfrag]
    if late:
        # Seen in 1 of 4 runs on 6.1.0-57 (another did not fragment enough): the ring was
        # refilled once memory was back and the host's stream went on, so the seed's dead link,
        # and its undelivered packets, never happened. vsockdiag then rightly reports none:
        # what was staged is asserted above.
        ck.staging_failed(f"the guest received again once its memory was back ({len(late)} receives, the first "
                          f"{late[0] - unfrag:.3f} s after): its RX ring was refilled, so the seed's dead link "
                          f"was not staged (vdfault {fc}; the allocation failures were asserted)")
        return
    ck.ok(True, "nothing is received once memory is back (nothing retries a refill)", "0 receives after fragment exited")
    ud = undelivered(doc, "a_to_b")
    ck.ok(len(ud) >= 1 and sum(f["bytes"] for f in ud) >= 65536, "undelivered on a_to_b: the host's packets are "
          "never received", "; ".join(f"{f['count']} pkts/{f['bytes']} B" for f in ud) or "none")
    if af and ud:
        a0 = min(t for t in (finding_start_b(doc, f) for f in af) if t is not None)
        u0 = min(t for t in (finding_start_b(doc, f) for f in ud) if t is not None)
        ck.ok(a0 <= u0, "the allocation failures come first, then the undelivered packets",
              f"first failure {a0:.3f} s, first undelivered send {u0:.3f} s (guest clock)")
        inc = {i["id"]: i for i in doc.get("incidents", [])}
        leads = [inc[f["incident"]]["lead_kind"] for f in ud if f.get("incident") in inc]
        ck.ok(leads and all(k == "allocation_failure" for k in leads),
              "the report leads the undelivered packets' incident with the allocation failure", str(leads))


# --- adb over vsock (tests/lab/adb.sh: Debian's adb against tests/lab/adbd_lab.c) -----------

ADB_CMDS = {0x4e584e43: "CNXN", 0x48545541: "AUTH", 0x4e45504f: "OPEN", 0x59414b4f: "OKAY",
            0x45534c43: "CLSE", 0x45545257: "WRTE", 0x434e5953: "SYNC"}


def payload_lines(ck, side, port=5555):
    """[(kind-values)] of SIDE's `vsockdiag-bpf payload` lines on PORT"""
    return [kv for k, kv in bpf_markers(ck, side) if k == "payload"
            and any(kv.get(e, "").endswith(f":{port}") for e in ("src", "dst"))]


def adb_header(head):
    """the adb command of a payload head holding a whole 24-byte adb header, else None"""
    if len(head) != 48:
        return None
    try:
        b = bytes.fromhex(head)
    except ValueError:
        return None
    cmd, magic = int.from_bytes(b[0:4], "little"), int.from_bytes(b[20:24], "little")
    return ADB_CMDS.get(cmd) if magic == cmd ^ 0xffffffff else None


def load_results(ck, side):
    """the `result KEY VALUE ...` lines of RUNDIR/SIDE.load as {KEY: VALUE}"""
    out = {}
    try:
        with open(os.path.join(ck.run, side + ".load"), errors="replace") as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[0] == "result":
                    out.update(dict(zip(w[1::2], w[2::2])))
    except OSError:
        pass
    return out


def sc_adb(ck, doc):
    stall_s = float(os.environ.get("LAB_ADB_STALL_SECONDS", "10"))
    res = load_results(ck, "host")
    ck.ok(res.get("echo_ok") == "3", "healthy: adb shell echo answered right 3 times (Debian's adb, plain shell:)",
          f"client results {res}")
    ck.ok(res.get("stall_client_exit") == "124", "stalled: the adb client timed out (its WRTE never acknowledged)",
          f"client results {res}")
    check_clock(ck, doc)
    # payload heads: the recorder keeps the first bytes of every RW packet on 5555 by default
    heads = {}
    for side in ("host", "guest"):
        pl = payload_lines(ck, side)
        cmds = {}
        for kv in pl:
            c = adb_header(kv.get("head", "-"))
            if c:
                cmds.setdefault((kv.get("dir"), c), 0)
                cmds[(kv.get("dir"), c)] += 1
        heads[side] = cmds
        print(f"info adb: {side}: {len(pl)} payload lines on 5555 ({sum(1 for kv in pl if kv.get('head') != '-')} "
              f"with a head); adb headers in them: {dict(sorted(cmds.items()))}")
        ck.ok(len(pl) >= 20, f"{side}: payload heads recorded on port 5555", f"{len(pl)} payload lines")
    # the client (host) sends CNXN, OPEN, OKAY, WRTE; adbd_lab (guest) CNXN, OKAY, WRTE, CLSE:
    # each header is its own write(), its own packet, its whole 24 bytes in the head
    for side, mine, theirs in (("host", "tx", "rx"), ("guest", "rx", "tx")):
        h = heads[side]
        ck.ok(h.get((mine, "CNXN"), 0) >= 2 and h.get((theirs, "CNXN"), 0) >= 2 and h.get((mine, "OPEN"), 0) >= 4
              and h.get((theirs, "WRTE"), 0) >= 3,
              f"{side}: the adb headers are in the payload heads (CNXN both ways on both connections, "
              f"4 OPENs from the client, the echo outputs' WRTEs)", str(dict(sorted(h.items()))))
    conns = sorted((c for c in doc.get("connections", []) if 5555 in (c["tuple"]["a_port"], c["tuple"]["b_port"])
                    and (c["a_to_b"]["packets_sent"] or c["b_to_a"]["packets_sent"])),
                   key=lambda c: c["opened"]["a_ns"] or 0)
    named = {}
    for f in doc.get("findings", []):
        named.setdefault(f["connection"], []).append(f"{f['kind']}({f['severity']})")
    print(f"info adb: findings by connection: {named}")
    for c in conns:
        for d in ("a_to_b", "b_to_a"):
            x = c[d]
            print(f"info adb: conn {c['id']} {d}: sent {x['packets_sent']}/{x['bytes_sent']} B, received "
                  f"{x['packets_received']}/{x['bytes_received']} B, lost {x['lost']}, missing {x['missing_at_end']}, "
                  f"max latency {fmt_s(x['max_latency_ns'])}")
    ck.ok(len(conns) == 2 and all(c["initiator"] == "a" for c in conns),
          "two adb connections to the guest's port 5555, both opened by the host's adb server",
          ", ".join(f"conn {c['id']} initiator {c['initiator']} end {c['end']}" for c in conns))
    if len(conns) != 2:
        return
    healthy, stalled = conns
    bad = [f for f in doc.get("findings", []) if f["connection"] == healthy["id"]
           and f["severity"] in ("error", "warning")]
    ck.ok(not bad, "healthy: no finding on the shell session's connection", str([f["kind"] for f in bad]))
    for d in ("a_to_b", "b_to_a"):
        x = healthy[d]
        ck.ok(x["bytes_sent"] > 0 and x["bytes_received"] == x["bytes_sent"] and x["lost"] == 0
              and x["missing_at_end"] == 0, f"healthy: {d}: every byte delivered",
              f"sent {x['bytes_sent']} B received {x['bytes_received']} B")
    st = [f for f in doc.get("findings", []) if f["kind"] == "credit_starvation" and f["connection"] == stalled["id"]]
    # the kernel's own counters (the host's BPF credit snapshots of its socket): the host really
    # had no credit left, not only by the model (adbd_lab's 4 KiB buffer and a WRTE over 4 KiB)
    port = stalled["tuple"]["a_port"]
    zero = [kv for k, kv in bpf_markers(ck, "host") if k == "credit" and kv.get("local", "").endswith(f":{port}")
            and all(kv.get(x, "").isdigit() for x in ("tx_cnt", "peer_fwd_cnt", "peer_buf_alloc"))
            and (int(kv["tx_cnt"]) - int(kv["peer_fwd_cnt"])) % 2**32 >= int(kv["peer_buf_alloc"])]
    if any(k == "credit" for k, _ in bpf_markers(ck, "host")):
        ck.ok(len(zero) >= 2, "stalled: the host's own socket counters show zero credit (tx_cnt - peer_fwd_cnt >= "
              "peer_buf_alloc)", f"{len(zero)} snapshots of 2:{port} at zero credit")
    ck.ok(any(f["direction"] == "a_to_b" for f in st),
          "stalled: credit_starvation host -> guest (adbd_lab stopped reading mid-WRTE)",
          "; ".join(f"{f['direction']} {fmt_s(f['duration_ns'])} {f['severity']}: {f.get('cause')}" for f in st)
          or str(named.get(stalled["id"])))
    ab = [f for f in st if f["direction"] == "a_to_b"]
    t_start, t_out = trace_mark(ck, "host", "host.stall.start"), trace_mark(ck, "host", "host.stall.timeout")
    t_close = max((t for t, r in trace_events(ck, "host", "virtio_transport_alloc_pkt")
                   if f":{port} -> " in r and " op=SHUTDOWN " in r), default=None)
    if ab and t_start is not None and t_out is not None:
        f = ab[0]
        a0, a1 = (f["start"]["a_ns"] or 0) / S, (f["end"]["a_ns"] or 0) / S
        ck.ok(t_start <= a0 <= t_start + 5.0 and a1 >= t_out - 0.5,
              "stalled: the starvation starts with the stalled stream and lasts until the client gave up "
              f"({stall_s:g} s)", f"starvation {a0:.3f}..{a1:.3f} s, stream opened at {t_start:.3f} s, client timed "
              f"out at {t_out:.3f} s (host clock)")
        if t_close is not None:
            ck.ok(a1 <= t_close + 2.0, "stalled: the starvation ends when the connection closes (the host's SHUTDOWN)",
                  f"starvation ends {a1:.3f} s, SHUTDOWN sent at {t_close:.3f} s (host clock)")
        cause = (f.get("cause") or "").lower()
        ck.ok("not reading" in cause or "not read" in cause,
              "stalled: classified as the application (adbd) not reading", f"cause: {f.get('cause')}")
    others = [f["kind"] for f in unexpected_errors(ck, doc, ("credit_starvation", "adb_write_unacked"))]
    ck.ok(not others, "no other error finding", str(others))

    # adb, decoded from the payload heads (analyzers/adb/): per stream, from real adb traffic
    ha, sa = healthy.get("adb"), stalled.get("adb")
    ck.ok(ha is not None and sa is not None, "adb decoded on both connections (an adb block each)")
    if not ha or not sa:
        return
    hs = ha["streams"]
    ck.ok(sorted(x["service"] for x in hs) == [f"shell:echo hello-{i}" for i in (1, 2, 3)]
          and all(x["state"] == "closed" and x["opened_by"] == "a" and x["a_id"] and x["b_id"] for x in hs),
          "healthy: three streams shell:echo hello-1..3, opened by the host's adb, both ids known, closed",
          "; ".join(f"{x['a_id']}/{x['b_id']} {x['service']} {x['state']} by {x['opened_by']}" for x in hs))
    ck.ok(all(x["b_to_a"]["sent_bytes"] == len("hello-N\n") and x["b_to_a"]["unacked_wrtes"] == 0
              and x["a_to_b"]["unacked_wrtes"] == 0 for x in hs if x["b_to_a"]["sent_bytes"] is not None),
          "healthy: each echo's output is one WRTE of 8 bytes from adbd, OKAYed",
          "; ".join(f"{x['service']}: {x['b_to_a']}" for x in hs))
    for c, name in ((ha, "healthy"), (sa, "stalled")):
        ends = c["ends"]
        ck.ok(ends["a"]["cnxn"] and ends["b"]["cnxn"] and ends["a"]["banner"].startswith("host::")
              and ends["b"]["banner"].startswith("device::ro.product.name=vsocklab")
              and ends["a"]["version"] == ends["b"]["version"] == 0x01000001,
              f"{name}: CNXN both ways: host:: from the client, device::...vsocklab from adbd_lab, version 0x01000001",
              f"a {ends['a']['banner']!r} b {ends['b']['banner']!r}")
    ss = sa["streams"]
    ck.ok(len(ss) == 1 and ss[0]["service"] == "shell:cat > /dev/null" and ss[0]["state"] == "open",
          "stalled: one stream shell:cat > /dev/null, still open", str([(x["service"], x["state"]) for x in ss]))
    un = [f for f in doc.get("findings", []) if f["kind"] == "adb_write_unacked"]
    ck.ok(len(un) == 1 and un[0]["connection"] == stalled["id"] and un[0]["direction"] == "a_to_b"
          and un[0]["severity"] == "error" and "shell:cat > /dev/null" in un[0]["summary"],
          "stalled: adb_write_unacked: the client's WRTE on shell:cat > /dev/null never OKAYed (the adb-level stall)",
          "; ".join(f"conn {f['connection']} {f['direction']}: {f['summary']}" for f in un) or "none")
    if un:
        ck.ok("never sent the okay" in (un[0].get("cause") or "").lower(),
              "stalled: the guest received the WRTE and never sent the OKAY (its own payload heads say so)",
              un[0].get("cause"))
    ck.ok(not [f for f in doc.get("findings", []) if f["kind"].startswith("adb_") and f["connection"] == healthy["id"]]
          and not kinds(doc, "error").count("adb_handshake_failed"),
          "no adb finding on the healthy connection, no adb_handshake_failed")


# --- BPF evidence (doc/bpf-events.md): asserted only when a recording carries it -------------
# The finding kinds each scenario must produce once the recorder writes `vsockdiag-bpf` marker
# lines (other than `tier`/`lost` lines, which say how hooks attached, not what happened), in the
# order they must start. Scenarios not listed must produce none of NEW_KINDS then.
BPF_KINDS = {
    "rxstarve": ["rx_ring_empty"],
    "nokick": ["missing_kick"],
    "seed": ["allocation_failure", "rx_ring_empty", "undelivered"],
}
NEW_KINDS = ("rx_ring_empty", "missing_kick")


def bpf_markers(ck, side):
    """[(kind, {key: value})] of the vsockdiag-bpf lines in SIDE's recording"""
    out = []
    for _, r in trace_events(ck, side, "print"):
        _, sep, tail = r.partition("vsockdiag-bpf ")
        if not sep:
            continue
        words = tail.split()
        if words:
            out.append((words[0], dict(w.split("=", 1) for w in words[1:] if "=" in w)))
    return out


def finding_start_b(doc, f):
    st = f.get("start") or {}
    if st.get("b_ns") is not None:
        return st["b_ns"] / S
    return to_b(doc, st["a_ns"] / S) if st.get("a_ns") is not None else None


def check_bpf(ck, doc):
    marks = {side: bpf_markers(ck, side) for side in ("host", "guest")}
    evidence = {side: [k for k, _ in m if k not in ("tier", "lost")] for side, m in marks.items()}
    expected = BPF_KINDS.get(ck.scenario, [])
    if not any(evidence.values()):
        tiers = sum(1 for m in marks.values() for k, _ in m if k == "tier")
        on = sum(1 for m in marks.values() for k, kv in m if k == "tier" and kv.get("tier") != "off")
        # a recorder that attached hooks in the lab always records something (samples at least)
        ck.ok(on == 0, "hooks that attached recorded BPF evidence", f"{on} hooks on, no evidence line")
        print(f"info {ck.scenario}: no BPF evidence in the recordings ({tiers} tier lines): not asserted: "
              f"finding kinds {expected or 'none of ' + str(list(NEW_KINDS))}"
              + ("; vhostwait during the freeze" if ck.scenario == "stall" else ""))
        return
    print(f"info {ck.scenario}: BPF evidence: " + ", ".join(
        f"{side} {len(ev)} lines ({', '.join(sorted(set(ev)))})" for side, ev in evidence.items()))
    got = kinds(doc)
    for k in expected:
        ck.ok(k in got, f"with BPF evidence: a {k} finding", str(got))
    for k in NEW_KINDS:
        if k not in expected:
            ck.ok(k not in got, f"with BPF evidence: no {k} finding", str(got))
    if len(expected) > 1 and all(k in got for k in expected):
        starts = [min((t for t in (finding_start_b(doc, f) for f in doc["findings"] if f["kind"] == k)
                       if t is not None), default=None) for k in expected]
        ck.ok(None not in starts and starts == sorted(starts), "with BPF evidence: the findings start in the order "
              + " -> ".join(expected), ", ".join(f"{k} {t}" for k, t in zip(expected, starts)))
    if ck.scenario == "notread" and any(k == "credit" for k, _ in marks["host"]):
        # the receiver (the host) recorded alone: its own credit snapshots must show it
        # full and not reading, with its fwd_cnt and unread bytes, not "cannot tell"
        host = os.path.join(ck.run, "host.txt")
        p = subprocess.run([ck.vd, "--json", "report", host], capture_output=True, text=True)
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            rep = {}
        st = [f for f in rep.get("findings", []) if f["kind"] == "credit_starvation"]
        ev = " ".join(e for f in st for e in f.get("evidence", []))
        ck.ok(any("not reading" in (f.get("cause") or "").lower() for f in st),
              "with BPF evidence: the receiver's recording alone says it was not reading",
              "; ".join(f"{f['severity']}: {f.get('cause')}" for f in st) or f"no credit_starvation ({kinds(rep)})")
        ck.ok("fwd_cnt" in ev and ("unread" in ev or "not read" in ev),
              "with BPF evidence: ... and shows its fwd_cnt and unread bytes", ev[:300])
    if ck.scenario == "stall":
        stop, cont = trace_mark(ck, "host", "host.stopped"), trace_mark(ck, "host", "host.continued")
        waits = [int(kv["t"]) / S for k, kv in marks["host"] if k == "vhostwait" and kv.get("t", "").isdigit()]
        if stop is not None and cont is not None:
            ck.ok(any(stop - 0.5 <= t <= cont + 0.5 for t in waits),
                  "with BPF evidence: vhost waits for guest buffers during the freeze (vhostwait on the host)",
                  f"{len(waits)} vhostwait lines; freeze {stop:.3f}..{cont:.3f} s (host trace clock)")
        st = [f for f in doc.get("findings", []) if f["kind"] == "delivery_stall" and f["direction"] == "a_to_b"]
        ck.ok(any("vhost" in e for f in st for e in f.get("evidence", [])),
              "with BPF evidence: the stall's evidence names vhost waiting for guest buffers",
              "; ".join(e for f in st for e in f.get("evidence", []))[:300])


# --- vsockdiag top, run live in the partitions beside the recorder (scripts/lab/vm.sh) -------

def top_ran_live(ck):
    """a lab run (scripts/lab/run.sh sets LAB_LIVE=1) must hold top's live output; a shipped
    copy under examples/lab/ (tests/cli/lab_replay.sh) is checked on it only if it has it"""
    return os.environ.get("LAB_LIVE") == "1" or any(
        os.path.exists(os.path.join(ck.run, f)) for f in
        ("host.top.json", "guest.top.json", "guest-ovh.top.json", "overhead-top.txt"))


def top_samples(ck, side):
    """the JSON objects `vsockdiag top -b --json` printed live in SIDE (RUNDIR/SIDE.top.json)"""
    out = []
    try:
        with open(os.path.join(ck.run, f"{side}.top.json")) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def check_top_ran(ck, side):
    samples = top_samples(ck, side)
    ck.ok(len(samples) >= 3 and all(x.get("source") == "live" for x in samples),
          f"{side}: vsockdiag top -b --json ran live beside the recorder", f"{len(samples)} samples")
    rc = {}
    try:
        f = open(os.path.join(ck.run, f"{side}.top.rc")).read().split()
        rc = dict(zip(f[0::2], f[1::2]))
    except OSError:
        pass
    # top's exit status says whether it saw problems (0 or 1, as correlate's); 2 and up: an error
    ck.ok(rc.get("rc") in ("0", "1") and rc.get("instances_left") == "0",
          f"{side}: top stopped by SIGINT exits cleanly and leaves no tracefs instance", str(rc))
    if samples:
        lost = max(x.get("lost_events") or 0 for x in samples)
        print(f"info {ck.scenario}: {side} top: {len(samples)} samples, kernel {samples[0].get('kernel')}, "
              f"device {samples[-1].get('device')}, lost events {lost}, "
              f"cannot tell: {samples[-1].get('cannot_tell')}")
    return samples


def conns_on(sample, port):
    return [c for c in sample.get("connections", []) if port in (c.get("peer_port"), c.get("local_port"))]


def top_notread(ck):
    """the guest (the sender) sees its credit reach 0 and a credit_starvation finding while the
    host's reader sleeps (4 s), then the credit back once it reads"""
    g = check_top_ran(ck, "guest")
    h = check_top_ran(ck, "host")
    zero = [x for x in g if any(c.get("credit") == 0 for c in conns_on(x, 5555))]
    starving = [x for x in g if any(f["kind"] == "credit_starvation" and f.get("open") for f in x.get("findings", []))]
    both = [x for x in zero if x in starving]
    ck.ok(zero, "guest top (live): the not-reading connection's credit reaches 0",
          f"{len(zero)} samples with credit 0" + (f", first at {zero[0]['time']:.3f} s" if zero else ""))
    ages = [f.get("age") or 0 for x in starving for f in x["findings"] if f["kind"] == "credit_starvation"]
    ck.ok(starving and max(ages) >= 2.0,
          "guest top (live): a credit_starvation finding, open while the reader sleeps (age >= 2 s)",
          f"{len(starving)} samples, oldest {max(ages):.2f} s" if ages else "none")
    ck.ok(both, "guest top (live): credit 0 and the starvation finding in the same sample",
          f"{len(both)} samples")
    if zero:
        done = [x for x in g if x["time"] > zero[-1]["time"] or x is zero[-1]]
        sent = max((c.get("tx_bytes") or 0) for x in g for c in conns_on(x, 5555))
        ck.ok(sent == 16 * 65536 and any(c.get("state") == "closed" for x in done for c in conns_on(x, 5555)),
              "guest top (live): the transfer then completes (1 MiB sent, connection closed)",
              f"tx_bytes {sent}")
    # the same model on the same partition's recording: top -r of guest.dat sees what top saw live
    p = subprocess.run([ck.vd, "top", "-b", "-d", "1", "--json", "-r", os.path.join(ck.run, "guest.dat")],
                       capture_output=True, text=True)
    r = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    rz = any(c.get("credit") == 0 for x in r for c in conns_on(x, 5555))
    rk = sorted({f["kind"] for x in r for f in x.get("findings", [])})
    lk = sorted({f["kind"] for x in g for f in x.get("findings", [])})
    ck.ok(r and rz == bool(zero) and rk == lk,
          "guest: top live and top -r of the partition's recording agree (credit 0, finding kinds)",
          f"live {lk} credit 0: {bool(zero)}; replay {rk} credit 0: {rz}")
    # the receiver's side (BPF socket snapshots): its unread bytes while it sleeps
    seen = [(x["time"], c) for x in h for c in conns_on(x, 5555) if c.get("unread") is not None]
    for t, c in seen[:1] + seen[-1:]:
        print(f"info notread: host top at {t:.3f} s: unread {c.get('unread')} B, fwd_cnt {c.get('fwd_cnt')}, "
              f"state {c.get('state')}")


def top_stall(ck):
    """the guest's top is frozen with its partition: its samples jump over the freeze with the
    connection still open, and the stream flows again after it; the host's top samples through
    the freeze and sees its own stream go on"""
    n = float(os.environ.get("LAB_STALL_SECONDS", "3"))
    g = check_top_ran(ck, "guest")
    h = check_top_ran(ck, "host")
    gaps = [(a, b) for a, b in zip(g, g[1:]) if b["time"] - a["time"] >= 1.0 + 0.6 * n]
    ck.ok(len(gaps) == 1 and conns_on(gaps[0][0], 5555) and conns_on(gaps[0][1], 5555),
          f"guest top (live): one gap of about {n:g} s (frozen with its partition), the connection open across it",
          "; ".join(f"{a['time']:.3f} -> {b['time']:.3f} s" for a, b in gaps) or "no gap")
    if gaps:
        a, b = gaps[0]
        rx0 = max(c.get("rx_bytes") or 0 for c in conns_on(a, 5555))
        after = [x for x in g if x["time"] >= b["time"] and
                 any((c.get("rx_bytes") or 0) > rx0 for c in conns_on(x, 5555))]
        ck.ok(after, "guest top (live): the stream flows again after the freeze",
              f"rx_bytes {rx0} before, {max(c.get('rx_bytes') or 0 for c in conns_on(after[0], 5555))} "
              f"at {after[0]['time']:.3f} s" if after else "no progress after the gap")
        # Live, the frozen guest's own top cannot sample the freeze, and on the thaw vhost
        # delivers its backlog at once: whether a sample lands before that burst is timing.
        # The replay of the same partition's recording samples the freeze in recording time:
        # the connection idle for about as long as the partition was frozen.
        p = subprocess.run([ck.vd, "top", "-b", "-d", "0.5", "--json", "-r",
                            os.path.join(ck.run, "guest.dat")], capture_output=True, text=True)
        r = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        idle = [c.get("idle") for x in r for c in conns_on(x, 5555) if c.get("idle") is not None]
        ck.ok(max(idle or [0]) >= 0.6 * n,
              f"guest top -r of its recording: the connection idle for about {n:g} s (the stall)",
              f"longest idle {max(idle or [0]):.3f} s; live gap {b['time'] - a['time']:.3f} s")
    stop = read_mark(ck, "host.stopped")
    if stop is not None and h:
        during = [x for x in h if stop < x["time"] <= stop + n]
        tx = [max((c.get("tx_bytes") or 0) for c in conns_on(x, 5555)) for x in during if conns_on(x, 5555)]
        ck.ok(len(during) >= n - 1 and len(tx) >= 2 and tx[-1] > tx[0],
              "host top (live): samples through the freeze, its stream going on into vhost",
              f"{len(during)} samples in the freeze, tx_bytes {tx[0] if tx else '-'} -> {tx[-1] if tx else '-'}")
        seen = sorted({f["kind"] for x in h for f in x.get("findings", [])})
        print(f"info stall: host top findings seen: {seen}")


TOP_CHECKS = {"notread": top_notread, "stall": top_stall}


SCENARIOS = {"overhead": sc_overhead, "alloc": sc_alloc, "notread": sc_notread, "clean": sc_clean, "socat": lambda ck, doc: sc_clean(ck, doc, 6), "stall": sc_stall, "refused": sc_refused, "multi": sc_multi,
             "rxstarve": sc_rxstarve, "nokick": sc_nokick, "seed": sc_seed, "adb": sc_adb}


def shell_recorder(ck, doc):
    """The shell-only recorder ran beside vsockdiag record (RUN/host-sh.txt, guest-sh.txt):
    its files alone give the same verdict and error/warning findings, and the scenario's own
    assertions hold on them too (BPF evidence aside: the shell recorder has none)."""
    hs, gs = (os.path.join(ck.run, f"{s}-sh.txt") for s in ("host", "guest"))
    if not (os.path.exists(hs) or os.path.exists(gs)):
        return
    for role in ("host", "guest"):
        rcf = os.path.join(ck.run, f"{role}-sh.rc")
        st = open(rcf).read().split() if os.path.exists(rcf) else []
        ck.ok(st[:4] == ["rc", "0", "instances_left", "0"], f"shell recorder on the {role}: exit 0, no instance left",
              " ".join(st) or "no status file")
    rc, sh = ck.correlate(hs, gs, "correlate-sh.json")
    if "error" in sh:
        ck.ok(False, "shell recorder: correlate reads its files", sh["error"])
        return
    print(f"info {ck.scenario}: correlate (shell recorder) exit {rc}: {describe(sh)}")

    def serious(d):
        return sorted(f["kind"] for f in d.get("findings", []) if f.get("severity") in ("error", "warning"))
    ck.ok(sh.get("verdict") == doc.get("verdict") and serious(sh) == serious(doc),
          "shell recorder: the same verdict and findings as vsockdiag record's",
          f"shell {sh.get('verdict')} {serious(sh)}, record {doc.get('verdict')} {serious(doc)}")
    ck.prefix = "shell recorder: "
    SCENARIOS[ck.scenario](ck, sh)
    ck.prefix = ""


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
    if ck.staging:
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump({"scenario": scenario, "staging_failed": ck.staging, "assertions": ck.results}, f, indent=1)
        return 1 if ck.failed else 3  # what was staged and asserted failed: that counts
    check_bpf(ck, doc)
    shell_recorder(ck, doc)
    if scenario in TOP_CHECKS:
        if top_ran_live(ck):
            TOP_CHECKS[scenario](ck)
        else:
            print(f"info {scenario}: top's live output is not shipped with this copy: the lab "
                  "itself asserts it")
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
