#!/usr/bin/env python3
"""measure.py LABEL CMD...: run CMD (stdout discarded) MEASURE_RUNS times (default 3) and print
one line: label, the best wall time (the least disturbed run: shared machines are noisy) and the
median, the cpu time of the best run, the peak RSS of any run, and the exit status."""
import os, resource, subprocess, sys, time

label, cmd = sys.argv[1], sys.argv[2:]
runs = max(1, int(os.environ.get("MEASURE_RUNS", "3")))
walls, cpus, rss, status = [], [], 0, 0
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    walls.append(time.monotonic() - t0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    # ru_maxrss of children is the largest of any child so far
    rss = max(rss, after.ru_maxrss)
    status = p.returncode
best = min(range(runs), key=lambda i: walls[i])
median = sorted(walls)[runs // 2]
print(f"{label:<28} wall {walls[best]:7.2f} s  (median {median:.2f} s of {runs})  "
      f"cpu {cpus[best]:7.2f} s  peak RSS {rss / 1024:7.1f} MiB  exit {status}")
