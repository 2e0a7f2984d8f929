#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lab's own watchdog (scripts/lab/run.sh, lab_watch), on real hung VMs: a frozen guest
# partition (hang_guest.sh) and a host partition starved by real-time busy loops
# (hang_host.sh). Each must be declared hung by its silence within LAB_SILENCE (30 s here) of
# hanging, reported as a VM failure (exit 1, no retry here), and leave no QEMU behind: far
# sooner than the scenario timeout (LAB_TIMEOUT, 1500 s by default; 420 s used to be what a
# hang cost).
# As root, like the lab; about 3 minutes.
set -uo pipefail
cd "$(dirname "$0")/../../.."
. scripts/lab/lib.sh

fails=0
checks=0
ok() {
	checks=$((checks + 1))
	printf 'ok   %s\n' "$1"
}
bad() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	printf 'FAIL %s\n' "$1"
}

for who in guest host; do
	s=selftest/hang_$who
	log=$LAB_DIR/runs/selftest-$who.log
	mkdir -p "$LAB_DIR/runs"
	t0=$(date +%s)
	LAB_SILENCE=30 LAB_SILENCE_LOCKUP=30 LAB_RETRIES=0 LAB_INFRA_SOFT=0 \
		bash scripts/lab/run.sh "$s" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	sed 's/^/    | /' "$log" | tail -40
	((rc == 1)) && ok "$who hang: run.sh exits 1" || bad "$who hang: run.sh exits 1 (got $rc)"
	if grep -q "HUNG: the $who partition has been silent" "$log"; then
		ok "$who hang: declared hung by its silence"
	else
		bad "$who hang: declared hung by its silence (no 'HUNG: the $who partition' line)"
	fi
	if grep -q "VSOCKLAB-UP host" "$LAB_DIR/runs/$s/host-console.log" 2>/dev/null; then
		ok "$who hang: the host partition booted"
	else
		bad "$who hang: the host partition booted (infrastructure problem, not the watchdog)"
	fi
	# boot (up to ~75 s under load, twice for the guest) + 30 s silence + a 10 s heartbeat
	# period and the watch loop: well under the scenario timeout (1500 s)
	if ((t1 - t0 < 300)); then
		ok "$who hang: stopped after $((t1 - t0)) s (timeout 1500 s)"
	else
		bad "$who hang: stopped after $((t1 - t0)) s, not well before the 1500 s timeout"
	fi
	if pgrep -f "vsocklab.scenario=$s( |\$)" >/dev/null; then
		bad "$who hang: no QEMU left running"
		pkill -KILL -f "vsocklab.scenario=$s( |\$)"
	else
		ok "$who hang: no QEMU left running"
	fi
done
echo "lab watchdog: $((checks - fails)) of $checks checks passed"
((fails == 0))
