#!/usr/bin/env python3
"""Shrink a trace.dat (version 6) by keeping only the kallsyms the recorded events need.

Usage: scripts/trim-dat.py [--force] [--no-verify] [--vsockdiag PATH] [--trace-cmd PATH] IN.dat OUT.dat

A trace.dat carries the whole /proc/kallsyms of the recording machine (about 4 MB on a
Debian 6.1 kernel) although `trace-cmd report` only ever prints the handful of functions
the events point at (`call_site=__alloc_skb+0x5a/0x200`, the `tracing_mark_write` of print
events, `location=` of kfree_skb, ...). This rewrites IN into OUT with a kallsyms section
that holds:

  - every line whose symbol name appears as a word in `trace-cmd report -i IN`'s output,
    or in the print fmt of an event format (libtraceevent looks such names up: kmem's
    mm_page_alloc prints page= as the address of vmemmap_base plus the pfn),
  - and, for each of them, a symbol at the next higher address: libtraceevent resolves an
    address by a binary search over the symbols sorted by address, and the size it prints
    after the offset (`/0x200`) is the distance to the next entry (tep_find_function_info).

Everything else is kept byte for byte: header page/event, ftrace and event formats,
printk formats, saved cmdlines, the options, the per-CPU tables and the ring-buffer pages.
The CPU data must stay page aligned, so the data moves down by a whole number of pages
and every absolute file offset (the flyrecord table of the top buffer, the offsets of
BUFFER options and their own tables) is rewritten.

Only the version 6 layout is rewritten (what `vsockdiag record` and `trace-cmd record
--file-version 6` write; trace-cmd.dat.v6(5)); version 7 (sections, maybe compressed),
options whose meaning is not known to be offset-free and anything that does not parse
exactly are refused with exit status 2, and OUT is not written.

Checks before OUT appears (it is written to a temporary file beside it and renamed):
  - the rewritten file is parsed again and compared with IN section by section: all
    equal except kallsyms and the absolute offsets (always);
  - `trace-cmd report -i` prints exactly the same (stdout, stderr, exit status) for both
    (skipped with --no-verify);
  - `vsockdiag report FILE --json` prints the same for both (skipped with --no-verify, or
    when vsockdiag is not built; --vsockdiag PATH names it, default build/vsockdiag of
    this repository).

If two symbols share an address, which of them libtraceevent's binary search lands on can
depend on the whole table: the trace-cmd comparison is what guarantees the result, and a
difference fails the run rather than writing OUT.

Exit status: 0 OUT written; 1 a check failed or a tool could not run (OUT not written);
2 usage error or an input this script does not understand (OUT not written).
"""

import argparse
import bisect
import hashlib
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile

EXIT_FAIL = 1
EXIT_BAD_INPUT = 2

MAGIC = b"\x17\x08\x44tracing"

# trace-cmd's option ids (lib/trace-cmd/include/private/trace-cmd-private.h)
OPT_DONE = 0
OPT_BUFFER = 3
OPT_TRACECLOCK = 4
OPT_CPUCOUNT = 8
OPT_TSC2NSEC = 14
OPT_NAMES = {
    0: "DONE", 1: "DATE", 2: "CPUSTAT", 3: "BUFFER", 4: "TRACECLOCK", 5: "UNAME", 6: "HOOK",
    7: "OFFSET", 8: "CPUCOUNT", 9: "VERSION", 10: "PROCMAPS", 11: "TRACEID", 12: "TIME_SHIFT",
    13: "GUEST", 14: "TSC2NSEC", 15: "STRINGS", 16: "HEADER_INFO", 17: "FTRACE_EVENTS",
    18: "EVENT_FORMATS", 19: "KALLSYMS", 20: "PRINTK", 21: "CMDLINES", 22: "BUFFER_TEXT",
    23: "BTF_FILE", 24: "LAST_BOOT_INFO", 25: "MODULES_FILE",
    0x5644: "vsockdiag meta", 0x5645: "vsockdiag clocks", 0x5646: "vsockdiag cpustats",
    0x5647: "vsockdiag recovered",
}
# Options whose payload holds no file offset: copied as they are. BUFFER (3) holds one and
# is rewritten. The section options (15-23, 25) belong to version 7 and make no sense in a
# version 6 file; an id not listed here might hold an offset, so it is refused.
# 0x5644..0x5647 are vsockdiag's private text options (doc/dat-options.md).
OFFSET_FREE_OPTS = {1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 24, 0x5644, 0x5645, 0x5646, 0x5647}

