#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""vsockdiag export -f pcap, read back by tshark (tests/cli/export_pcap.sh runs this).

On every examples/lab pair (text dumps and trace.dat): tshark reads every record without
errors or malformed warnings; per connection and direction the RW packets and bytes on the
sender's interface (outbound) and on the receiver's (inbound), and the control packets sent,
equal correlate --json's counts; each interface's records total the partition's packets;
each send's comment agrees with correlate's fates; times never go back on an interface.
Then the edges: an unaligned pair and a single recording, standard output to a pipe and to
a terminal, a failed run, the .pcap ending, the pending bound.  Prints
"export-pcap: N passed, M failed"; exits 1 on any failure.
"""
import collections
import glob
import json
import os
import shutil
import subprocess
import re
import struct
import sys
import tempfile
import time

VSOCKDIAG = os.environ.get("VSOCKDIAG", "build/vsockdiag")
LAB = "examples/lab"
RW = 5
FIELDS = ["frame.interface_name", "frame.packet_flags_direction", "frame.time_epoch",
          "vsock.src_cid", "vsock.dst_cid", "vsock.src_port", "vsock.dst_port", "vsock.op",
          "vsock.virtio.op", "vsock.virtio.len", "vsock.trans_len", "frame.comment",
          "_ws.malformed", "_ws.expert.severity"]

passed = failed = 0
tmp = tempfile.mkdtemp(prefix="export-pcap.")


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    return ok


def run(args, **kw):
    return subprocess.run(args, capture_output=True, **kw)


def tshark_stderr(err):
    # tshark warns that it runs as root: not about the file
    return "\n".join(l for l in err.decode(errors="replace").splitlines()
                     if "Running as user" not in l).strip()


def export(out, inputs, extra=(), env=None):
    return run([VSOCKDIAG, "export", "-q", "--names", "host,guest", *extra, "-o", out, *inputs],
               env=env)


def read_pcap(name, path):
    """Every record as a dict; fails the check when tshark complains."""
    r = run(["tshark", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
             *sum((["-e", f] for f in FIELDS), [])])
    err = tshark_stderr(r.stderr)
    check(f"{name}: tshark reads it", r.returncode == 0 and not err, err[:300])
    recs = []
    for line in r.stdout.decode(errors="replace").splitlines():
        v = line.split("\t")
        v += [""] * (len(FIELDS) - len(v))
        recs.append(dict(zip(FIELDS, v)))
    return recs


def section_comments(path):
    r = run(["capinfos", path])
    return [l.split(":", 1)[1].strip() for l in r.stdout.decode(errors="replace").splitlines()
            if l.startswith("Capture comment:")]


def correlate_json(inputs):
    r = run([VSOCKDIAG, "correlate", "--json", "--names", "host,guest", *inputs])
    return json.loads(r.stdout)


def fate_of(comment):
    for key, words in (("delivered", "delivered"), ("lost", "lost:"),
                       ("missing_at_end", "never received"),
                       ("outside_window", "unproven"), ("outside_window", "not seen arriving"),
                       ("partial", "partly received")):
        if comment.startswith(words):
            return key
    return None


def check_pair(name, inputs):
    out = os.path.join(tmp, name.replace("/", "-") + ".pcapng")
    r = export(out, inputs)
    if not check(f"{name}: export exits 0", r.returncode == 0, r.stderr.decode()[:300]):
        return
    js = correlate_json(inputs)
    recs = read_pcap(name, out)
    aligned = js["clock"]["aligned"]

    # no malformed packet, no expert warning or error (comments are "Comment" severity)
    bad = [x for x in recs if x["_ws.malformed"] or
           x["_ws.expert.severity"] not in ("", "1048576")]
    check(f"{name}: no malformed record, no expert warning", not bad,
          f"{len(bad)} records, e.g. {bad[:1]}")
    check(f"{name}: every record is a virtio transport header (44 bytes)",
          all(x["vsock.trans_len"] == "44" for x in recs))

    # per interface: the partition's packets (loopback ones never cross: correlate hides them)
    names = ("host", "guest")
    for s, side in enumerate(js["inputs"]):
        mine = [x for x in recs if x["frame.interface_name"] == names[s]]
        out_n = sum(1 for x in mine if x["frame.packet_flags_direction"] == "0x00000002")
        in_n = sum(1 for x in mine if x["frame.packet_flags_direction"] == "0x00000001")
        check(f"{name}: {names[s]} has no record without a direction", out_n + in_n == len(mine))
        check(f"{name}: {names[s]}'s outbound records = its packets sent",
              out_n == side["packets_sent"], f"{out_n} != {side['packets_sent']}")
        check(f"{name}: {names[s]}'s inbound records = its packets received",
              in_n == side["packets_received"], f"{in_n} != {side['packets_received']}")
        ts = [float(x["frame.time_epoch"]) for x in mine]
        back = sum(1 for a, b in zip(ts, ts[1:]) if b < a)
        check(f"{name}: {names[s]}'s times never go back", back == 0, f"{back} times")
    check(f"{name}: record count = packets sent + received on both sides",
          len(recs) == sum(s["packets_sent"] + s["packets_received"] for s in js["inputs"]))

    # per connection and direction, keyed by each side's own view of the connection
    tally = collections.defaultdict(lambda: collections.Counter())
    for x in recs:
        s = names.index(x["frame.interface_name"])
        sent = x["frame.packet_flags_direction"] == "0x00000002"
        src = (int(x["vsock.src_cid"]), int(x["vsock.src_port"]))
        dst = (int(x["vsock.dst_cid"]), int(x["vsock.dst_port"]))
        local, peer = (src, dst) if sent else (dst, src)
        t = tally[(s, local, peer)]
        rw = int(x["vsock.virtio.op"]) == RW
        kind = ("sent" if sent else "recv") + ("_rw" if rw else "_ctl")
        t[kind] += 1
        if rw:
            t[kind + "_bytes"] += int(x["vsock.virtio.len"])
        if sent:
            t["fate:" + str(fate_of(x["frame.comment"]))] += 1
    want = collections.defaultdict(lambda: collections.Counter())
    for c in js["connections"]:
        for s, view in ((0, c["a_view"]), (1, c["b_view"])):
            if not view:
                continue
            key = (s, (view["local_cid"], view["local_port"]),
                   (view["peer_cid"], view["peer_port"]))
            out_d, in_d = (c["a_to_b"], c["b_to_a"]) if s == 0 else (c["b_to_a"], c["a_to_b"])
            w = want[key]
            w["sent_rw"] += out_d["packets_sent"]
            w["sent_rw_bytes"] += out_d["bytes_sent"]
            w["sent_ctl"] += out_d["control_sent"]
            w["recv_rw"] += in_d["packets_received"]
            w["recv_rw_bytes"] += in_d["bytes_received"]
            if aligned:
                for k in ("delivered", "lost", "missing_at_end", "outside_window", "partial"):
                    w["fate:" + k] += out_d[k]
            else:
                w["fate:None"] += out_d["packets_sent"] + out_d["control_sent"]
    # control packets received: each partition's own report counts them (correlate does not)
    for s, path in enumerate(inputs):
        rep = json.loads(run([VSOCKDIAG, "report", "--json", path]).stdout)
        for c in rep["connections"]:
            if c["loopback"]:
                continue
            for d in c["directions"]:
                if d["to"] == c["local"]:
                    cid, port = c["local"].split(":")
                    pcid, pport = c["peer"].split(":")
                    want[(s, (int(cid), int(port)), (int(pcid), int(pport)))]["recv_ctl"] += \
                        d["control_packets"]
    diffs = []
    for key in sorted(set(want) | set(tally)):
        got = tally.get(key, collections.Counter())
        for k, v in want.get(key, {}).items():
            if got[k] != v:
                diffs.append(f"{key} {k}: pcap {got[k]}, correlate {v}")
        if key not in want:
            diffs.append(f"{key}: in the pcap, no such connection in correlate --json")
    check(f"{name}: per connection and direction, RW packets/bytes, control packets and fates "
          f"equal correlate --json ({len(want)} connection ends)", not diffs,
          "; ".join(diffs[:5]))
    if aligned:
        check(f"{name}: the missing comment count is 0 (the bound did not bite)",
              all(t["fate:None"] == 0 for t in tally.values()))

    comments = section_comments(out)
    check(f"{name}: a header comment with the clock note and a closing one with the verdict",
          len(comments) == 2 and "Trace clocks count from boot" in comments[0]
          and (("A's trace clock; B's times moved by" in comments[0]) == aligned)
          and f"correlate's verdict: {js['verdict']}" in comments[1], str(comments)[:400])


def pairs():
    for d in sorted(glob.glob(f"{LAB}/*/")):
        for ext in ("txt", "dat"):
            a, b = f"{d}host.{ext}", f"{d}guest.{ext}"
            if os.path.exists(a) and os.path.exists(b):
                yield f"{os.path.basename(d.rstrip('/'))}/{ext}", [a, b]


def sim_pair():
    """Losses and a dead link (the lab recorded none): the simulator's, when built."""
    vdsim = os.environ.get("VDSIM", "build/tests/vdsim")
    if not os.access(vdsim, os.X_OK):
        print(f"export-pcap: no simulator at {vdsim}: the loss case is not tested")
        return
    d = os.path.join(tmp, "sim")
    r = run([vdsim, "--seed", "7", "--out", d, "--conns", "3", "--loss", "6",
             "--dead-link", "b_to_a@12"])
    if not check("simulator: a pair with losses and a dead link", r.returncode == 0,
                 r.stderr.decode()[:200]):
        return
    inputs = [os.path.join(d, "a.txt"), os.path.join(d, "b.txt")]
    js = correlate_json(inputs)
    fates = collections.Counter()
    for c in js["connections"]:
        for k in ("a_to_b", "b_to_a"):
            fates.update({f: c[k][f] for f in ("lost", "missing_at_end")})
    check("simulator: correlate finds losses and sends never received",
          fates["lost"] > 0 and fates["missing_at_end"] > 0, str(fates))
    check_pair("sim/loss", inputs)


