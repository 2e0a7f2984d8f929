# SPDX-License-Identifier: GPL-2.0
# Scenario "stall": the guest partition frozen while the host streams to it.
# The host (L1) listens on port 5555 and, once the guest (L2) has connected, sends 256 bytes
# every 10 ms for 8 s; 2 s into the stream it freezes the whole guest VM (SIGSTOP of the inner
# QEMU) for LAB_STALL_SECONDS (default 3) and thaws it (SIGCONT). vhost keeps filling the frozen
# guest's RX ring, one buffer per packet: after 128 packets (about 1.3 s) the ring is full and
# vhost waits for the guest to post buffers (credit is no limit: 256 KiB against 77 KiB in
# flight); the guest's driver only sees the packets when it runs again.
# Expected (tests/lab/check.py): exactly one delivery_stall, on a_to_b (host -> guest), of about
# LAB_STALL_SECONDS, starting near the SIGSTOP; no other error finding. With BPF evidence: the
# host's vhostwait during the freeze, named in the stall's evidence; explained as a frozen guest.
# Both partitions also run `vsockdiag top -b --json -d 1` live beside the recorder: the guest's
# top, frozen with its partition, resumes with the connection still open after a gap of about
# LAB_STALL_SECONDS and the stream flowing again; the host's keeps sampling through the freeze
# and sees its stream go on (tests/lab/check.py, top_stall).
# Both partitions also record with the shell-only recorder (scripts/vsockdiag-record.sh under
# busybox sh) beside vsockdiag record: its text, correlated alone, must give the same findings
# (tests/lab/check.py, shell_recorder).

LAB_STALL_SECONDS=${LAB_STALL_SECONDS:-3}

host_main() {
	lab_record_start host || return 1
	lab_shellrec_start host || return 1
	lab_top_start host || return 1
	"$VSOCKLOAD" listen 5555 -n 800 -s 256 -i 10 -t 150 >/tmp/load.out &
	local lp=$!
	lab_guest_start || return 1
	lab_wait guest.connected 120 || return 1
	sleep 2
	kill -STOP "$GUEST_QPID" || return 1
	lab_mark host.stopped
	say "guest qemu $GUEST_QPID stopped (SIGSTOP) for $LAB_STALL_SECONDS s"
	sleep "$LAB_STALL_SECONDS"
	kill -CONT "$GUEST_QPID"
	lab_mark host.continued
	say "guest qemu continued (SIGCONT)"
	wait "$lp" || { say "vsockload listen exited with $?"; cat /tmp/load.out; return 1; }
	cat /tmp/load.out
	lab_wait guest.done 120 || return 1
	lab_top_stop
	lab_shellrec_stop
	lab_record_stop
}

guest_main() {
	lab_record_start guest || return 1
	lab_shellrec_start guest || return 1
	lab_top_start guest || return 1
	# connect, mark (the host starts counting once it sees the mark), read until EOF
	"$VSOCKLOAD" connect 2 5555 -n 0 -t 90 >/tmp/load.out &
	local lp=$!
	while ! grep -q '^conn 0 open' /tmp/load.out 2>/dev/null; do
		kill -0 "$lp" 2>/dev/null || break
		sleep 0.05
	done
	lab_mark guest.connected
	wait "$lp" || say "vsockload connect exited with $?"
	cat /tmp/load.out
	sleep 1
	lab_top_stop
	lab_shellrec_stop
	lab_record_stop
	lab_mark guest.done
}
