#!/usr/bin/env bash
# Benchmark: correlate on a simulated pair of 2 x N events (default 5 million per side),
# against peers that read the same files in the same run:
#   - wc -l: the I/O floor (reads every byte, parses nothing);
#   - awk: a minimal parser (sums len= over every vsock line, one pass);
# correlate on a pair 5x shorter, to show peak memory does not grow with length, and the
# way before parse-once (VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1) on the big pair; ratios at the end.
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

m() { python3 "$here/measure.py" "$@"; }
wall_of() { sed -E 's/.*wall +([0-9.]+) s.*/\1/' <<<"$1"; }
rss_of() { sed -E 's/.*peak RSS +([0-9.]+) MiB.*/\1/' <<<"$1"; }

wc_out=$(m "wc -l (I/O floor)" wc -l "$dir/big/a.txt" "$dir/big/b.txt")
echo "$wc_out"
m "awk one-pass len sum" awk '/virtio_transport/ { for (i = 1; i <= NF; i++) if ($i ~ /^len=/) s += substr($i, 5) } END { print s }' "$dir/big/a.txt" "$dir/big/b.txt"
out=$(m "vsockdiag correlate (2x$N)" "$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt")
echo "$out"
# the way before issue 14: every pass parses again, one recording after the other
old=$(VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1 m "  ... parsing every pass, 1 thread" "$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt")
echo "$old"
if [[ -n ${VSOCKDIAG_BASELINE:-} ]]; then
	m "baseline correlate (2x$N)" "$VSOCKDIAG_BASELINE" correlate --json \
		"$dir/big/a.txt" "$dir/big/b.txt"
	v1=$("$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' || true)
	v2=$("$VSOCKDIAG_BASELINE" correlate --json "$dir/big/a.txt" "$dir/big/b.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' || true)
	echo "verdict: this build $v1, baseline $v2"
fi
small=$(m "vsockdiag correlate (2x$M)" "$VSOCKDIAG" correlate --json "$dir/small/a.txt" "$dir/small/b.txt")
echo "$small"
"$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt" >"$dir/new.json" || true
VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1 "$VSOCKDIAG" correlate --json "$dir/big/a.txt" "$dir/big/b.txt" >"$dir/old.json" || true
same=different
cmp -s "$dir/new.json" "$dir/old.json" && same=identical
python3 - "$lines" "$(wall_of "$out")" "$(wall_of "$wc_out")" "$(wall_of "$old")" \
	"$(rss_of "$out")" "$(rss_of "$small")" "$same" <<'PY'
import sys
lines, wall, wc, old = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rss, rss_small, same = float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
print(f"correlate throughput: {lines / wall / 1e6:.2f} million events/s over both files")
print(f"  vs wc -l on the same files:      {wall / wc:.1f}x the I/O floor (target: within 10x)")
print(f"  vs parsing every pass, 1 thread: {old / wall:.2f}x faster, JSON {same}")
print(f"  peak RSS: {rss:.1f} MiB for 2x5 lengths, {rss_small:.1f} MiB for 1x "
      f"({rss / rss_small:.2f}x; target under 64 MiB and flat)")
PY
"$VSOCKDIAG" correlate "$dir/big/a.txt" "$dir/big/b.txt" | head -4 || true
