#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Damaged trace.dat files must never crash vsockdiag report.

For every shipped recording (examples/lab/*/*.dat, trace-cmd file version 6) this
writes damaged copies and runs `vsockdiag report --json` on each:

  - truncations: at every 4 KiB page boundary, at 64 random offsets (fixed seed), and
    inside the header/options region (the first KiB at fine steps, then the boundaries
    of every section of the v6 layout, +-1);
  - byte flips: single-byte and multi-byte (2, 4, 8 bytes: 0xff.., 0x00.., 0x7f.., random)
    in the header (magic aside: a file without it is not a trace.dat), the header
    page/event and event formats, the kallsyms/printk/cmdlines, the options, the
    flyrecord table and the ring-buffer pages, spread over the regions found by parsing
    the v6 layout (trace-cmd.dat.v6(5)).

Each run must end with:
  - exit 0 or 1 and a JSON report that says what was lost (format "trace.dat", the
    events.malformed, lost.events and window.truncated fields), or
  - exit 2 and an error message on stderr,
and never with a signal (exit >= 128, or killed), a hang (10 s), or a sanitizer report
("ERROR: AddressSanitizer", "runtime error:", ...) on stderr.  libtraceevent leaks a few
bytes on some damaged event formats (not vsockdiag's): LeakSanitizer is told to ignore
leaks allocated inside libtraceevent.

Runs without root and under the sanitizer build (VSOCKDIAG from the environment,
default build/vsockdiag). CORRUPT_DAT_SAMPLE=N runs one case in N (the sanitizer build).
CORRUPT_DAT_SCALE=N multiplies the random counts (default 1).
CORRUPT_DAT_JOBS=N runs N reports at once (default: one per core; the 12 shipped
recordings' 5,730 cases take about 110 s one at a time with the normal build). Failing inputs are
kept under $CORRUPT_DAT_KEEP (default: a temporary directory that is printed).
Prints "corrupt-dat: N passed, N failed".
"""

import glob
import itertools
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

VSOCKDIAG = os.path.abspath(os.environ.get("VSOCKDIAG", "build/vsockdiag"))
SCALE = max(1, int(os.environ.get("CORRUPT_DAT_SCALE", "1")))
# 1 in N of the cases (the sanitizer build is ~20x slower: make san-check runs 1 in 8)
SAMPLE = max(1, int(os.environ.get("CORRUPT_DAT_SAMPLE", "1")))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAGIC = b"\x17\x08\x44tracing"
SANITIZER = re.compile(rb"ERROR: \w*Sanitizer|runtime error:")
TIMEOUT = 10
# reports run at once (CORRUPT_DAT_JOBS, default: one per core), over batches of cases
JOBS = max(1, int(os.environ.get("CORRUPT_DAT_JOBS", "0") or 0) or os.cpu_count() or 1)
BATCH = 64

N_RANDOM_CUTS = 64
N_FLIPS_PER_REGION = 24  # per region per file; about 9 regions: ~200 flips per file


class Layout(Exception):
    pass


def parse_v6(b):
    """[(name, start, end)] regions of a v6 trace.dat (end exclusive)."""
    pos = 0

    def need(n):
        if pos + n > len(b):
            raise Layout("short file")

    def u32():
        nonlocal pos
        need(4)
        v = struct.unpack_from("<I", b, pos)[0]
        pos += 4
        return v

    def u64():
        nonlocal pos
        need(8)
        v = struct.unpack_from("<Q", b, pos)[0]
        pos += 8
        return v

    def cstr():
        nonlocal pos
        end = b.index(b"\0", pos)
        s = b[pos:end]
        pos = end + 1
        return s

    def skip(n):
        nonlocal pos
        pos += n
        need(0)

    regions = []
    if not b.startswith(MAGIC):
        raise Layout("no magic")
    pos = len(MAGIC)
    if cstr() != b"6":
        raise Layout("not version 6")
    need(6)
    if b[pos] != 0:
        raise Layout("big endian")
    pos += 6  # endian, long size, page size
    regions.append(("initial", len(MAGIC), pos))
    start = pos
    for name in (b"header_page", b"header_event"):
        if cstr() != name:
            raise Layout("no " + name.decode())
        skip(u64())
    regions.append(("header_page_event", start, pos))
    start = pos
    for _ in range(u32()):  # ftrace formats
        skip(u64())
    regions.append(("ftrace_formats", start, pos))
    start = pos
    for _ in range(u32()):  # event systems
        cstr()
        for _ in range(u32()):
            skip(u64())
    regions.append(("event_formats", start, pos))
    start = pos
    skip(u32())  # kallsyms
    regions.append(("kallsyms", start, pos))
    start = pos
    skip(u32())  # printk
    skip(u64())  # saved cmdlines
    regions.append(("printk_cmdlines", start, pos))
    start = pos
    ncpus = u32()
    if cstr() != b"options  ":
        raise Layout("no options")
    while True:
        need(2)
        oid = struct.unpack_from("<H", b, pos)[0]
        pos += 2
        if oid == 0:
            break
        skip(u32())
    regions.append(("options", start, pos))
    start = pos
    if cstr() != b"flyrecord":
        raise Layout("not a flyrecord file")
    cpu = []
    for _ in range(ncpus):
        off, size = u64(), u64()
        cpu.append((off, size))
    regions.append(("flyrecord_table", start, pos))
    for i, (off, size) in enumerate(cpu):
        if size and off + size <= len(b):
            regions.append(("cpu%d_pages" % i, off, off + size))
    return regions


def cases(path, b):
    """(label, bytes) of every damaged copy of b."""
    rnd = random.Random("corrupt-dat:" + os.path.relpath(path, ROOT))
    n = len(b)
    try:
        regions = parse_v6(b)
    except (Layout, ValueError) as e:
        print("note %s: v6 layout not parsed (%s): flips spread over the file" % (path, e))
        regions = [("file", len(MAGIC), n)]

    cuts = set(range(4096, n, 4096))
    cuts.update(rnd.randrange(1, n) for _ in range(N_RANDOM_CUTS * SCALE))
    cuts.update(range(0, min(n, 1024), 16))
    for _, s, e in regions:
        for off in (s - 1, s, s + 1, s + 8, e - 1, e, e + 1):
            if 0 <= off < n:
                cuts.add(off)
    for off in sorted(cuts):
        yield "cut@%d" % off, b[:off]

    patterns = [b"\xff", b"\x00", b"\x7f", b"\x80"]
    for name, s, e in regions:
        if e <= s:
            continue
        for _ in range(N_FLIPS_PER_REGION * SCALE):
            width = rnd.choice((1, 1, 1, 2, 4, 8))
            off = rnd.randrange(s, e)
            kind = rnd.randrange(4)
            if kind == 0:
                new = bytes(rnd.randrange(256) for _ in range(width))
            elif kind == 1:
                new = bytes(x ^ 0xFF for x in b[off : off + width])
            else:
                new = rnd.choice(patterns) * width
            if width > 1 and kind == 3:
                # a big little-endian count/size/offset: 0x7fff.., 0x8000..
                new = (b"\xff" * (width - 1)) + rnd.choice((b"\x7f", b"\xff", b"\x80"))
            m = bytearray(b)
            m[off : off + width] = new[: max(0, min(width, n - off))]
            yield "%s:flip%d@%d" % (name, width, off), bytes(m)


def check(f, data):
    """Run report on data written to f: (None, exit status) if fine, else (why, exit status)."""
    with open(f, "wb") as fh:
        fh.write(data)
    try:
        p = subprocess.run(
            [VSOCKDIAG, "report", "--json", f],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return "hung (more than %d s)" % TIMEOUT, None
    st, out, err = p.returncode, p.stdout, p.stderr
    if st < 0 or st >= 128:
        return "killed by a signal (exit %d): %s" % (st, err[-300:].decode(errors="replace")), st
    if SANITIZER.search(err):
        m = SANITIZER.search(err)
        ctx = err[max(0, m.start() - 100) : m.start() + 400].decode(errors="replace")
        return "sanitizer report: %s" % ctx, st
    if st == 2:
        if not err.strip():
            return "exit 2 without an error message", st
        return None, st
    if st not in (0, 1):
        return "exit %d" % st, st
    try:
        r = json.loads(out)
        ok = (
            r["format"] == "trace.dat"
            and isinstance(r["events"]["malformed"], int)
            and isinstance(r["lost"]["events"], int)
            and isinstance(r["window"]["truncated"], bool)
            and r["verdict"] in ("healthy", "problems", "inconclusive")
        )
    except (ValueError, KeyError, TypeError) as e:
        return "exit %d, JSON report unreadable (%s): %r" % (st, e, out[:200]), st
    if not ok:
        return "exit %d, JSON report lacks what was lost: %r" % (st, out[:300]), st
    return None, st


def main():
    if not os.access(VSOCKDIAG, os.X_OK):
        print("corrupt-dat: %s is not built: FAIL" % VSOCKDIAG)
        return 1
    files = sorted(glob.glob(os.path.join(ROOT, "examples/lab/*/*.dat")))
    if not files:
        print("corrupt-dat: no examples/lab/*/*.dat: FAIL")
        return 1
    keep = os.environ.get("CORRUPT_DAT_KEEP") or tempfile.mkdtemp(prefix="corrupt-dat-keep.")
    passed = failed = 0
    exits = {0: 0, 1: 0, 2: 0}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="corrupt-dat.") as tmp, ThreadPoolExecutor(
        max_workers=JOBS
    ) as pool:
        supp = os.path.join(tmp, "lsan.supp")
        with open(supp, "w") as fh:
            fh.write("leak:libtraceevent.so\n")
        lsan = os.environ.get("LSAN_OPTIONS", "")
        os.environ["LSAN_OPTIONS"] = (lsan + ":" if lsan else "") + "suppressions=" + supp
        for path in files:
            with open(path, "rb") as fh:
                b = fh.read()
            rel = os.path.relpath(path, ROOT)
            todo = (c for i, c in enumerate(cases(path, b)) if not i % SAMPLE)
            # a batch at a time, each case in its own file: every core runs one report
            while True:
                batch = list(itertools.islice(todo, BATCH))
                if not batch:
                    break
                files_n = [os.path.join(tmp, "case-%d.dat" % k) for k in range(len(batch))]
                results = list(pool.map(check, files_n, [d for _, d in batch]))
                for (label, data), (why, st) in zip(batch, results):
                    if why is None:
                        exits[st] += 1
                        passed += 1
                        continue
                    failed += 1
                    os.makedirs(keep, exist_ok=True)
                    name = os.path.join(
                        keep, (rel + "." + label).replace("/", "_").replace(":", "_") + ".dat"
                    )
                    with open(name, "wb") as fh:
                        fh.write(data)
                    print("FAIL %s %s: %s (kept: %s)" % (rel, label, why, name))
    if failed:
        print("corrupt-dat: failing inputs kept in %s" % keep)
    elif not os.environ.get("CORRUPT_DAT_KEEP"):
        os.rmdir(keep)
    print(
        "corrupt-dat: %.0f s; passed: %d reports (exit 0), %d reports (exit 1), %d errors (exit 2)"
        % (time.monotonic() - t0, exits[0], exits[1], exits[2])
    )
    print("corrupt-dat: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
