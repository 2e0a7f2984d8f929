# SPDX-License-Identifier: GPL-2.0
# Lab self-test scenario (tests/lab/selftest/watchdog.sh runs it; not part of `make lab`'s list):
# the guest partition hangs. Once the guest runs its scenario, the host freezes the guest's
# QEMU (SIGSTOP) for good: the guest's heartbeat stops, and scripts/lab/run.sh must declare it
# hung after LAB_SILENCE seconds and stop the run, instead of waiting for LAB_TIMEOUT.

host_main() {
	lab_guest_start || return 1
	lab_wait guest.running 120 || return 1
	kill -STOP "$GUEST_QPID" || return 1
	say "froze the guest's QEMU (pid $GUEST_QPID) for good: the lab's watchdog must notice"
	lab_wait never 600
	return 1
}

guest_main() {
	lab_mark guest.running
	lab_wait never 600
	return 1
}
