#!/usr/bin/env bash
# Regenerate examples/simulated/: deterministic simulator runs that stand in for lab
# scenarios the lab cannot produce on demand (real ones: examples/lab/). Usage: make-examples.sh VDSIM
set -euo pipefail
sim=$1
root=examples/simulated
rm -rf "$root"
mkdir -p "$root"

gen() { # name, then vdsim options
	local name=$1
	shift
	local d="$root/$name" tmp
	tmp=$(mktemp -d)
	"$sim" --out "$tmp" "$@" >/dev/null
	mkdir -p "$d"
	mv "$tmp/a.txt" "$d/linux.txt"
	mv "$tmp/b.txt" "$d/android.txt"
	mv "$tmp/truth.json" "$d/truth.json"
	rmdir "$tmp"
	cat >"$d/README.md" <<TXT
# $name (SIMULATED)
Not a real recording: written by the project's scenario simulator (tests/sim/vdsim) with
\`vdsim $*\`. linux.txt is partition A (the vhost_vsock side, CID 2), android.txt partition B
(the virtio_vsock guest, CID 3), both in the \`cat /sys/kernel/tracing/trace\` format.
truth.json is what the simulator injected. Real lab recordings are under examples/lab/.
TXT
}

# the seed's failure: Android's high-order allocations fail from 11.5 s, and from 12 s on
# nothing Android sends reaches Linux; plus a short
# host-to-guest stall earlier on
gen dead-link --seed 2022 --duration 20 --conns 2 --rate 50 --alloc-fail b@11.5:6 --dead-link b_to_a@12 --stall a_to_b@5:2
gen clean --seed 7 --duration 10 --conns 2 --rate 50
gen refused --seed 11 --duration 10 --rate 50 --refused 2
