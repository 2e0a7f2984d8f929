# SPDX-License-Identifier: GPL-2.0
# Scenario "socat": the clean transfer of "clean", with Debian's socat instead of vsockload.
# The host (L1) runs `socat VSOCK-LISTEN:5555`, the guest (L2) `socat VSOCK-CONNECT:2:5555`;
# on each end a shell sends 6 x 16 KiB, 250 ms apart, and reads what the other sends. socat
# reads in small pieces, so the receivers answer with many back-to-back CREDIT_UPDATEs: a
# different real traffic shape from vsockload's. Expected: as "clean" (healthy, every byte
# delivered both ways, clock aligned).

# send in the foreground, read in the background from fd 3 (a background job's stdin would be
# /dev/null), then close stdout so socat half-closes the connection ("pipes": separate pipes
# for the child's stdin and stdout, so closing one is an EOF)
socat_workload() {
	echo "exec 3<&0; cat <&3 >/tmp/$1.rx & for i in 1 2 3 4 5 6; do head -c 16384 /dev/zero; sleep 0.25; done; exec >&-; wait"
}

host_main() {
	lab_record_start host || return 1
	# listening long before the guest connects (it boots first); its time limit starts once
	# the guest is up (under load the guest took 73 s to boot)
	socat -t 20 VSOCK-LISTEN:5555,reuseaddr SYSTEM:"$(socat_workload host)",pipes &
	local lp=$!
	lab_guest_start || return 1
	lab_deadline "$lp" 150
	lab_wait guest.done 150 || return 1
	wait "$lp" || say "socat (listen) exited with $?"
	say "host received $(wc -c </tmp/host.rx) bytes"
	lab_record_stop
}

guest_main() {
	lab_record_start guest || return 1
	timeout 90 socat -t 20 VSOCK-CONNECT:2:5555 SYSTEM:"$(socat_workload guest)",pipes || say "socat exited with $?"
	say "guest received $(wc -c </tmp/guest.rx) bytes"
	sleep 1
	lab_record_stop
	lab_mark guest.done
}
