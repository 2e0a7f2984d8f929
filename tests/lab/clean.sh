# SPDX-License-Identifier: GPL-2.0
# Scenario "clean": a healthy transfer in both directions on one connection.
# The host partition (L1, CID 2) listens on vsock port 5555; the guest partition (L2, CID 3)
# connects; each side sends 8 x 16 KiB, 250 ms apart, reads everything the other sends, then
# half-closes. Expected (tests/lab/check.py): verdict healthy, the clock aligned from the
# packets with a two-sided uncertainty, one connection, every byte delivered both ways.
# Sourced by scripts/lab/vm.sh inside the VMs: host_main runs in L1, guest_main in L2.

host_main() {
	lab_record_start host || return 1
	"$VSOCKLOAD" listen 5555 -n 8 -s 16384 -i 250 -t 150 &
	local lp=$!
	lab_guest_start || return 1
	lab_wait guest.done 120 || return 1
	wait "$lp" || { say "vsockload listen exited with $?"; return 1; }
	lab_record_stop
}

guest_main() {
	lab_record_start guest || return 1
	"$VSOCKLOAD" connect 2 5555 -n 8 -s 16384 -i 250 -t 60 || say "vsockload connect exited with $?"
	sleep 1
	lab_record_stop
	lab_mark guest.done
}
