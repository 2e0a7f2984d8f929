#!/usr/bin/env python3
"""measure.py LABEL CMD...: run CMD (stdout discarded), print one line: label, wall s, cpu s, peak RSS MiB."""
import os, resource, subprocess, sys, time

label, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{label:<28} wall {wall:7.2f} s  cpu {ru.ru_utime + ru.ru_stime:7.2f} s  "
      f"peak RSS {ru.ru_maxrss / 1024:7.1f} MiB  exit {p.returncode}")
