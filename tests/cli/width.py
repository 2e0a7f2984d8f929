#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reports for people, on every shipped example (examples/lab/*, examples/simulated/*):
correlate on each pair and alone on each side, report on each recording, text and .dat.
Asserted for each:
  - at --width 80 and 120, and by default with stdout not a terminal (80): no line is
    wider than the width (display columns);
  - the words are those of --width 0 (only where lines break changes);
  - --color always, its escape codes removed, is --color never byte for byte; escape codes
    appear in it (the verdict is coloured) and never without it;
  - -o FILE writes what stdout gets, the JSON equals stdout's byte for byte, and -o through
    a symlink is refused with exit 2, the symlink's target untouched.
Prints "width: N passed, N failed". Uses $VSOCKDIAG (default build/vsockdiag)."""
import glob
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

VSOCKDIAG = os.environ.get("VSOCKDIAG", "build/vsockdiag")
ESC = re.compile(r"\x1b\[[0-9;]*m")
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL width: {what}")


def cols(line):
    return sum(0 if unicodedata.combining(c) else
               (2 if unicodedata.east_asian_width(c) in "WF" else 1) for c in line)


def run(args):
    p = subprocess.run([VSOCKDIAG] + args, capture_output=True, text=True)
    return p.returncode, p.stdout


def cases():
    for d in sorted(glob.glob("examples/lab/*") + glob.glob("examples/simulated/*")):
        files = {}
        for ext in ("txt", "dat"):
            names = sorted(os.path.basename(f) for f in glob.glob(f"{d}/*.{ext}"))
            if len(names) == 2:
                files[ext] = [f"{d}/{n}" for n in names]
        for ext, (a, b) in files.items():
            yield ["correlate", a, b]
            yield ["correlate", b]
            yield ["report", a]
            yield ["report", b]


def main():
    tmp = tempfile.mkdtemp()
    n = 0
    for args in cases():
        name = " ".join(args)
        n += 1
        rc0, flat = run(args + ["--width", "0"])
        check(rc0 in (0, 1), f"{name}: exit {rc0}")
        for w in (80, 120, None):
            extra = ["--width", str(w)] if w else []
            rc, out = run(args + extra)
            width = w or 80
            wide = [l for l in out.splitlines() if cols(l) > width]
            check(not wide, f"{name} at {width} columns: {len(wide)} wider lines, e.g. "
                  f"{wide[0] if wide else ''!r}")
            check(out.split() == flat.split() or "".join(out.split()) == "".join(flat.split()),
                  f"{name} at {width}: the words differ from --width 0")
            check(rc == rc0, f"{name} at {width}: exit {rc}, {rc0} at --width 0")
            check(not ESC.search(out), f"{name} at {width}: escape codes without --color")
        _, colored = run(args + ["--color", "always"])
        _, plain = run(args + ["--color", "never"])
        check(ESC.sub("", colored) == plain, f"{name}: --color always changes more than colours")
        check(ESC.search(colored) is not None, f"{name}: --color always gives no colour")
        out_file = os.path.join(tmp, "r.txt")
        rc, _ = run(args + ["-o", out_file])
        check(rc == rc0 and open(out_file).read() == plain,
              f"{name}: -o FILE differs from standard output")
        _, js = run(args + ["--json"])
        rc, _ = run(args + ["--json", "-o", out_file])
        check(open(out_file).read() == js, f"{name}: --json -o FILE differs from stdout")
    # never through a symlink
    target = os.path.join(tmp, "precious")
    with open(target, "w") as f:
        f.write("keep me\n")
    link = os.path.join(tmp, "link")
    os.symlink(target, link)
    p = subprocess.run([VSOCKDIAG, "report", "-o", link, "examples/lab/clean/guest.txt"],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "symlink" in p.stderr, f"-o through a symlink: exit "
          f"{p.returncode}, stderr {p.stderr.strip()!r}")
    check(open(target).read() == "keep me\n", "-o through a symlink changed its target")
    p = subprocess.run([VSOCKDIAG, "report", "--width", "5", "examples/lab/clean/guest.txt"],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "--width" in p.stderr, "--width 5 is refused")
    p = subprocess.run([VSOCKDIAG, "report", "--color", "sometimes",
                        "examples/lab/clean/guest.txt"], capture_output=True, text=True)
    check(p.returncode == 2 and "auto, always or never" in p.stderr, "--color sometimes is refused")
    check(n >= 40, f"only {n} example runs found")
    print(f"width: {passed} passed, {failed} failed ({n} example runs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
