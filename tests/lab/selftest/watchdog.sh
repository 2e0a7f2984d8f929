#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lab's own watchdog (scripts/lab/run.sh, lab_watch), on real hung VMs: a frozen guest
# partition (hang_guest.sh) and a host partition starved by real-time busy loops
# (hang_host.sh). Each must be declared hung by its silence within LAB_SILENCE (30 s here) of
# hanging, reported as a VM failure (exit 1, no retry here), and leave no QEMU behind: far
# sooner than the scenario timeout (LAB_TIMEOUT, 1500 s by default; 420 s used to be what a
# hang cost). Then a guest whose kernel panics (panic_guest.sh): stopped on its panic line.
# As root, like the lab; about 4 minutes.
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

# run_case SCENARIO LOG [VAR=VALUE...]: run.sh on one self-test scenario; a partition that did
# not boot (a nested guest's QEMU that dies in its first seconds: a few percent of boots under
# TCG) tests nothing of the watchdog, so that attempt is run again, once. Sets rc, t0, t1.
run_case() {
	local s=$1 log=$2 attempt
	shift 2
	mkdir -p "$LAB_DIR/runs"
	for attempt in 1 2; do
		t0=$(date +%s)
		env "$@" LAB_RETRIES=0 LAB_INFRA_SOFT=0 bash scripts/lab/run.sh "$s" >"$log" 2>&1
		rc=$?
		t1=$(date +%s)
		grep -q "BOOT FAILURE" "$log" || return 0
		((attempt == 1)) && printf '     %s: a partition did not boot (infrastructure): once more\n' "$s"
	done
}

# no_qemu_left SCENARIO LABEL: the run left no QEMU of SCENARIO behind (any left is killed)
no_qemu_left() {
	if pgrep -f "vsocklab.scenario=$1( |\$)" >/dev/null; then
		bad "$2: no QEMU left running"
		pkill -KILL -f "vsocklab.scenario=$1( |\$)"
	else
		ok "$2: no QEMU left running"
	fi
}

for who in guest host; do
	s=selftest/hang_$who
	log=$LAB_DIR/runs/selftest-$who.log
	run_case "$s" "$log" LAB_SILENCE=30 LAB_SILENCE_LOCKUP=30
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
	no_qemu_left "$s" "$who hang"
done

# A guest whose kernel panics: stopped on the panic line, long before its silence would count
# (LAB_SILENCE 600 s here, so only the panic can stop it soon).
s=selftest/panic_guest
log=$LAB_DIR/runs/selftest-panic.log
run_case "$s" "$log" LAB_SILENCE=600 LAB_SILENCE_LOCKUP=600
sed 's/^/    | /' "$log" | tail -30
((rc == 1)) && ok "guest panic: run.sh exits 1" || bad "guest panic: run.sh exits 1 (got $rc)"
if grep -q "PANIC: the guest partition's kernel panicked (Kernel panic - not syncing" "$log"; then
	ok "guest panic: stopped on the guest's panic line"
else
	bad "guest panic: stopped on the guest's panic line (no 'PANIC: the guest partition' line)"
fi
# two boots (up to ~75 s under load) and the 5 s grace: far below the 600 s of silence
if ((t1 - t0 < 240)); then
	ok "guest panic: stopped after $((t1 - t0)) s (silence limit 600 s)"
else
	bad "guest panic: stopped after $((t1 - t0)) s, not soon after the panic"
fi
no_qemu_left "$s" "guest panic"
echo "lab watchdog: $((checks - fails)) of $checks checks passed"
((fails == 0))