# one /proc/kallsyms line: address, type, name, optionally TAB [module]
KALLSYMS_LINE = re.compile(rb"([0-9a-fA-F]{1,16}) (\S) (\S+)(\t\[\S+\])?")
# the words of trace-cmd report's output that can be symbol names
WORD = re.compile(rb"[A-Za-z0-9_.$]+")

CHUNK = 1 << 20


class BadInput(Exception):
    """The input is not a trace.dat this script understands: exit 2."""


class Failed(Exception):
    """A check failed or a tool could not run: exit 1."""


def align_up(x, a):
    return (x + a - 1) // a * a


def opt_name(i):
    return OPT_NAMES.get(i, "unknown")


class Reader:
    """Sequential reads from the header with bounds checks; every short read is a BadInput."""

    def __init__(self, f, size, what):
        self.f = f
        self.size = size
        self.what = what
        self.pos = 0
        self.end = "<"

    def read(self, n, what):
        if n < 0 or self.pos + n > self.size:
            raise BadInput(f"{self.what}: truncated: {what} at offset {self.pos} needs {n} bytes, "
                           f"the file has {self.size}")
        self.f.seek(self.pos)
        b = self.f.read(n)
        if len(b) != n:
            raise BadInput(f"{self.what}: short read of {what} at offset {self.pos}")
        self.pos += n
        return b

    def u16(self, what):
        return struct.unpack(self.end + "H", self.read(2, what))[0]

    def u32(self, what):
        return struct.unpack(self.end + "I", self.read(4, what))[0]

    def u64(self, what):
        return struct.unpack(self.end + "Q", self.read(8, what))[0]

    def cstr(self, limit, what):
        start = self.pos
        self.f.seek(start)
        b = self.f.read(min(limit, self.size - start))
        nul = b.find(b"\0")
        if nul < 0:
            raise BadInput(f"{self.what}: {what} at offset {start} is not a NUL-terminated string "
                           f"of at most {limit} bytes")
        self.pos = start + nul + 1
        return b[:nul]

    def expect(self, tag, what):
        b = self.read(len(tag), what)
        if b != tag:
            raise BadInput(f"{self.what}: expected {tag!r} ({what}) at offset {self.pos - len(tag)}, "
                           f"found {b!r}")


def parse(path, label=None):
    """Parse the version 6 header of PATH. Returns a dict describing where everything is."""
    label = label or path
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{label}: not a regular file")
    size = st.st_size
    f = open(path, "rb")
    try:
        return _parse(f, size, label)
    finally:
        f.close()


