#!/usr/bin/env bash
# Benchmark: correlate on a simulated pair of 2 x N events (default 5 million per side),
# against peers that read the same files in the same run:
#   - wc -l: the I/O floor (reads every byte, parses nothing);
#   - awk: a minimal parser (sums len= over every vsock line, one pass);
# and correlate on a pair 5x shorter, to show peak memory does not grow with length.
# VSOCKDIAG_BASELINE=OTHER-BINARY also runs another build (e.g. the previous release) on the
# same big pair and checks that both print the same verdict.
# Not a test: it prints figures. Usage: VSOCKDIAG=... VDSIM=... correlate_bench.sh [EVENTS]
set -euo pipefail
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VDSIM=${VDSIM:-build/tests/vdsim}
N=${1:-5000000}
M=$((N / 5))
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "generating 2 x $N events (and 2 x $M) with vdsim..."
"$VDSIM" --seed 42 --out "$dir/big" --events "$N" --conns 8 --rate 2000 --loss 20 \
	--stall a_to_b@6:3 >/dev/null
"$VDSIM" --seed 42 --out "$dir/small" --events "$M" --conns 8 --rate 2000 --loss 20 \
	--stall a_to_b@6:3 >/dev/null
lines=$(cat "$dir/big/a.txt" "$dir/big/b.txt" | wc -l)
bytes=$(cat "$dir/big/a.txt" "$dir/big/b.txt" | wc -c)
echo "big pair: $lines lines, $((bytes / 1048576)) MiB"

python3 "$here/measure.py" "wc -l (I/O floor)" wc -l "$dir/big/a.txt" "$dir/big/b.txt"
python3 "$here/measure.py" "awk one-pass len sum" awk '/virtio_transport/ { for (i = 1; i <= NF; i++) if ($i ~ /^len=/) s += substr($i, 5) } END { print s }' "$dir/big/a.txt" "$dir/big/b.txt"
out=$(python3 "$here/measure.py" "vsockdiag correlate (2x$N)" "$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt")
echo "$out"
if [[ -n ${VSOCKDIAG_BASELINE:-} ]]; then
	python3 "$here/measure.py" "baseline correlate (2x$N)" "$VSOCKDIAG_BASELINE" correlate --json \
		"$dir/big/a.txt" "$dir/big/b.txt"
	v1=$("$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' || true)
	v2=$("$VSOCKDIAG_BASELINE" correlate --json "$dir/big/a.txt" "$dir/big/b.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' || true)
	echo "verdict: this build $v1, baseline $v2"
fi
python3 "$here/measure.py" "vsockdiag correlate (2x$M)" "$VSOCKDIAG" correlate --json "$dir/small/a.txt" "$dir/small/b.txt"
wall=$(sed -E 's/.*wall +([0-9.]+) s.*/\1/' <<<"$out")
python3 - "$lines" "$wall" <<'PY'
import sys
lines, wall = int(sys.argv[1]), float(sys.argv[2])
print(f"correlate throughput: {lines / wall / 1e6:.2f} million events/s over both files "
      f"(every file is read 3 to 5 times: scan, fit rounds, final match)")
PY
"$VSOCKDIAG" correlate "$dir/big/a.txt" "$dir/big/b.txt" | head -4 || true
