#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: trace.dat input at sizes of soak tests. A real lab pair (examples/lab/stall: the
# Debian 6.1 host and guest, BPF lines included) is inflated to COPIES copies of its traffic
# (tests/bench/inflate_dat.py: every CPU's ring-buffer pages again, each copy later in time;
# default 1600 copies: a host file of about 900 MiB), and 5x fewer for the memory comparison.
# In the same run, on the same files:
#   - trace-cmd report -i HOST.dat: the peer that reads the same format (output discarded);
#   - vsockdiag report --json HOST.dat, at 1x and 5x: time and peak RSS (flat with length);
#   - vsockdiag correlate --json HOST.dat GUEST.dat, and the same parsing every pass on one
#     thread (VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1, the way before issue 14): same JSON.
# Not a test: it prints figures and ratios. Usage: VSOCKDIAG=... dat_bench.sh [COPIES]
# About 2 GB of temporary files in TMPDIR.
set -euo pipefail
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
COPIES=${1:-1600}
SMALL=$((COPIES / 5))
here=$(dirname "$0")
src=examples/lab/stall
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
command -v trace-cmd >/dev/null || { echo "dat_bench: trace-cmd (the peer) is not installed" >&2; exit 1; }

echo "inflating $src to $COPIES and $SMALL copies..."
python3 "$here/inflate_dat.py" "$COPIES" "$src/host.dat" "$dir/host.dat" "$src/guest.dat" "$dir/guest.dat"
python3 "$here/inflate_dat.py" "$SMALL" "$src/host.dat" "$dir/host-s.dat" "$src/guest.dat" "$dir/guest-s.dat"
# trace-cmd reads them: the files are real trace.dat files
trace-cmd report -i "$dir/host-s.dat" 2>/dev/null | tail -1 | grep -q . ||
	{ echo "dat_bench: trace-cmd cannot read the inflated file" >&2; exit 1; }
mib=$(($(stat -c %s "$dir/host.dat") >> 20))

m() { python3 "$here/measure.py" "$@"; }
wall_of() { sed -E 's/.*wall +([0-9.]+) s.*/\1/' <<<"$1"; }
rss_of() { sed -E 's/.*peak RSS +([0-9.]+) MiB.*/\1/' <<<"$1"; }

tc=$(m "trace-cmd report ($mib MiB)" trace-cmd report -i "$dir/host.dat")
echo "$tc"
rep=$(m "vsockdiag report ($mib MiB)" "$VSOCKDIAG" report --json "$dir/host.dat")
echo "$rep"
reps=$(m "vsockdiag report (1/5)" "$VSOCKDIAG" report --json "$dir/host-s.dat")
echo "$reps"
cor=$(m "vsockdiag correlate (pair)" "$VSOCKDIAG" correlate --json "$dir/host.dat" "$dir/guest.dat")
echo "$cor"
old=$(VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1 m "  ... parsing every pass, 1 thread" \
	"$VSOCKDIAG" correlate --json "$dir/host.dat" "$dir/guest.dat")
echo "$old"
"$VSOCKDIAG" correlate --json "$dir/host.dat" "$dir/guest.dat" >"$dir/new.json" || true
VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1 "$VSOCKDIAG" correlate --json "$dir/host.dat" "$dir/guest.dat" \
	>"$dir/old.json" || true
same=different
cmp -s "$dir/new.json" "$dir/old.json" && same=identical

python3 - "$(wall_of "$tc")" "$(wall_of "$rep")" "$(rss_of "$rep")" "$(rss_of "$reps")" \
	"$(wall_of "$cor")" "$(wall_of "$old")" "$(rss_of "$cor")" "$same" "$mib" <<'PY'
import sys
tc, rep, rss, rss_s, cor, old, rss_c = map(float, sys.argv[1:8])
same, mib = sys.argv[8], sys.argv[9]
print(f"report on {mib} MiB: {tc / rep:.1f}x faster than trace-cmd report on the same file")
print(f"  peak RSS {rss:.1f} MiB (target under 128 MiB), {rss_s:.1f} MiB at 1/5 the length "
      f"({rss / rss_s:.2f}x: flat)")
print(f"correlate on the pair: {old / cor:.2f}x faster than parsing every pass on one thread, "
      f"JSON {same}, peak RSS {rss_c:.1f} MiB")
PY