def _parse(f, size, label):
    r = Reader(f, size, label)
    h = {"size": size}
    head = r.read(min(10, size), "the magic")
    if len(head) < 10 or head != MAGIC:
        raise BadInput(f"{label}: not a trace.dat (no trace-cmd magic)")
    version = r.cstr(16, "the version")
    if version != b"6":
        v = version.decode("ascii", "replace")
        if v.isdigit() and int(v) >= 7:
            raise BadInput(f"{label}: trace.dat version {v}: only version 6 is rewritten (version 7 "
                           "keeps its sections behind offsets and may compress them)")
        raise BadInput(f"{label}: trace.dat version {v!r} is not supported (only 6)")
    h["version"] = 6
    endian = r.read(1, "the endianness")[0]
    if endian not in (0, 1):
        raise BadInput(f"{label}: endianness byte {endian} is neither 0 nor 1")
    r.end = "<" if endian == 0 else ">"
    h["end"] = r.end
    h["long_size"] = r.read(1, "the long size")[0]
    if h["long_size"] not in (4, 8):
        raise BadInput(f"{label}: long size {h['long_size']} is neither 4 nor 8")
    page = r.u32("the page size")
    if page < 512 or page > (1 << 24) or page & (page - 1):
        raise BadInput(f"{label}: page size {page} is not a power of two between 512 and 16 MiB")
    h["page"] = page

    sections = []  # (name, start, end) of every header part, for the comparison

    print_fmts = []  # the "print fmt:" lines of every format: libtraceevent looks names up

    def blob(name, lenfn, what, fmt=False):
        start = r.pos
        n = lenfn(what + " size")
        if n > 1 << 24:
            skip(n, what)
        else:
            b = r.read(n, what)
            if fmt:
                print_fmts.extend(ln for ln in b.split(b"\n") if ln.startswith(b"print fmt:"))
        sections.append((name, start, r.pos))

    def skip(n, what):
        if r.pos + n > size:
            raise BadInput(f"{label}: truncated: {what} at offset {r.pos} needs {n} bytes, "
                           f"the file has {size}")
        r.pos += n

    r.expect(b"header_page\0", "the header page tag")
    blob("header_page", r.u64, "header_page")
    r.expect(b"header_event\0", "the header event tag")
    blob("header_event", r.u64, "header_event")

    n = r.u32("the number of ftrace formats")
    for i in range(n):
        blob(f"ftrace format {i}", r.u64, f"ftrace format {i}", fmt=True)
    nsys = r.u32("the number of event systems")
    for i in range(nsys):
        start = r.pos
        name = r.cstr(4096, f"the name of event system {i}")
        sections.append((f"system {name!r}", start, r.pos))
        nev = r.u32(f"the number of events of system {name!r}")
        for j in range(nev):
            blob(f"system {name!r} format {j}", r.u64, f"event format {j} of {name!r}", fmt=True)

    h["print_fmts"] = print_fmts
    h["ks_pos"] = r.pos
    ks_size = r.u32("the kallsyms size")
    h["ks_data"] = r.read(ks_size, "kallsyms")
    h["after_ks"] = r.pos
    blob("printk formats", r.u32, "printk formats")
    blob("saved cmdlines", r.u64, "saved cmdlines")
    h["cpus"] = r.u32("the CPU count")
    if h["cpus"] > 65536:
        raise BadInput(f"{label}: CPU count {h['cpus']} is implausible")

    tag = r.read(10, "options/flyrecord/latency")
    options = []
    if tag == b"options  \0":
        while True:
            oid = r.u16("an option id")
            if oid == OPT_DONE:
                break
            osz = r.u32(f"the size of option {oid}")
            pos = r.pos
            data = r.read(osz, f"option {oid} ({opt_name(oid)})")
            options.append({"id": oid, "pos": pos, "data": data})
        tag = r.read(10, "flyrecord/latency")
    h["options"] = options
    if tag == b"flyrecord\0":
        h["mode"] = "flyrecord"
    elif tag == b"latency  \0":
        h["mode"] = "latency"
    else:
        raise BadInput(f"{label}: expected 'flyrecord' or 'latency' at offset {r.pos - 10}, found {tag!r}")

    ids = [o["id"] for o in options]
    for o in options:
        if o["id"] != OPT_BUFFER and o["id"] not in OFFSET_FREE_OPTS:
            raise BadInput(f"{label}: option {o['id']} ({opt_name(o['id'])}) is not known to be free of "
                           "file offsets in a version 6 file: refusing to move the data under it")
    # the reader takes the table length from the last CPUCOUNT option (handle->cpus)
    ncpus = h["cpus"]
    for o in options:
        if o["id"] == OPT_CPUCOUNT:
            if len(o["data"]) != 4:
                raise BadInput(f"{label}: CPUCOUNT option of {len(o['data'])} bytes")
            c = struct.unpack(r.end + "I", o["data"])[0]
            if c != h["cpus"]:
                raise BadInput(f"{label}: a CPUCOUNT option ({c}) differs from the header's CPU count "
                               f"({h['cpus']}): not supported")

    if h["mode"] == "latency":
        if OPT_BUFFER in ids:
            raise BadInput(f"{label}: a latency file with buffer instances is not supported")
        h["table_pos"] = None
        h["table"] = []
        h["hdr_end"] = r.pos
        h["tail"] = r.pos  # the text moves with the header
        h["buffers"] = []
        h["sections"] = sections
        return h

    h["table_pos"] = r.pos
    h["table"] = [(r.u64(f"CPU {c} data offset"), r.u64(f"CPU {c} data size")) for c in range(ncpus)]
    # The clock follows the table: "[mono]" with a 64-bit length. The reader only reads it
    # when a TRACECLOCK option is there (and no TSC2NSEC), but writers always put it.
    if OPT_TRACECLOCK in ids and OPT_TSC2NSEC not in ids:
        clen = r.u64("the trace clock size")
        if clen > 4096:
            raise BadInput(f"{label}: trace clock of {clen} bytes after the CPU table")
        r.read(clen, "the trace clock")
    elif r.pos + 8 <= size:
        save = r.pos
        clen = r.u64("the trace clock size")
        if clen > 4096 or r.pos + clen > size:
            r.pos = save  # no clock: what follows is padding
        else:
            r.read(clen, "the trace clock")
    h["hdr_end"] = r.pos
    sections.append(("flyrecord clock", h["table_pos"] + 16 * ncpus, r.pos))
    tail = align_up(r.pos, page)
    h["tail"] = tail
    # between the header and the first page: only padding
    f.seek(r.pos)
    gap = f.read(min(tail, size) - r.pos)
    if gap.strip(b"\0"):
        raise BadInput(f"{label}: unexpected non-zero bytes between the header (end {r.pos}) "
                       f"and the first data page ({tail})")

    def check_table(table, what):
        for c, (off, sz) in enumerate(table):
            if sz == 0:
                continue
            if off < tail or off + sz > size:
                raise BadInput(f"{label}: {what} CPU {c} data [{off}, +{sz}) lies outside the data area "
                               f"[{tail}, {size})")

    check_table(h["table"], "top buffer")

    buffers = []
    for o in options:
        if o["id"] != OPT_BUFFER:
            continue
        d = o["data"]
        if len(d) < 9 or d[-1] != 0 or d.find(b"\0", 8) != len(d) - 1:
            raise BadInput(f"{label}: malformed BUFFER option at offset {o['pos']}")
        boff = struct.unpack(r.end + "Q", d[:8])[0]
        name = d[8:-1]
        if boff < tail or boff + 10 + 16 * ncpus > size:
            raise BadInput(f"{label}: buffer {name!r} at offset {boff} lies outside the data area")
        br = Reader(f, size, label)
        br.end = r.end
        br.pos = boff
        br.expect(b"flyrecord\0", f"the flyrecord tag of buffer {name!r}")
        tpos = br.pos
        table = [(br.u64("a data offset"), br.u64("a data size")) for _ in range(ncpus)]
        check_table(table, f"buffer {name!r}")
        buffers.append({"name": name, "opt_pos": o["pos"], "offset": boff, "table_pos": tpos,
                        "table": table})
    # a buffer's table must not sit inside CPU data
    regions = [(off, off + sz) for b in [h["table"]] + [x["table"] for x in buffers]
               for off, sz in b if sz]
    for b in buffers:
        lo, hi = b["offset"], b["table_pos"] + 16 * ncpus
        for a, z in regions:
            if lo < z and a < hi:
                raise BadInput(f"{label}: the table of buffer {b['name']!r} overlaps CPU data")
    h["buffers"] = buffers
    h["sections"] = sections
    return h


