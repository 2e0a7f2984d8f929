# SPDX-License-Identifier: GPL-2.0
# Scenario "overhead": what `vsockdiag record` costs inside the guest during a bulk transfer.
# The guest sends the same bulk load to the host twice, 2000 x 64 KiB (128 MiB) as fast as credit allows:
# first without recording, then with `vsockdiag record` running in the guest. The guest's busy
# CPU time (/proc/stat: user+nice+system+irq+softirq jiffies, the recorder included) is taken
# around each transfer and written to overhead.txt; check.py divides the difference by the
# packets the recorded transfer carried. Expected: the clock aligns, fitted from the packet pairs;
# both transfers complete; no chunk of the recorded one is called undelivered (2000 identical
# packets back to back: paired by their order, issue 8).
# Sourced by scripts/lab/vm.sh inside the VMs: host_main runs in L1, guest_main in L2.

host_main() {
	lab_record_start host || return 1
	# one listener per transfer (a listener waits for all its connections before reading:
	# one for both would leave the first transfer unread, at zero credit, until the second)
	"$VSOCKLOAD" listen 5555 -c 1 -n 0 -t 480 &
	local lp1=$!
	"$VSOCKLOAD" listen 5556 -c 1 -n 0 -t 480 &
	local lp2=$!
	lab_guest_start || return 1
	lab_wait guest.done 480 || return 1
	wait "$lp1" || { say "vsockload listen 5555 exited with $?"; return 1; }
	wait "$lp2" || { say "vsockload listen 5556 exited with $?"; return 1; }
	lab_record_stop
}

# busy jiffies of all CPUs: user nice system irq softirq
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

guest_main() {
	local b0 b1 b2 b3

	b0=$(busy_jiffies)
	"$VSOCKLOAD" connect 2 5555 -n 2000 -s 65536 -i 0 -t 200 || say "unrecorded transfer exited with $?"
	b1=$(busy_jiffies)
	sleep 1
	lab_record_start guest || return 1
	b2=$(busy_jiffies)
	"$VSOCKLOAD" connect 2 5556 -n 2000 -s 65536 -i 0 -t 200 || say "recorded transfer exited with $?"
	b3=$(busy_jiffies)
	lab_record_stop
	echo "hz $(getconf CLK_TCK) unrecorded $((b1 - b0)) recorded $((b3 - b2))" >"$RUN/overhead.txt"
	say "overhead: $(cat "$RUN/overhead.txt")"
	lab_mark guest.done
}
