#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make large real-format trace.dat files from small real ones, for benchmarks.

Usage: tests/bench/inflate_dat.py N IN.dat OUT.dat [IN2.dat OUT2.dat ...]

Each OUT is IN (a version 6 flyrecord file, as `vsockdiag record` and `trace-cmd record
--file-version 6` write it) with every CPU's ring-buffer pages repeated N times. Copy k of
a page has its page timestamp moved k * SPAN later, so time only moves forward; events
inside a page are deltas from that timestamp and move with it. SPAN is common to all the
inputs (the widest of their page-timestamp ranges, plus 10 s), so a host/guest pair keeps
its clock offset in every copy: the copies are the same traffic, again and again.
Everything else (formats, kallsyms, options) is kept byte for byte; the CPU table's offsets
and sizes are rewritten. `trace-cmd report` reads the result (the benchmark checks it).

Not a test and not for recordings to analyse: it exists to measure speed and memory on a
file of any size in the real format.
"""
import importlib.util
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "trimdat", os.path.join(here, "..", "..", "scripts", "trim-dat.py"))
trimdat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trimdat)

CHUNK = 1 << 20


def page_ts_range(path, h):
    """min and max page timestamps over every CPU's pages"""
    lo, hi = None, None
    fmt = h["end"] + "Q"
    with open(path, "rb") as f:
        for off, sz in h["table"]:
            for p in range(off, off + sz, h["page"]):
                f.seek(p)
                ts = struct.unpack(fmt, f.read(8))[0]
                if ts == 0:
                    continue
                lo = ts if lo is None else min(lo, ts)
                hi = ts if hi is None else max(hi, ts)
    return lo, hi


def inflate(n, inp, out, h, span):
    page = h["page"]
    fmt = h["end"] + "Q"
    if h["mode"] != "flyrecord" or h["buffers"]:
        raise SystemExit(f"{inp}: only a flyrecord file without buffer instances is inflated")
    for c, (off, sz) in enumerate(h["table"]):
        if sz % page or (sz and off % page):
            raise SystemExit(f"{inp}: CPU {c} data is not whole pages")
    with open(inp, "rb") as f:
        hdr = bytearray(f.read(h["hdr_end"]))
        pos = trimdat.align_up(h["hdr_end"], page)
        table = []
        for off, sz in h["table"]:
            table.append((pos if sz else off, sz * n))
            pos += sz * n
        for c, (off, sz) in enumerate(table):
            struct.pack_into(h["end"] + "QQ", hdr, h["table_pos"] + 16 * c, off, sz)
        tmp = out + ".tmp"
        with open(tmp, "wb") as o:
            o.write(hdr)
            o.write(b"\0" * (trimdat.align_up(h["hdr_end"], page) - h["hdr_end"]))
            for off, sz in h["table"]:
                if not sz:
                    continue
                f.seek(off)
                data = bytearray(f.read(sz))
                orig = [struct.unpack_from(fmt, data, p)[0] for p in range(0, sz, page)]
                for k in range(n):
                    for i, p in enumerate(range(0, sz, page)):
                        if orig[i]:
                            struct.pack_into(fmt, data, p, orig[i] + k * span)
                    o.write(data)
        os.replace(tmp, out)


def main(argv):
    if len(argv) < 4 or len(argv) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    n = int(argv[1])
    pairs = [(argv[i], argv[i + 1]) for i in range(2, len(argv), 2)]
    heads = [trimdat.parse(i) for i, _ in pairs]
    span = 0
    for (i, _), h in zip(pairs, heads):
        lo, hi = page_ts_range(i, h)
        if lo is not None:
            span = max(span, hi - lo)
    span += 10 * 10**9
    for (i, o), h in zip(pairs, heads):
        inflate(n, i, o, h, span)
        print(f"{o}: {os.path.getsize(o) / 2**20:.0f} MiB ({n} copies of {i}, {span / 1e9:.1f} s apart)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
