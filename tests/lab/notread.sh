# SPDX-License-Identifier: GPL-2.0
# Scenario "notread": the receiving application does not read.
# The guest (L2) connects to the host's port 5555 and sends 16 x 64 KiB (1 MiB) as fast as
# credit allows; the host's application (L1) accepts but does not read for 4 s, then reads
# everything. After 256 KiB (the host socket's buf_alloc) the guest is out of credit and its
# sends wait until the host reads; the kernel on both sides works as designed.
# Expected: credit_starvation on b_to_a (guest -> host) of about 4 s, on that connection,
# classified as the receiving application not reading; no delivery finding (every packet
# that was sent arrived promptly).
# Both partitions also run `vsockdiag top -b --json -d 1` live beside the recorder: the guest's
# shows the connection's credit at 0 and a credit_starvation finding while the host sleeps
# (tests/lab/check.py, top_notread).

host_main() {
	lab_record_start host || return 1
	lab_top_start host || return 1
	"$VSOCKLOAD" listen 5555 -n 0 -r 4000 -t 150 >/tmp/load.out &
	local lp=$!
	lab_guest_start || return 1
	wait "$lp" || say "vsockload listen exited with $?"
	cat /tmp/load.out
	lab_wait guest.done 150 || return 1
	lab_top_stop
	lab_record_stop
}

guest_main() {
	lab_record_start guest || return 1
	lab_top_start guest || return 1
	"$VSOCKLOAD" connect 2 5555 -n 16 -s 65536 -i 0 -t 90 || say "vsockload connect exited with $?"
	sleep 2
	lab_top_stop
	lab_record_stop
	lab_mark guest.done
}
