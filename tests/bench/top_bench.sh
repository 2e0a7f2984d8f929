#!/usr/bin/env bash
# Benchmark: vsockdiag top's CPU per event, on this machine, against peers reading the same
# file in the same run:
#   - wc -l: the I/O floor;
#   - vsockdiag report: the same single-partition session, one pass, no sampling;
#   - vsockdiag top -b --json -r at 1 s samples (the model, sampling and JSON every second).
# Then what top's user-space work would cost live at 10 000 packets/s (issue 10's goal: under
# 1% of one core), from the events per packet the lab's overhead scenario measured (3.1 by
# default: a send, its kick and an interrupt). A replay parses text where the live view decodes
# ring-buffer pages, so this bounds the analysis, not the reading. The lab's overhead scenario
# measures the whole live cost in a nested guest (tests/lab/overhead.sh).
# Not a test: it prints figures. Usage: VSOCKDIAG=... VDSIM=... top_bench.sh [EVENTS] [EV/PKT]
set -euo pipefail
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VDSIM=${VDSIM:-build/tests/vdsim}
N=${1:-2000000}
PER_PKT=${2:-3.1}
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "generating about $N events with vdsim (8 connections)..."
# 2000 packets/s per connection end, long enough for about N events on the host's side
secs=$((N / (8 * 2000 * 2) + 1))
"$VDSIM" --seed 7 --out "$dir/sim" --duration "$secs" --conns 8 --rate 2000 --loss 20 \
	--stall a_to_b@3:2 >/dev/null
f=$dir/sim/a.txt
lines=$(wc -l <"$f")
echo "recording: $lines lines, $(($(wc -c <"$f") / 1048576)) MiB, $secs s"

python3 "$here/measure.py" "wc -l (I/O floor)" wc -l "$f"
rep=$(python3 "$here/measure.py" "vsockdiag report" "$VSOCKDIAG" report --json "$f")
echo "$rep"
top=$(python3 "$here/measure.py" "vsockdiag top -b -d 1" "$VSOCKDIAG" top -b -d 1 --json -r "$f")
echo "$top"
python3 - "$lines" "$PER_PKT" "$rep" "$top" <<'PY'
import re, sys
lines, per_pkt = int(sys.argv[1]), float(sys.argv[2])
cpu = lambda s: float(re.search(r"cpu +([0-9.]+) s", s).group(1))
rep, top = cpu(sys.argv[3]), cpu(sys.argv[4])
us = top / lines * 1e6
print(f"top: {us:.2f} us of CPU per event ({lines / top / 1e6:.2f} M events/s), "
      f"report {rep / lines * 1e6:.2f} us: top costs {top / rep:.2f}x report's single pass")
pct = 10000 * per_pkt * us / 1e6 * 100
print(f"top's analysis at 10 000 packets/s x {per_pkt} events per packet: {pct:.2f}% of one core "
      f"(goal < 1%; reading the ring buffers comes on top)")
PY
