#!/usr/bin/env python3
"""Builds the trace.dat variants tests/cli/trim_dat.sh feeds to scripts/trim-dat.py.

  trim_dat_craft.py buffer IN OUT NAME   IN plus a buffer instance NAME (a BUFFER option and
                                         a second flyrecord section holding a copy of IN's
                                         CPU data), laid out as trace-cmd record -B does in v6
  trim_dat_craft.py latency IN OUT       IN's header with a latency section (text) instead
                                         of flyrecord
  trim_dat_craft.py option IN OUT ID     IN with its first private vsockdiag option's id set to
                                         ID (same size): an option trim-dat does not know
  trim_dat_craft.py offset IN OUT        IN with CPU 0's data offset pointing past the end
  trim_dat_craft.py v7 OUT               only the first bytes of a version 7 file

Whether a variant is a valid trace.dat is for trace-cmd report to say: the test asks it.
"""
import importlib.util
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside scripts/trim-dat.py

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "trimdat", os.path.join(HERE, "..", "..", "scripts", "trim-dat.py"))
trimdat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trimdat)


def align(x, a):
    return (x + a - 1) // a * a


def options_end(h):
    """File position of the options' terminating 0 id."""
    o = h["options"][-1]
    return o["pos"] + len(o["data"])


def buffer(inp, out, name):
    h = trimdat.parse(inp)
    e = h["end"]
    d = open(inp, "rb").read()
    page = h["page"]
    oend = options_end(h)
    opt = struct.pack(e + "HIQ", 3, 8 + len(name) + 1, 0) + name.encode() + b"\0"
    hdr = bytearray(d[:oend] + opt + d[oend:h["table_pos"]])
    opt_off_pos = oend + 2 + 4
    top_tpos = len(hdr)
    n = len(h["table"])
    clock = d[h["table_pos"] + 16 * n:h["hdr_end"]]
    hdr += b"\0" * (16 * n) + clock
    datas = [d[off:off + sz] for off, sz in h["table"]]

    def lay(buf, tpos):
        for c, blob in enumerate(datas):
            pos = align(len(buf), page)
            buf += b"\0" * (pos - len(buf)) + blob
            struct.pack_into(e + "QQ", buf, tpos + 16 * c, pos, len(blob))

    lay(hdr, top_tpos)
    boff = len(hdr)
    struct.pack_into(e + "Q", hdr, opt_off_pos, boff)
    hdr += b"flyrecord\0"
    btpos = len(hdr)
    hdr += b"\0" * (16 * n) + clock
    lay(hdr, btpos)
    open(out, "wb").write(hdr)


def latency(inp, out):
    h = trimdat.parse(inp)
    d = open(inp, "rb").read()
    text = (b"# tracer: nop\n#\n# crafted latency output for trim-dat\n"
            b"  <idle>-0     0d..1    0us : tracing_mark_write <-vfs_write\n")
    open(out, "wb").write(d[:h["table_pos"] - 10] + b"latency  \0" + text)


def option(inp, out, new_id):
    h = trimdat.parse(inp)
    d = bytearray(open(inp, "rb").read())
    for o in h["options"]:
        if o["id"] >= 0x5644:
            struct.pack_into(h["end"] + "H", d, o["pos"] - 6, new_id)
            break
    else:
        sys.exit("no private option")
    open(out, "wb").write(d)


def offset(inp, out):
    h = trimdat.parse(inp)
    d = bytearray(open(inp, "rb").read())
    struct.pack_into(h["end"] + "Q", d, h["table_pos"], len(d) + 4096)
    struct.pack_into(h["end"] + "Q", d, h["table_pos"] + 8, 4096)
    open(out, "wb").write(d)


def v7(out):
    open(out, "wb").write(b"\x17\x08\x44tracing7\0" + b"\0\x08" + struct.pack("<I", 4096)
                          + b"\0" * 64)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "buffer":
        buffer(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "latency":
        latency(sys.argv[2], sys.argv[3])
    elif cmd == "option":
        option(sys.argv[2], sys.argv[3], int(sys.argv[4], 0))
    elif cmd == "offset":
        offset(sys.argv[2], sys.argv[3])
    elif cmd == "v7":
        v7(sys.argv[2])
    else:
        sys.exit(__doc__)
