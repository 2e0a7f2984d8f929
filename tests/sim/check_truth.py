#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare a `vsockdiag correlate --json` report with vdsim's truth.json.

  check_truth.py TRUTH.json REPORT.json [--exit-status N]
                                          exit 0 when the report recovers the truth,
                                          1 with a readable diff otherwise; N is
                                          correlate's exit status (0 iff nothing
                                          was injected, else 1)
  check_truth.py --verify-dumps DIR       check vdsim's own output: DIR/a.txt and
                                          DIR/b.txt agree with DIR/truth.json
                                          (every packet paired or listed as undelivered)
  check_truth.py --self-test              prove that this checker rejects wrong
                                          reports (tests/sim/testdata/ + mutations)

Standard library only.
"""

import collections
import copy
import json
from collections import defaultdict
import os
import re
import sys

STALL_START_TOL_NS = 300_000_000
STALL_REL_TOL = 0.25
STALL_ABS_TOL_NS = 50_000_000
CLOCK_PRINT_TOL_NS = 2_000          # timestamps are printed in microseconds
CLOCK_ENDS_EXTRA_NS = 100_000       # drift error allowed at the recording ends
CLEAN_MAX_UNCERTAINTY_NS = 1_000_000
GATED_KINDS = ("undelivered", "delivery_stall", "connection_refused", "request_unanswered")


def dir_sender(direction):
    return "a" if direction == "a_to_b" else "b"


def true_offset_at(truth, t_a):
    return truth["offset_ns"] + truth["drift_ppm"] * 1e-6 * t_a


def fmt_ns(ns):
    return "%d.%09d" % divmod(int(ns), 1_000_000_000)


def intval(x):
    return isinstance(x, int) and not isinstance(x, bool)


# --------------------------------------------------------------------------
# report vs truth

def check_receive_counts(rep, errs):
    """Every receive is counted exactly once: paired with a send, or an orphan."""
    for c in rep.get("connections") or []:
        for d in ("a_to_b", "b_to_a"):
            cd = c.get(d) or {}
            keys = ("packets_received", "receives_matched", "orphan_receives")
            if not any(k in cd for k in keys):
                continue  # a hand-made report without receive detail (self-test)
            if not all(intval(cd.get(k)) for k in keys):
                errs.append("connection %s %s: receive counts missing" % (c.get("id"), d))
                continue
            if cd["packets_received"] != cd["receives_matched"] + cd["orphan_receives"]:
                errs.append("connection %s %s: %s packets received, but %s matched + %s orphans" %
                            (c.get("id"), d, cd.get("packets_received"),
                             cd.get("receives_matched"), cd.get("orphan_receives")))


def compare(truth, rep):
    """Return (errors, notes): lists of strings."""
    errs, notes = [], []
    injected = bool(truth.get("injected"))

    if not isinstance(rep, dict):
        return ["report is not a JSON object"], notes

    verdict = rep.get("verdict")
    want = "problems" if injected else "healthy"
    # a half-closed connection is a warning: alone, it makes the verdict inconclusive
    only_warnings = injected and truth.get("half_closed", 0) and not any(
        truth.get(k) for k in ("undelivered", "stalls", "refused", "unanswered", "noreads",
                               "silences", "alloc_failures"))
    if only_warnings:
        want = "inconclusive"
    if verdict != want:
        errs.append("verdict: got %r, want %r (injected=%s)" % (verdict, want, injected))

    check_clock(truth, rep, injected, errs, notes)
    check_receive_counts(rep, errs)
    conns = rep.get("connections")
    if isinstance(conns, list) and len(conns) != truth.get("connections"):
        notes.append("info: %d connections reported, truth has %d (not checked)" %
                     (len(conns), truth.get("connections")))

    findings = rep.get("findings")
    if not isinstance(findings, list):
        errs.append("findings: missing or not a list")
        return errs, notes
    bykind = collections.defaultdict(list)
    for i, f in enumerate(findings):
        if not isinstance(f, dict) or not isinstance(f.get("kind"), str):
            errs.append("findings[%d]: not an object with a string 'kind'" % i)
            continue
        bykind[f["kind"]].append(f)

    check_undelivered(truth, bykind.get("undelivered", []), errs)
    check_stalls(truth, bykind.get("delivery_stall", []), errs)
    check_noreads(truth, bykind.get("credit_starvation", []), errs)
    check_allocfail(truth, bykind.get("allocation_failure", []), errs)
    got_hc = len(bykind.get("half_closed", []))
    if got_hc != truth.get("half_closed", 0):
        errs.append("half_closed: %d reported, truth %d" % (got_hc, truth.get("half_closed", 0)))
    for kind, key in (("connection_refused", "refused"), ("request_unanswered", "unanswered")):
        fs = bykind.get(kind, [])
        got = sum(f.get("count", 1) if intval(f.get("count", 1)) else 1 for f in fs)
        want_n = len(truth.get(key, []))
        if got != want_n:
            errs.append("%s: %d reported (in %d findings), truth has %d %s" %
                        (kind, got, len(fs), want_n,
                         json.dumps(truth.get(key, []))))
    for kind, fs in sorted(bykind.items()):
        if kind not in GATED_KINDS:
            notes.append("info: %d finding(s) of kind %r (not checked)" % (len(fs), kind))
    return errs, notes


def check_clock(truth, rep, injected, errs, notes):
    clk = rep.get("clock")
    if not isinstance(clk, dict):
        errs.append("clock: missing")
        return
    if clk.get("aligned") is not True:
        errs.append("clock.aligned: got %r, want true" % clk.get("aligned"))
    for k in ("offset_ns", "uncertainty_ns", "ref_a_ns"):
        if not intval(clk.get(k)):
            errs.append("clock.%s: missing or not an integer (%r)" % (k, clk.get(k)))
            return
    drift = clk.get("drift_ppm", 0.0)
    if not isinstance(drift, (int, float)) or isinstance(drift, bool):
        errs.append("clock.drift_ppm: not a number (%r)" % (drift,))
        return
    # every packet of the scenario pairs (vdsim --bulk): the clock must come from those pairs,
    # not stay the vote's coarse estimate
    if truth.get("clock_fitted"):
        note = clk.get("note")
        if not isinstance(note, str) or not note.startswith("from ") or clk.get("inconsistent"):
            errs.append("clock: not fitted from the paired packets (note %r, inconsistent %r)" %
                        (note, clk.get("inconsistent")))
    off, unc, ref = clk["offset_ns"], clk["uncertainty_ns"], clk["ref_a_ns"]
    if unc < 0:
        errs.append("clock.uncertainty_ns is negative (%d)" % unc)
    want = true_offset_at(truth, ref)
    err = off - want
    if abs(err) > unc + CLOCK_PRINT_TOL_NS:
        errs.append("clock.offset_ns: %d at ref_a_ns %s, true offset there %.0f: error %.0f ns "
                    "> uncertainty %d + %d" % (off, fmt_ns(ref), want, err, unc,
                                               CLOCK_PRINT_TOL_NS))
    if not injected and unc >= CLEAN_MAX_UNCERTAINTY_NS:
        errs.append("clock.uncertainty_ns: %d on a clean scenario (want < %d)" %
                    (unc, CLEAN_MAX_UNCERTAINTY_NS))
    elif unc >= CLEAN_MAX_UNCERTAINTY_NS:
        notes.append("note: clock.uncertainty_ns %d >= 1 ms" % unc)
    # the mapping must hold over the whole recording, not only at ref: drift
    for t_a in truth.get("a_window", []):
        est = off + drift * 1e-6 * (t_a - ref)
        e = est - true_offset_at(truth, t_a)
        if abs(e) > unc + CLOCK_PRINT_TOL_NS + CLOCK_ENDS_EXTRA_NS:
            errs.append("clock: at A %s the model says B-A = %.0f, truth %.0f (error %.0f ns; "
                        "drift_ppm %.4f vs true %.4f)" %
                        (fmt_ns(t_a), est, true_offset_at(truth, t_a), e, drift,
                         truth["drift_ppm"]))
    notes.append("clock: offset error %.0f ns, uncertainty %d ns, drift %.4f ppm (true %.4f)" %
                 (err, unc, drift, truth["drift_ppm"]))


def check_undelivered(truth, fs, errs):
    want = collections.Counter((u["direction"], u["sent_ns"], u["len"])
                               for u in truth.get("undelivered", []))
    ops = {(u["direction"], u["sent_ns"], u["len"]): u.get("op", "?")
           for u in truth.get("undelivered", [])}
    got = collections.Counter()
    total = 0
    truncated = False
    per_dir = collections.Counter()
    for i, f in enumerate(fs):
        pk = f.get("packets", [])
        if not isinstance(pk, list):
            errs.append("undelivered finding %d: packets is not a list" % i)
            continue
        cnt = f.get("count", len(pk))
        if not intval(cnt):
            errs.append("undelivered finding %d: count is not an integer" % i)
            cnt = len(pk)
        if cnt < len(pk):
            errs.append("undelivered finding %d: count %d < %d packets listed" %
                        (i, cnt, len(pk)))
        if cnt > len(pk):
            truncated = True
        total += cnt
        per_dir[f.get("direction")] += cnt
        for p in pk:
            d = p.get("direction", f.get("direction")) if isinstance(p, dict) else None
            if not isinstance(p, dict) or not intval(p.get("sent_ns")) or not intval(p.get("len")):
                errs.append("undelivered finding %d: bad packet %r" % (i, p))
                continue
            got[(d, p["sent_ns"], p["len"])] += 1

    def show(c, limit=12):
        items = sorted(c.elements(), key=lambda k: (k[1], k[0] or ""))
        s = ", ".join("%s %s len=%d%s" % (k[0], fmt_ns(k[1]), k[2],
                                           (" " + ops[k]) if k in ops else "")
                      for k in items[:limit])
        return s + (" ... (+%d)" % (len(items) - limit) if len(items) > limit else "")

    if truncated:
        if total != sum(want.values()):
            errs.append("undelivered: %d reported (lists truncated), truth has %d" %
                        (total, sum(want.values())))
        extra = got - want
        if extra:
            errs.append("undelivered: listed but not in truth: " + show(extra))
        want_dir = collections.Counter(k[0] for k in want.elements())
        for d in ("a_to_b", "b_to_a"):
            if per_dir.get(d, 0) != want_dir.get(d, 0):
                errs.append("undelivered %s: %d reported, truth %d" %
                            (d, per_dir.get(d, 0), want_dir.get(d, 0)))
        return
    missing, extra = want - got, got - want
    if missing:
        errs.append("undelivered: %d missing from the report: %s" %
                    (sum(missing.values()), show(missing)))
    if extra:
        errs.append("undelivered: %d reported that the truth does not have: %s" %
                    (sum(extra.values()), show(extra)))


def within(got, want):
    tol = STALL_REL_TOL * want + STALL_ABS_TOL_NS
    return intval(got) and abs(got - want) <= tol


def check_stalls(truth, fs, errs):
    left = list(fs)
    for s in truth.get("stalls", []):
        key = "a_ns" if s["direction"] == "a_to_b" else "b_ns"
        best, bestd = None, None
        for f in left:
            st = f.get("start") if isinstance(f.get("start"), dict) else {}
            if f.get("direction") != s["direction"] or not intval(st.get(key)):
                continue
            d = abs(st[key] - s["start_ns"])
            if d <= STALL_START_TOL_NS and (bestd is None or d < bestd):
                best, bestd = f, d
        if best is None:
            errs.append("delivery_stall %s starting %s (sender clock) lasting %.3f s: not "
                        "reported (no %s stall starting within 300 ms)" %
                        (s["direction"], fmt_ns(s["start_ns"]), s["duration_ns"] / 1e9,
                         s["direction"]))
            continue
        left.remove(best)
        for k in ("duration_ns", "worst_latency_ns"):
            if not within(best.get(k), s["duration_ns"]):
                errs.append("delivery_stall %s at %s: %s %r, want %d +-25%% +50 ms" %
                            (s["direction"], fmt_ns(s["start_ns"]), k, best.get(k),
                             s["duration_ns"]))
    for f in left:
        errs.append("delivery_stall reported that was not injected: %s" %
                    json.dumps({k: f.get(k) for k in ("direction", "start", "duration_ns",
                                                       "worst_latency_ns")}))


def check_allocfail(truth, fs, errs):
    """Per side: one allocation_failure finding counting exactly the real failures
    (the opportunistic ones with __GFP_NORETRY|__GFP_NOWARN are not counted), as an
    error; no such error on a side where nothing really failed."""
    want = defaultdict(int)
    for a in truth.get("alloc_failures", []):
        want[a["side"]] += a["real"]
    got = defaultdict(int)
    for f in fs:
        if f.get("severity") == "error":
            got[f.get("side")] += f["count"] if intval(f.get("count")) else 0
    for side in ("a", "b"):
        if got[side] != want[side]:
            errs.append("allocation_failure on %s: %d real failures reported, truth %d" %
                        (side, got[side], want[side]))


def check_noreads(truth, fs, errs):
    """A receiving application that stops reading must show up as credit starvation
    in that direction, classified as 'not reading', starting inside the window
    (in the receiver's clock), on at least one connection; and no finding may call
    an application 'not reading' outside such a window."""
    windows = truth.get("noreads", [])
    used = set()
    # a silent receiver (consumes, advertises nothing) must read as "advertised late"
    for w in truth.get("silences", []):
        key = "b_ns" if w["direction"] == "a_to_b" else "a_ns"
        hit = False
        for i, f in enumerate(fs):
            st = f.get("start") if isinstance(f.get("start"), dict) else {}
            if (f.get("direction") == w["direction"] and intval(st.get(key)) and
                    w["start_ns"] <= st[key] <= w["start_ns"] + w["duration_ns"] and
                    "advertised late" in (f.get("cause") or "")):
                hit = True
                used.add(i)
        if not hit:
            errs.append("credit_starvation %s (receiver silent at %s for %.3f s): not "
                        "reported as 'advertised late'" %
                        (w["direction"], fmt_ns(w["start_ns"]), w["duration_ns"] / 1e9))
    for w in windows:
        key = "b_ns" if w["direction"] == "a_to_b" else "a_ns"
        hit = None
        for i, f in enumerate(fs):
            st = f.get("start") if isinstance(f.get("start"), dict) else {}
            if (f.get("direction") == w["direction"] and intval(st.get(key)) and
                    w["start_ns"] <= st[key] <= w["start_ns"] + w["duration_ns"] and
                    "stopped reading" in (f.get("cause") or "")):
                hit = i
                used.add(i)
        if hit is None:
            errs.append("credit_starvation %s (receiver stops reading at %s for %.3f s): "
                        "not reported as 'not reading'" %
                        (w["direction"], fmt_ns(w["start_ns"]), w["duration_ns"] / 1e9))
    for i, f in enumerate(fs):
        if i not in used and "stopped reading" in (f.get("cause") or ""):
            errs.append("credit_starvation blames a reader that did not stop: %s" %
                        json.dumps({k: f.get(k) for k in ("direction", "connection", "start")}))


# --------------------------------------------------------------------------
# vdsim's own output against its truth (the simulator's self-consistency)

LINE_RE = re.compile(
    r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(?P<cpu>\d+)\]\s+"
    r"(?:(?P<flags>[.a-zA-Z0-9]{4,5})\s+)?(?P<sec>\d+)\.(?P<usec>\d{6}):\s+"
    r"(?P<event>\w+):\s+(?P<payload>.*)$")
PKT_RE = re.compile(
    r"^(\d+):(\d+) -> (\d+):(\d+) len=(\d+) type=(\w+) op=(\w+) flags=0x([0-9a-f]+)"
    r"(?: buf_alloc=(\d+) fwd_cnt=(\d+))?$")
ENTRIES_RE = re.compile(r"^# entries-in-buffer/entries-written: (\d+)/(\d+)\s+#P:(\d+)")


def parse_dump(path, errs):
    evs, lines, entries = [], 0, None
    last = -1
    with open(path) as fp:
        for n, line in enumerate(fp, 1):
            line = line.rstrip("\n")
            m = ENTRIES_RE.match(line)
            if m:
                entries = int(m.group(1))
            if line.startswith("#") or line.startswith("cpus=") or not line:
                continue
            m = LINE_RE.match(line)
            if not m:
                errs.append("%s:%d: unparsable line %r" % (path, n, line))
                continue
            lines += 1
            ts = int(m.group("sec")) * 1_000_000_000 + int(m.group("usec")) * 1000
            if ts < last:
                errs.append("%s:%d: timestamp goes backwards" % (path, n))
            last = ts
            ev = m.group("event")
            if ev not in ("virtio_transport_alloc_pkt", "virtio_transport_recv_pkt"):
                continue
            p = PKT_RE.match(m.group("payload"))
            if not p:
                errs.append("%s:%d: bad vsock payload %r" % (path, n, m.group("payload")))
                continue
            evs.append({"ts": ts, "alloc": ev.endswith("alloc_pkt"),
                        "flow": tuple(int(p.group(i)) for i in range(1, 5)),
                        "len": int(p.group(5)), "op": p.group(7), "line": n,
                        "has_credit": p.group(9) is not None})
    if entries is not None and entries != lines:
        errs.append("%s: header says %d entries, file has %d" % (path, entries, lines))
    return evs, lines


def verify_dumps(d):
    """Pair every alloc with its recv(s) using the TRUE clock; the unpaired
    ones must be exactly the truth's undelivered (where provable)."""
    errs, notes = [], []
    truth = json.load(open(os.path.join(d, "truth.json")))
    a, na = parse_dump(os.path.join(d, "a.txt"), errs)
    b, nb = parse_dump(os.path.join(d, "b.txt"), errs)
    if [na, nb] != [truth["lines"]["a"], truth["lines"]["b"]]:
        errs.append("line counts %d/%d differ from truth %r" % (na, nb, truth["lines"]))
    for side, evs, win in (("a", a, truth["a_window"]), ("b", b, truth["b_window"])):
        if evs and (evs[0]["ts"] < win[0] or evs[-1]["ts"] > win[1]):
            errs.append("%s: vsock events outside the truth window" % side)
    und = collections.Counter((u["direction"], u["sent_ns"], u["len"])
                              for u in truth["undelivered"])
    worst = {"a_to_b": 0, "b_to_a": 0}
    unmatched_ok = 0

    def to_recv_clock(direction, ts):
        if direction == "a_to_b":
            return ts + true_offset_at(truth, ts)
        # invert t_b = t_a (1 + d) + off
        return (ts - truth["offset_ns"]) / (1 + truth["drift_ppm"] * 1e-6)

    for direction, snd, rcv, rwin in (("a_to_b", a, b, truth["b_window"]),
                                       ("b_to_a", b, a, truth["a_window"])):
        flows = collections.defaultdict(lambda: ([], []))
        for e in snd:
            if e["alloc"]:
                flows[e["flow"]][0].append(e)
        for e in rcv:
            if not e["alloc"]:
                flows[e["flow"]][1].append(e)
        swin = truth["a_window"] if direction == "a_to_b" else truth["b_window"]
        for flow, (al, rc) in flows.items():
            j = 0
            if al and rc:
                # midstream: the receiver saw packets sent before the sender recorded
                m0 = to_recv_clock(direction, al[0]["ts"])
                while (j < len(rc) and rc[j]["ts"] < m0 - 2000 and
                       rc[j]["ts"] < to_recv_clock(direction, swin[0]) + 5_000_000):
                    j += 1
                    unmatched_ok += 1
            for e in al:
                key = (direction, e["ts"], e["len"])
                if und[key] > 0:
                    und[key] -= 1
                    m = to_recv_clock(direction, e["ts"])
                    margin = min(m - rwin[0], rwin[1] - 2_000_000_000 - m)
                    if margin < 1_000_000:
                        errs.append("undelivered %r only %.0f ns inside the provable window" %
                                    (key, margin))
                    continue
                mapped = to_recv_clock(direction, e["ts"])
                if mapped < rwin[0] - 2_000_000:
                    unmatched_ok += 1   # arrived before the receiver recorded
                    continue
                need, k = e["len"], j
                ok = k < len(rc) and rc[k]["op"] == e["op"] and rc[k]["ts"] >= mapped - 2000
                if ok and e["op"] == "RW":
                    got = 0
                    while k < len(rc) and rc[k]["op"] == "RW" and got < need:
                        got += rc[k]["len"]
                        k += 1
                    ok = got == need
                else:
                    k += 1
                if ok:
                    worst[direction] = max(worst[direction], rc[j]["ts"] - mapped)
                    j = k
                    continue
                # unpaired: only fine where the receiver could not have seen it
                margin = min(mapped - rwin[0], rwin[1] - 2_000_000_000 - mapped)
                if margin >= 0:
                    errs.append("%s flow %r: alloc at %s.txt:%d (len %d %s) has no recv and "
                                "is not in truth.undelivered" %
                                (direction, flow, dir_sender(direction), e["line"], e["len"],
                                 e["op"]))
                    break
                unmatched_ok += 1
            # trailing: sent after the sender stopped recording
            while j < len(rc) and rc[j]["ts"] >= to_recv_clock(direction, swin[1]):
                j += 1
                unmatched_ok += 1
            if j < len(rc):
                errs.append("%s flow %r: %d recv(s) without an alloc, first at %s.txt:%d" %
                            (direction, flow, len(rc) - j,
                             "b" if direction == "a_to_b" else "a", rc[j]["line"]))
    left = +und
    if left:
        errs.append("truth.undelivered entries with no such alloc: %r" % list(left)[:5])
    notes.append("verify: %d/%d lines, worst latency a_to_b %.3f ms b_to_a %.3f ms, "
                 "%d unpaired outside the provable window, %d undelivered" %
                 (na, nb, worst["a_to_b"] / 1e6, worst["b_to_a"] / 1e6, unmatched_ok,
                  len(truth["undelivered"])))
    for s in truth["stalls"]:
        w = worst[s["direction"]]
        if not (s["duration_ns"] * 0.9 <= w <= s["duration_ns"] + 50_000_000):
            errs.append("stall %r: worst latency in that direction %.3f s" % (s, w / 1e9))
    return errs, notes


# --------------------------------------------------------------------------
# self-test

def perfect_report(truth):
    """What a correct correlate would say about this truth."""
    ref = truth["a_window"][0]
    rep = {"verdict": "problems" if truth["injected"] else "healthy",
           "clock": {"aligned": True, "offset_ns": round(true_offset_at(truth, ref)),
                     "uncertainty_ns": 40_000, "drift_ppm": truth["drift_ppm"],
                     "ref_a_ns": ref, "inconsistent": False,
                     "note": "from 100 A->B and 100 B->A packet pairs"},
           "connections": [{"id": i} for i in range(truth["connections"])],
           "findings": []}
    for d in ("a_to_b", "b_to_a"):
        pk = [{"sent_ns": u["sent_ns"], "len": u["len"]}
              for u in truth["undelivered"] if u["direction"] == d]
        if pk:
            rep["findings"].append({"kind": "undelivered", "direction": d, "connection": None,
                                    "count": len(pk), "packets": pk})
    for s in truth["stalls"]:
        sender = "a_ns" if s["direction"] == "a_to_b" else "b_ns"
        rep["findings"].append({"kind": "delivery_stall", "direction": s["direction"],
                                "connection": None, "count": 1,
                                "start": {sender: s["start_ns"] + 3_000_000},
                                "duration_ns": s["duration_ns"] - 2_000_000,
                                "worst_latency_ns": s["duration_ns"] + 1_000_000})
    for key, kind in (("refused", "connection_refused"), ("unanswered", "request_unanswered")):
        for _ in truth[key]:
            rep["findings"].append({"kind": kind, "direction": "b_to_a", "connection": 0,
                                    "count": 1})
    return rep


def self_test():
    here = os.path.dirname(os.path.abspath(__file__))
    tdir = os.path.join(here, "testdata")
    failures = 0
    ran = 0

    def expect(name, truth, rep, ok_wanted, must_mention=None):
        nonlocal failures, ran
        ran += 1
        errs, _ = compare(truth, rep)
        ok = not errs
        bad = ok != ok_wanted
        if not bad and must_mention and not any(must_mention in e for e in errs):
            bad = True
        if bad:
            failures += 1
            print("self-test FAIL %s: wanted %s, got %s" %
                  (name, "pass" if ok_wanted else "reject", errs or "pass"))

    # hand-written reports: NAME.pass.json must pass, NAME.fail.json must fail,
    # against the truth named in the report's "_truth" key
    for fn in sorted(os.listdir(tdir)):
        if not fn.endswith((".pass.json", ".fail.json")):
            continue
        rep = json.load(open(os.path.join(tdir, fn)))
        truth = json.load(open(os.path.join(tdir, rep.pop("_truth"))))
        rep.pop("_why", None)
        expect(fn, truth, rep, fn.endswith(".pass.json"))

    # mutations of a perfect report, for every truth in testdata
    for fn in sorted(os.listdir(tdir)):
        if not fn.endswith(".truth.json"):
            continue
        truth = json.load(open(os.path.join(tdir, fn)))
        good = perfect_report(truth)
        expect(fn + " perfect", truth, good, True)

        def mut(name, f, mention=None):
            r = copy.deepcopy(good)
            if f(r) is not False:
                expect("%s %s" % (fn, name), truth, r, False, mention)

        mut("offset +10ms", lambda r: r["clock"].__setitem__(
            "offset_ns", r["clock"]["offset_ns"] + 10_000_000), "clock.offset_ns")
        mut("not aligned", lambda r: r["clock"].__setitem__("aligned", False), "aligned")
        if truth.get("clock_fitted"):
            mut("vote's clock only", lambda r: r["clock"].__setitem__(
                "note", "coarse estimate from the packet vote only: paired packets did not give "
                "a consistent clock"), "not fitted")
        mut("drift off by 20 ppm", lambda r: r["clock"].__setitem__(
            "drift_ppm", r["clock"]["drift_ppm"] + 20 if truth["scenario"]["duration_s"] >= 60
            else r["clock"]["drift_ppm"] + 2000), "clock: at A")
        mut("verdict flipped", lambda r: r.__setitem__(
            "verdict", "healthy" if truth["injected"] else "problems"), "verdict")
        mut("spurious stall", lambda r: r["findings"].append(
            {"kind": "delivery_stall", "direction": "a_to_b", "start": {"a_ns": 1},
             "duration_ns": 1, "worst_latency_ns": 1}), "not injected")
        mut("spurious refused", lambda r: r["findings"].append(
            {"kind": "connection_refused", "direction": None, "connection": None,
             "count": 1}), "connection_refused")
        mut("spurious undelivered", lambda r: r["findings"].append(
            {"kind": "undelivered", "direction": "a_to_b", "count": 1,
             "packets": [{"sent_ns": truth["a_window"][0] + 5_000_000_000, "len": 24}]}),
            "undelivered")
        if truth["undelivered"]:
            def drop_one(r):
                f = next(x for x in r["findings"] if x["kind"] == "undelivered")
                f["packets"].pop()
                f["count"] -= 1
            mut("one undelivered missing", drop_one, "missing")

            def wrong_len(r):
                f = next(x for x in r["findings"] if x["kind"] == "undelivered")
                f["packets"][0]["len"] += 1
            mut("undelivered wrong len", wrong_len, "undelivered")

            def shift_us(r):
                f = next(x for x in r["findings"] if x["kind"] == "undelivered")
                f["packets"][0]["sent_ns"] += 1000
            mut("undelivered sent_ns off by 1 us", shift_us, "undelivered")

            def truncated_ok(r):
                f = next(x for x in r["findings"] if x["kind"] == "undelivered")
                f["packets"] = f["packets"][:1]
            r2 = copy.deepcopy(good)
            truncated_ok(r2)
            expect(fn + " truncated list, right count", truth, r2, True)

            def truncated_bad(r):
                f = next(x for x in r["findings"] if x["kind"] == "undelivered")
                f["packets"] = f["packets"][:1]
                f["count"] += 1
            mut("truncated list, wrong count", truncated_bad, "undelivered")
        if truth["stalls"]:
            def stall_late(r):
                f = next(x for x in r["findings"] if x["kind"] == "delivery_stall")
                for k in f["start"]:
                    f["start"][k] += 400_000_000
            mut("stall start +400ms", stall_late, "not reported")

            def stall_short(r):
                f = next(x for x in r["findings"] if x["kind"] == "delivery_stall")
                f["duration_ns"] = int(f["duration_ns"] * 0.5)
            mut("stall half as long", stall_short, "duration_ns")

            def stall_dir(r):
                f = next(x for x in r["findings"] if x["kind"] == "delivery_stall")
                f["direction"] = "b_to_a" if f["direction"] == "a_to_b" else "a_to_b"
            mut("stall wrong direction", stall_dir)

            def stall_missing(r):
                r["findings"] = [x for x in r["findings"] if x["kind"] != "delivery_stall"]
            mut("stall missing", stall_missing, "not reported")
        if truth["unanswered"]:
            def unans_missing(r):
                r["findings"] = [x for x in r["findings"] if x["kind"] != "request_unanswered"]
            mut("unanswered missing", unans_missing, "request_unanswered")
        if not truth["injected"]:
            def clean_wide(r):
                r["clock"]["uncertainty_ns"] = 5_000_000
            mut("clean but uncertainty 5 ms", clean_wide, "uncertainty")

        # other kinds are informational
        r3 = copy.deepcopy(good)
        r3["findings"].append({"kind": "credit_starvation", "direction": "a_to_b"})
        expect(fn + " extra info kind", truth, r3, True)

    print("check_truth self-test: %d cases, %d failed" % (ran, failures))
    return 1 if failures or not ran else 0


# --------------------------------------------------------------------------

def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) == 3 and argv[1] == "--verify-dumps":
        errs, notes = verify_dumps(argv[2])
        for n in notes:
            print(n)
        for e in errs[:50]:
            print("FAIL: " + e)
        return 1 if errs else 0
    exit_status = None
    if len(argv) == 5 and argv[3] == "--exit-status":
        try:
            exit_status = int(argv[4])
        except ValueError:
            sys.stderr.write(__doc__)
            return 2
        argv = argv[:3]
    if len(argv) != 3 or argv[1].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    try:
        truth = json.load(open(argv[1]))
    except (OSError, ValueError) as e:
        print("FAIL: cannot read truth %s: %s" % (argv[1], e))
        return 1
    try:
        rep = json.load(open(argv[2]))
    except (OSError, ValueError) as e:
        print("FAIL: cannot read report %s: %s" % (argv[2], e))
        return 1
    errs, notes = compare(truth, rep)
    if exit_status is not None:
        want = 1 if truth.get("injected") else 0
        if exit_status != want:
            errs.insert(0, "correlate exited %d, want %d (%s)" %
                        (exit_status, want, "problems injected" if want else "nothing injected"))
    for n in notes:
        print(n)
    for e in errs:
        print("FAIL: " + e)
    if not errs:
        print("ok: report matches truth (seed %s, %d undelivered, %d stalls, %d refused, "
              "%d unanswered)" % (truth.get("seed"), len(truth["undelivered"]),
                                  len(truth["stalls"]), len(truth["refused"]),
                                  len(truth["unanswered"])))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
