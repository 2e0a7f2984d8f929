#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks one `vsockdiag export -f perfetto` file against `correlate --json` of the same run.

    export_perfetto.py check TRACE.json CORRELATE.json [--expect-unaligned|--expect-single]
    export_perfetto.py names TRACE.json EXPECTED_A EXPECTED_B   (process names, JSON-decoded)

Prints one line per failed check ("FAIL ...") and "checks: N passed, M failed"; exits 1 on a
failure. Python standard library only. The flow binding is checked the way Perfetto's JSON
importer binds (src/trace_processor/importers/json): events sorted by time, ties in file
order; a flow event binds to the slice last begun on its thread.
"""
import collections
import json
import re
import sys

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    # strict: JSON is UTF-8, and a bare control character in a string is not JSON
    return raw, json.loads(raw.decode("utf-8"))


def ns(v):
    return round(v * 1000)


def check_trace(trace_path, corr_path, mode):
    raw, doc = load(trace_path)
    with open(corr_path) as f:
        corr = json.load(f)
    ev = doc.get("traceEvents")
    check(isinstance(ev, list) and ev, "traceEvents is a non-empty list")
    meta = doc.get("metadata", {})
    check(doc.get("displayTimeUnit") == "ns", "displayTimeUnit is ns")

    # every ts and dur: a number of microseconds with at most three decimals
    bad_ts = [m.group(0) for m in re.finditer(rb'"(?:ts|dur)":(-?[0-9.e+E-]+)', raw)
              if not re.fullmatch(rb'-?[0-9]+\.[0-9]{3}', m.group(1))]
    check(not bad_ts, "ts/dur written as microseconds with 3 decimals (%s)" % bad_ts[:3])

    # names for every process and thread an event uses; a thread belongs to one process
    pname = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    tname = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
             if e["ph"] == "M" and e["name"] == "thread_name"}
    pids = {e["pid"] for e in ev}
    tids = {(e["pid"], e["tid"]) for e in ev if "tid" in e}
    check(pids <= set(pname), "process_name for every pid (missing %s)" % (pids - set(pname)))
    check(tids <= set(tname), "thread_name for every tid (missing %s)" % sorted(tids - set(tname))[:5])
    owner = collections.defaultdict(set)
    for p, t in tids:
        owner[t].add(p)
    check(all(len(v) == 1 for v in owner.values()), "every tid in one process only")
    check(all(e["ph"] == "C" or "tid" in e or e["ph"] == "M" for e in ev),
          "every event but counters and process metadata has a tid")

    xs = [e for e in ev if e["ph"] == "X"]
    check(all(isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0 for e in xs),
          "every slice has dur >= 0")

    # flows: one start, one end, same id, the two partitions
    starts = collections.defaultdict(list)
    ends = collections.defaultdict(list)
    for e in ev:
        if e["ph"] == "s":
            starts[e["id"]].append(e)
        elif e["ph"] == "f":
            ends[e["id"]].append(e)
    check(all(len(v) == 1 for v in starts.values()), "each flow id starts once")
    check(set(starts) == set(ends) and all(len(v) == 1 for v in ends.values()),
          "each flow start has exactly one end with its id (%d starts, %d ends)"
          % (len(starts), len(ends)))
    check(all(starts[i][0]["pid"] != ends[i][0]["pid"] for i in starts if i in ends),
          "every flow ends on the other partition's process")
    check(all(ns(ends[i][0]["ts"]) > ns(starts[i][0]["ts"]) for i in starts if i in ends),
          "every flow ends after it starts (Perfetto drops an end before its start)")
    conns = corr["connections"]
    delivered = sum(c[d]["delivered"] for c in conns for d in ("a_to_b", "b_to_a"))
    check(len(starts) == delivered,
          "flow arrows (%d) == delivered packets correlate reports (%d)" % (len(starts), delivered))
    check(meta.get("flows") == len(starts), "metadata counts the flows")

    # every packet a slice: sends on "sent" tracks (correlate counts RW and control sends)
    sent_tracks = {k for k, v in tname.items() if v.endswith(" sent") and v.startswith("conn ")}
    recv_tracks = {k for k, v in tname.items() if v.endswith(" received") and v.startswith("conn ")}
    nsend = sum(1 for e in xs if (e["pid"], e["tid"]) in sent_tracks)
    want_send = sum(c[d]["packets_sent"] + c[d]["control_sent"] for c in conns
                    for d in ("a_to_b", "b_to_a"))
    check(nsend == want_send, "a slice per send (%d, correlate: %d)" % (nsend, want_send))
    nrecv_rw = sum(1 for e in xs if (e["pid"], e["tid"]) in recv_tracks and e["args"]["op"] == "RW")
    want_recv = sum(c[d]["packets_received"] for c in conns for d in ("a_to_b", "b_to_a"))
    check(nrecv_rw == want_recv, "a slice per RW receive (%d, correlate: %d)" % (nrecv_rw, want_recv))
    lost = sum(c[d]["lost"] + c[d]["missing_at_end"] for c in conns for d in ("a_to_b", "b_to_a"))
    marked = sum(1 for e in xs if (e["pid"], e["tid"]) in sent_tracks
                 and re.search(r" (LOST|MISSING)$", e["name"]))
    check(marked == lost, "lost and missing sends named so (%d, correlate: %d)" % (marked, lost))

    # slices of one thread nest (Perfetto drops a slice that overlaps its parent's end)
    by_track = collections.defaultdict(list)
    for i, e in enumerate(ev):
        if e["ph"] == "X":
            by_track[(e["pid"], e["tid"])].append((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), i))
    overlaps = 0
    for sl in by_track.values():
        sl.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for b, end, _ in sl:
            while stack and stack[-1] <= b:
                stack.pop()
            if stack and end > stack[-1]:
                overlaps += 1
            stack.append(end)
    check(overlaps == 0, "slices of a thread nest, none overlaps another's end (%d do)" % overlaps)

    # flow binding as Perfetto does it: sorted by ts, ties in file order
    order = sorted(range(len(ev)), key=lambda i: (ns(ev[i]["ts"]) if "ts" in ev[i] else -1, i))
    top = {}
    wrong_s = unbound = 0
    for i in order:
        e = ev[i]
        if e["ph"] == "X":
            top[(e["pid"], e["tid"])] = e
        elif e["ph"] in "sf":
            x = top.get((e["pid"], e["tid"]))
            if x is None:
                unbound += 1
            elif e["ph"] == "s" and not (ns(x["ts"]) <= ns(e["ts"]) <= ns(x["ts"]) + 1):
                wrong_s += 1
    check(unbound == 0, "every flow event binds to a slice of its thread (%d do not)" % unbound)
    check(wrong_s == 0, "every flow start binds to its own send's slice (%d do not)" % wrong_s)

    # findings: each one correlate reports is a slice with its kind and words
    want = collections.Counter((f["kind"], f["summary"]) for f in corr["findings"])
    got = collections.Counter((e["args"]["kind"], e["args"]["summary"]) for e in xs
                              if e.get("cat") == "finding")
    check(want == got, "every finding is a slice with its headline (missing %s, extra %s)"
          % (list((want - got).items())[:2], list((got - want).items())[:2]))
    fnext = {f["summary"]: f["next_step"] for f in corr["findings"]}
    check(all(e["args"].get("next_step") == fnext.get(e["args"]["summary"]) for e in xs
              if e.get("cat") == "finding"), "finding slices carry the rendered next step")
    check(all(tname.get((e["pid"], e["tid"]), "").startswith("findings") for e in xs
              if e.get("cat") == "finding"), "finding slices are on findings tracks")

    # adb: every stream correlate decoded is an async slice named by its service, begun and ended
    want = collections.Counter(st["service"] for c in corr["connections"] if c.get("adb")
                               for st in c["adb"]["streams"])
    begins = collections.Counter(e["args"]["service"] for e in ev
                                 if e.get("cat") == "adb" and e["ph"] == "b")
    ends = collections.Counter(e["name"] for e in ev if e.get("cat") == "adb" and e["ph"] == "e")
    check(want == begins and sum(ends.values()) == sum(begins.values()),
          "every adb stream is a slice named by its service (%d of %d)"
          % (sum(begins.values()), sum(want.values())))

    # metadata
    check(meta.get("vsockdiag_version") and meta.get("generator", "").startswith("vsockdiag"),
          "metadata names vsockdiag and its version")
    parts = meta.get("partitions", [])
    check(all(p.get("kernel") for p in parts), "metadata has each partition's kernel")
    aligned = corr["clock"]["aligned"]
    if mode == "single":
        check(len(parts) == 1 and pids == {1}, "one recording: one partition, one process")
        check("one recording" in meta.get("clock", ""), "one recording: the clock note says so")
        check(not starts, "one recording: no flow")
    else:
        check(len(parts) == 2 and pids == {1, 2}, "two partitions, two processes")
        check(meta.get("clock_aligned") == aligned, "metadata clock_aligned as correlate's")
        check(pname[2].endswith("(own clock)") == (not aligned),
              "B's process says '(own clock)' exactly when the clocks are not aligned")
        if aligned:
            check(meta.get("clock_offset_ns") == corr["clock"]["offset_ns"]
                  and "uncertainty_ns" in corr["clock"]
                  and meta.get("clock_uncertainty_ns") == corr["clock"]["uncertainty_ns"]
                  and "B - A" in meta.get("clock", ""),
                  "metadata clock offset and uncertainty as correlate's")
    if mode == "unaligned":
        check(not aligned, "the unaligned pair is not aligned (correlate)")
        check(meta.get("clock_aligned") is False and "not aligned" in meta.get("clock", ""),
              "unaligned: the metadata says so")
        check(not starts, "unaligned: no flow")


def main():
    if sys.argv[1] == "names":
        _, doc = load(sys.argv[2])
        pname = {e["pid"]: e["args"]["name"] for e in doc["traceEvents"]
                 if e["ph"] == "M" and e["name"] == "process_name"}
        check(pname.get(1) == sys.argv[3] + " (A)", "process A named %r" % pname.get(1))
        check(pname.get(2, "").startswith(sys.argv[4] + " (B)"), "process B named %r" % pname.get(2))
        tn = [e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "thread_name"]
        check(any(sys.argv[3] in n for n in tn), "connection tracks carry the label")
    else:
        mode = "normal"
        if "--expect-unaligned" in sys.argv:
            mode = "unaligned"
        elif "--expect-single" in sys.argv:
            mode = "single"
        try:
            check_trace(sys.argv[2], sys.argv[3], mode)
        except (ValueError, KeyError, TypeError) as e:
            check(False, "trace readable: %s: %s" % (type(e).__name__, e))
    print("checks: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