PAYLOAD_RE = re.compile(r"vsockdiag-bpf payload t=\d+ dir=(tx|rx) src=(\d+):(\d+) dst=(\d+):(\d+) "
                        r"len=(\d+) head=([0-9a-f]+)")


def epbs(path):
    """(interface id, outbound, captured bytes) of every Enhanced Packet Block of a pcapng"""
    with open(path, "rb") as f:
        b = f.read()
    out, off = [], 0
    while off + 12 <= len(b):
        btype, blen = struct.unpack_from("<II", b, off)
        if blen < 12 or off + blen > len(b):
            break
        if btype == 6:
            ifid, _, _, caplen, _ = struct.unpack_from("<IIIII", b, off + 8)
            data = b[off + 28:off + 28 + caplen]
            outbound, o = False, off + 28 + ((caplen + 3) & ~3)
            while o + 4 <= off + blen - 4:
                code, ln = struct.unpack_from("<HH", b, o)
                if code == 0:
                    break
                if code == 2 and ln == 4:
                    outbound = (struct.unpack_from("<I", b, o + 4)[0] & 3) == 2
                o += 4 + ((ln + 3) & ~3)
            out.append((ifid, outbound, data))
        off += blen
    return out


def payload_heads():
    """The payload heads the recorder captured (adb's port) ride on their packets' records:
    per partition, every head of the recording on exactly one record of the same direction,
    tuple and length, byte for byte."""
    for ext in ("dat", "txt"):
        d = f"{LAB}/adb"
        inputs = [f"{d}/host.{ext}", f"{d}/guest.{ext}"]
        out = os.path.join(tmp, f"adb-{ext}.pcapng")
        r = export(out, inputs)
        if not check(f"adb/{ext}: exported", r.returncode == 0, r.stderr.decode()[:200]):
            continue
        # tshark hides a truncated payload (caplen < len): read the records' bytes directly
        got = {"host": collections.Counter(), "guest": collections.Counter()}
        for ifn, outbound, data in epbs(out):
            if len(data) <= 76:
                continue
            sc, dc, sp, dp = struct.unpack_from("<QQII", data, 32)
            ln = struct.unpack_from("<I", data, 56)[0]
            got[("host", "guest")[ifn]][("tx" if outbound else "rx", str(sc), str(sp), str(dc), str(dp),
                                          str(ln), data[76:].hex())] += 1
        for side in ("host", "guest"):
            want = collections.Counter()
            with open(f"{d}/{side}.txt", errors="replace") as f:
                for m in PAYLOAD_RE.finditer(f.read()):
                    want[m.groups()] += 1
            check(f"adb/{ext}: {side}'s {sum(want.values())} payload heads on its records, byte for byte",
                  want and want == got[side],
                  f"missing {list((want - got[side]).items())[:2]} extra {list((got[side] - want).items())[:2]}")