def parse_kallsyms(data, label):
    """The kallsyms text as libtraceevent's tep_parse_kallsyms() reads it."""
    if b"\0" in data:
        # tep_parse_kallsyms() works on a C string: it would stop there
        if data[data.index(b"\0"):].strip(b"\0"):
            raise BadInput(f"{label}: kallsyms contains a NUL byte before its end")
        data = data[: data.index(b"\0")]
    entries = []  # (addr, line index, name, registered, line bytes with terminator)
    pos = 0
    idx = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl + 1
        raw = data[pos:end]
        line = raw.rstrip(b"\n")
        pos = end
        if not line:
            continue
        m = KALLSYMS_LINE.fullmatch(line)
        if not m:
            raise BadInput(f"{label}: kallsyms line {idx + 1} is not in /proc/kallsyms format: "
                           f"{line[:80]!r}")
        addr = int(m.group(1), 16)
        typ = m.group(2)
        name = m.group(3)
        # tep_parse_kallsyms() skips absolute symbols and arm's '$' mapping symbols
        registered = not name.startswith(b"$") and typ not in (b"A", b"a")
        entries.append((addr, idx, name, registered, raw))
        idx += 1
    return entries


def trim_kallsyms(entries, words):
    keep = set()
    for i, e in enumerate(entries):
        if e[2] in words:
            keep.add(i)
    # the next higher address among the registered symbols bounds each kept function
    reg_addrs = sorted({e[0] for e in entries if e[3]})
    first_at = {}
    for i, e in enumerate(entries):
        if e[3] and e[0] not in first_at:
            first_at[e[0]] = i
    kept_reg_addrs = {entries[i][0] for i in keep if entries[i][3]}
    succ = set()
    for a in sorted(kept_reg_addrs):
        j = bisect.bisect_right(reg_addrs, a)
        if j < len(reg_addrs):
            b = reg_addrs[j]
            if b not in kept_reg_addrs:
                succ.add(first_at[b])
    keep |= succ
    out = b"".join(entries[i][4] for i in sorted(keep))
    stats = {"symbols": len(entries), "named": len(keep) - len(succ), "successors": len(succ),
             "kept": len(keep)}
    return out, stats


