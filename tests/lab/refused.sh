# SPDX-License-Identifier: GPL-2.0
# Scenario "refused": connections to ports where nothing listens, in both directions.
# The guest (L2) connects to the host's port 6000 and the host (L1) to the guest's port 6001;
# neither has a listener, so each REQUEST is answered by RST (connect fails, ECONNRESET).
# Expected (tests/lab/check.py): two connection_refused findings (one initiated by each
# partition), nothing else in error, the clock still aligned from the REQUEST/RST pairs.

host_main() {
	lab_record_start host || return 1
	lab_guest_start || return 1
	lab_wait guest.refused 120 || return 1
	"$VSOCKLOAD" connect 3 6001 -n 0 -t 20 && { say "connect to 3:6001 unexpectedly succeeded"; return 1; }
	lab_mark host.refused
	lab_wait guest.done 120 || return 1
	lab_record_stop
}

guest_main() {
	lab_record_start guest || return 1
	"$VSOCKLOAD" connect 2 6000 -n 0 -t 20 && { say "connect to 2:6000 unexpectedly succeeded"; return 1; }
	lab_mark guest.refused
	lab_wait host.refused 60 || return 1
	sleep 1
	lab_record_stop
	lab_mark guest.done
}