def edges():
    stall = [f"{LAB}/stall/host.dat", f"{LAB}/stall/guest.dat"]
    ref = os.path.join(tmp, "stall-ref.pcapng")
    export(ref, stall)

    # an unaligned pair: two different runs share no packets
    unal = [f"{LAB}/clean/host.txt", f"{LAB}/stall/guest.txt"]
    js = correlate_json(unal)
    out = os.path.join(tmp, "unaligned.pcapng")
    r = export(out, unal)
    if check("unaligned pair: correlate does not align it and export exits 0",
             not js["clock"]["aligned"] and r.returncode == 0, r.stderr.decode()[:200]):
        recs = read_pcap("unaligned pair", out)
        c = section_comments(out)
        check("unaligned pair: the header says the clocks are not aligned",
              c and "clocks are not aligned" in c[0], str(c)[:300])
        check("unaligned pair: no send claims a fate",
              recs and not any(x["frame.comment"] for x in recs))

    # one recording
    out = os.path.join(tmp, "single.pcapng")
    r = export(out, stall[:1])
    if check("single recording: export exits 0", r.returncode == 0, r.stderr.decode()[:200]):
        recs = read_pcap("single recording", out)
        c = section_comments(out)
        check("single recording: the header says it is one recording",
              c and "One recording only" in c[0] and "one recording" in c[0], str(c)[:300])
        check("single recording: one interface, every record on it",
              recs and {x["frame.interface_name"] for x in recs} == {"host"})

    # standard output to a pipe: the same bytes as the file
    r = run(f'"{VSOCKDIAG}" export -q --names host,guest -f pcap -o - {stall[0]} {stall[1]} | cat',
            shell=True)
    check("-o - to a pipe: the same bytes as -o FILE",
          r.returncode == 0 and r.stdout == open(ref, "rb").read())
    # to a terminal: refused, nothing written
    if shutil.which("script"):
        r = run(["script", "-qec", f"{VSOCKDIAG} export -f pcap -o - {stall[0]} {stall[1]}",
                 "/dev/null"], stdin=subprocess.DEVNULL)
        text = r.stdout.decode(errors="replace")
        check("-o - to a terminal: refused (exit 2, binary format)",
              r.returncode == 2 and "binary format" in text and "\x0a\x0d\x0d\x0a" not in text,
              f"exit {r.returncode}: {text[:200]}")
    else:
        print("export-pcap: no 'script' (util-linux): the terminal case is not tested")

    # a failed run leaves no file, and an existing OUT untouched
    out = os.path.join(tmp, "failed.pcapng")
    r = export(out, [stall[0], os.path.join(tmp, "no-such.dat")])
    check("failed run (missing input): exit 2, no file, no temporary left",
          r.returncode == 2 and not glob.glob(out + "*"), str(glob.glob(out + "*")))
    damaged = os.path.join(tmp, "damaged.dat")
    with open(stall[1], "rb") as f:
        open(damaged, "wb").write(f.read()[:5000])
    with open(out, "w") as f:
        f.write("old")
    r = export(out, [stall[0], damaged])
    check("failed run (damaged input): exit 2, the old OUT untouched, no temporary left",
          r.returncode == 2 and open(out).read() == "old" and glob.glob(out + "*") == [out],
          f"exit {r.returncode}")

    # the .pcap ending picks the same pcapng writer; -f pcap overrides any ending
    out = os.path.join(tmp, "classic.pcap")
    r = export(out, stall)
    check(".pcap ending: the same pcapng bytes",
          r.returncode == 0 and open(out, "rb").read() == open(ref, "rb").read())
    out = os.path.join(tmp, "named.bin")
    r = export(out, stall, ["-f", "pcap"])
    check("-f pcap on any name", r.returncode == 0 and
          open(out, "rb").read()[:4] == b"\x0a\x0d\x0d\x0a")

    # the pending bound bites: every record still written, in order, the uncommented counted
    out = os.path.join(tmp, "bound.pcapng")
    env = dict(os.environ, VSOCKDIAG_PCAP_PENDING="4")
    r = export(out, stall, env=env)
    if check("pending bound 4: export exits 0", r.returncode == 0):
        recs = read_pcap("pending bound 4", out)
        ref_recs = read_pcap("reference", ref)
        # each interface's records in the same order; only how the two interleave differs
        def per_iface(rs):
            return {n: [(x["frame.time_epoch"], x["frame.packet_flags_direction"])
                        for x in rs if x["frame.interface_name"] == n]
                    for n in ("host", "guest")}
        check("pending bound 4: each interface's records as without the bound",
              len(recs) == len(ref_recs) and per_iface(recs) == per_iface(ref_recs))
        none = sum(1 for x in recs if x["frame.packet_flags_direction"] == "0x00000002"
                   and not x["frame.comment"])
        c = section_comments(out)
        said = 0
        for part in c[1].split(";") if len(c) == 2 else []:
            if "written before their fate was known" in part:
                said += int(part.split()[0])
        check("pending bound 4: some sends lost their comment, and the closing comment "
              "counts them", none > 0 and said == none, f"{none} uncommented, said {said}")


def bench():
    # the largest lab pair, by size
    big = max(pairs(), key=lambda p: sum(os.path.getsize(f) for f in p[1]))
    name, inputs = big
    out = os.path.join(tmp, "bench.pcapng")
    t0 = time.monotonic()
    run([VSOCKDIAG, "correlate", "--json", *inputs])
    t1 = time.monotonic()
    r = export(out, inputs)
    t2 = time.monotonic()
    if check("bench: export exits 0", r.returncode == 0):
        n = len(read_pcap("bench", out))
        print(f"export-pcap: {name} ({sum(os.path.getsize(f) for f in inputs)} bytes in): "
              f"correlate --json {t1 - t0:.2f} s, export {t2 - t1:.2f} s, "
              f"{os.path.getsize(out)} bytes for {n} records")


def main():
    if not shutil.which("tshark") or not shutil.which("capinfos"):
        print("export-pcap: skipped (no tshark: scripts/install-deps.sh --test installs it)")
        return 1
    try:
        for name, inputs in pairs():
            check_pair(name, inputs)
        sim_pair()
        payload_heads()
        edges()
        bench()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"export-pcap: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