def run(cmd, outfile, cwd=None):
    """Run CMD with stdout and stderr into OUTFILE(.err). Returns the exit status."""
    try:
        with open(outfile, "wb") as o, open(outfile + ".err", "wb") as e:
            p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                               env=dict(os.environ, LC_ALL="C"))
    except OSError as e:
        raise Failed(f"cannot run {cmd[0]}: {e.strerror}")
    return p.returncode


def tc_report(tc, path, outfile):
    return run([tc, "report", "-i", path], outfile)


def words_in(path, names):
    """The words of PATH's text that are symbol names (also with trailing dots cut)."""
    found = set()
    with open(path, "rb") as f:
        for line in f:
            for w in WORD.findall(line):
                if w in names:
                    found.add(w)
                elif w.endswith(b".") and w.rstrip(b".") in names:
                    found.add(w.rstrip(b"."))
    return found


def same_files(a, b):
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(CHUNK), fb.read(CHUNK)
            if x != y:
                return False
            if not x:
                return True


def first_difference(a, b):
    """Where the texts in files A and B first differ, for the error message."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        n = 0
        while True:
            n += 1
            x, y = fa.readline(), fb.readline()
            if x != y:
                if not x or not y:
                    return f"line {n}: {'IN' if not x else 'OUT'} ends there"
                return f"line {n}:\n  IN:  {x.rstrip()[:200]!r}\n  OUT: {y.rstrip()[:200]!r}"
            if not x:
                return "nowhere (?)"


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                return n
            n += b.count(b"\n")


def write_trimmed(inp, h, new_ks, tmpfd):
    """Write the rewritten file to tmpfd. Returns (new size, data shift S)."""
    end = h["end"]
    D = len(h["ks_data"]) - len(new_ks)
    if D < 0:
        raise Failed("internal: the kallsyms would grow")
    hdr = bytearray()
    inp.seek(0)
    hdr += inp.read(h["ks_pos"])
    hdr += struct.pack(end + "I", len(new_ks))
    hdr += new_ks
    inp.seek(h["after_ks"])
    hdr += inp.read(h["hdr_end"] - h["after_ks"])
    new_hdr_end = h["hdr_end"] - D
    if len(hdr) != new_hdr_end:
        raise Failed("internal: header length mismatch")
    size = h["size"]
    tail = h["tail"]

    if h["mode"] == "latency":
        S = D
        new_tail = tail - S
    else:
        new_tail = align_up(new_hdr_end, h["page"])
        S = tail - new_tail
        if S % h["page"] or S < 0:
            raise Failed("internal: the data shift is not a whole number of pages")

    def moved(off, sz):
        if off >= tail:
            return off - S
        if sz:
            raise Failed("internal: data offset inside the header")
        return off  # an empty CPU: the reader never looks at its offset

    def patch(buf, pos, val):
        struct.pack_into(end + "Q", buf, pos, val)

    # offsets inside the header: the top table and the BUFFER options
    if h["mode"] == "flyrecord":
        for c, (off, sz) in enumerate(h["table"]):
            p = h["table_pos"] - D + 16 * c
            patch(hdr, p, moved(off, sz))
    for b in h["buffers"]:
        patch(hdr, b["opt_pos"] - D, b["offset"] - S)

    os.lseek(tmpfd, 0, os.SEEK_SET)
    _write_all(tmpfd, bytes(hdr))
    if size <= tail:
        # no data pages: keep whatever (zero) padding followed the header
        inp.seek(h["hdr_end"])
        rest = inp.read(size - h["hdr_end"])
        _write_all(tmpfd, rest)
        new_size = new_hdr_end + len(rest)
    else:
        if new_tail > new_hdr_end:
            _write_all(tmpfd, b"\0" * (new_tail - new_hdr_end))
        inp.seek(tail)
        left = size - tail
        while left:
            chunk = inp.read(min(CHUNK, left))
            if not chunk:
                raise Failed("the input shrank while it was being copied")
            _write_all(tmpfd, chunk)
            left -= len(chunk)
        new_size = size - S
    # the tables of the buffer instances live among the data
    for b in h["buffers"]:
        for c, (off, sz) in enumerate(b["table"]):
            os.pwrite(tmpfd, struct.pack(end + "Q", moved(off, sz)), b["table_pos"] - S + 16 * c)
    os.fsync(tmpfd)
    if os.fstat(tmpfd).st_size != new_size:
        raise Failed("internal: output size mismatch")
    return new_size, S


def _write_all(fd, b):
    mv = memoryview(b)
    while mv:
        n = os.write(fd, mv)
        mv = mv[n:]


def hash_range(f, start, n):
    hsh = hashlib.sha256()
    f.seek(start)
    while n:
        b = f.read(min(CHUNK, n))
        if not b:
            break
        hsh.update(b)
        n -= len(b)
    return hsh.hexdigest()


def fingerprint(path, h):
    """Everything of a parsed file except kallsyms and absolute offsets."""
    fp = {"page": h["page"], "end": h["end"], "long": h["long_size"], "cpus": h["cpus"],
          "mode": h["mode"]}
    with open(path, "rb") as f:
        f.seek(0)
        fp["prefix"] = hashlib.sha256(f.read(h["sections"][0][1] if h["sections"] else 0)).hexdigest()
        fp["sections"] = [(name, hash_range(f, a, z - a)) for name, a, z in h["sections"]]
        fp["options"] = [(o["id"], o["data"] if o["id"] != OPT_BUFFER else o["data"][8:])
                         for o in h["options"]]
        if h["mode"] == "latency":
            fp["latency"] = hash_range(f, h["hdr_end"], h["size"] - h["hdr_end"])
        else:
            fp["top"] = [(sz, hash_range(f, off, sz) if sz else None) for off, sz in h["table"]]
            fp["buffers"] = [(b["name"], [(sz, hash_range(f, off, sz) if sz else None)
                                          for off, sz in b["table"]]) for b in h["buffers"]]
    return fp


def vsockdiag_json(vd, path, tmpdir, tag):
    """vsockdiag report --json, run on a link with a fixed name so the "file" fields agree."""
    d = os.path.join(tmpdir, tag)
    os.mkdir(d)
    os.symlink(os.path.abspath(path), os.path.join(d, "trace.dat"))
    return run([vd, "report", "trace.dat", "--json"], os.path.join(tmpdir, tag + ".json"), cwd=d)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(f"interrupted by signal {signum}")


def main(argv):
    ap = argparse.ArgumentParser(
        prog="trim-dat.py",
        description="Rewrite a trace.dat (v6) keeping only the kallsyms its events need.",
        epilog="Exit status: 0 written; 1 a check failed (OUT not written); 2 usage or an "
               "input not understood (OUT not written).")
    ap.add_argument("input", metavar="IN.dat")
    ap.add_argument("output", metavar="OUT.dat")
    ap.add_argument("--force", action="store_true", help="replace an existing OUT (never a symlink)")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip the trace-cmd report and vsockdiag report comparisons")
    ap.add_argument("--vsockdiag", metavar="PATH",
                    help="vsockdiag binary for the JSON comparison (default: build/vsockdiag of "
                         "this repository, when built)")
    ap.add_argument("--trace-cmd", metavar="PATH", default="trace-cmd",
                    help="trace-cmd binary (default: trace-cmd on PATH)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary")
    args = ap.parse_args(argv)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    inp, out = args.input, args.output
    tmpdir = None
    try:
        if os.path.islink(out):
            raise BadInput(f"{out} is a symlink: never written through one")
        if os.path.lexists(out):
            if not os.path.isfile(out):
                raise BadInput(f"{out} exists and is not a regular file")
            if not args.force:
                raise BadInput(f"{out} exists: pass --force to replace it")
        outdir = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(outdir):
            raise BadInput(f"{outdir}: no such directory")

        h = parse(inp)
        entries = parse_kallsyms(h["ks_data"], inp)
        tc = shutil.which(args.trace_cmd)
        if not tc:
            raise Failed(f"{args.trace_cmd} not found: trace-cmd report decides which symbols are needed")
        tc = os.path.abspath(tc)
        vd = None
        if not args.no_verify:
            if args.vsockdiag:
                vd = shutil.which(args.vsockdiag)
                if not vd:
                    raise Failed(f"--vsockdiag {args.vsockdiag}: not an executable file")
                vd = os.path.abspath(vd)  # it runs in another directory
            else:
                cand = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "build", "vsockdiag")
                if os.path.isfile(cand) and os.access(cand, os.X_OK):
                    vd = cand

        tmpdir = tempfile.mkdtemp(prefix="trim-dat.")
        rep_in = os.path.join(tmpdir, "in.txt")
        rc_in = tc_report(tc, inp, rep_in)
        if rc_in != 0:
            with open(rep_in + ".err", "rb") as e:
                msg = e.read(300).decode(errors="replace").strip()
            raise BadInput(f"{inp}: trace-cmd report cannot read it (exit {rc_in}): {msg}")
        # the names in the report, and those the print formats name (mm_page_alloc prints
        # page= as the address of vmemmap_base plus the pfn: libtraceevent looks it up)
        names = {e[2] for e in entries}
        words = words_in(rep_in, names)
        words |= {w for ln in h["print_fmts"] for w in WORD.findall(ln) if w in names}
        new_ks, ks_stats = trim_kallsyms(entries, words)

        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out) + ".", suffix=".tmp", dir=outdir)
        renamed = False
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
            with open(inp, "rb") as f:
                if os.fstat(f.fileno()).st_size != h["size"]:
                    raise Failed(f"{inp} changed size while being read")
                new_size, shift = write_trimmed(f, h, new_ks, fd)
            os.close(fd)
            fd = -1

            # 1. structure: everything but kallsyms and offsets is the same
            h2 = parse(tmp, label="the rewritten file")
            if h2["ks_data"] != new_ks:
                raise Failed("the rewritten file's kallsyms differ from what was written")
            if fingerprint(inp, h) != fingerprint(tmp, h2):
                raise Failed("the rewritten file differs from IN in more than kallsyms and offsets")
            checks = ["structure identical but kallsyms and offsets"]

            # 2. trace-cmd report, 3. vsockdiag report --json
            if not args.no_verify:
                rep_out = os.path.join(tmpdir, "out.txt")
                rc_out = tc_report(tc, tmp, rep_out)
                for a, b, what in ((rep_in, rep_out, "stdout"), (rep_in + ".err", rep_out + ".err", "stderr")):
                    if not same_files(a, b):
                        raise Failed(f"trace-cmd report differs ({what}), first difference at "
                                     + first_difference(a, b))
                if rc_out != rc_in:
                    raise Failed(f"trace-cmd report exits {rc_out} on the rewritten file, {rc_in} on IN")
                checks.append(f"trace-cmd report identical ({count_lines(rep_in)} lines)")
                if vd:
                    rc_a = vsockdiag_json(vd, inp, tmpdir, "in")
                    if rc_a < 0:
                        # nothing to compare against: say so loudly, it is vsockdiag's bug
                        checks.append(f"WARNING: vsockdiag report --json was killed by signal "
                                      f"{-rc_a} on {inp}: not compared")
                    else:
                        rc_b = vsockdiag_json(vd, tmp, tmpdir, "out")
                        a, b = os.path.join(tmpdir, "in.json"), os.path.join(tmpdir, "out.json")
                        for x, y, what in ((a, b, "stdout"), (a + ".err", b + ".err", "stderr")):
                            if not same_files(x, y):
                                raise Failed(f"vsockdiag report --json differs ({what}), first "
                                             "difference at " + first_difference(x, y))
                        if rc_a != rc_b:
                            raise Failed(f"vsockdiag report exits {rc_b} on the rewritten file, "
                                         f"{rc_a} on IN")
                        checks.append(f"vsockdiag report --json identical (exit {rc_a})")
                else:
                    checks.append("vsockdiag report not compared (not built; --vsockdiag PATH)")
            else:
                checks.append("trace-cmd/vsockdiag comparisons skipped (--no-verify)")

            if os.path.islink(out):
                raise BadInput(f"{out} became a symlink: not replaced")
            os.rename(tmp, out)
            renamed = True
            dfd = os.open(outdir, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        finally:
            if fd >= 0:
                os.close(fd)
            if not renamed:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass

        if not args.quiet:
            print(f"{inp} -> {out}: {h['size']} -> {new_size} bytes "
                  f"({100.0 * new_size / h['size']:.1f}%); kallsyms {len(h['ks_data'])} -> {len(new_ks)} bytes, "
                  f"{ks_stats['kept']} of {ks_stats['symbols']} symbols kept ({ks_stats['named']} named by "
                  f"the report, {ks_stats['successors']} bounding successors); data moved down "
                  f"{shift} bytes")
            for c in checks:
                print(f"  {c}")
        return 0
    except BadInput as e:
        print(f"trim-dat: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (Failed, Interrupted) as e:
        print(f"trim-dat: {e}; {out} not written", file=sys.stderr)
        return EXIT_FAIL
    except FileNotFoundError as e:
        print(f"trim-dat: {e}; {out} not written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        print(f"trim-dat: {e}; {out} not written", file=sys.stderr)
        return EXIT_FAIL
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
