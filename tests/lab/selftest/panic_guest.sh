# SPDX-License-Identifier: GPL-2.0
# Lab self-test scenario (tests/lab/selftest/watchdog.sh runs it; not part of `make lab`'s list):
# the guest partition's kernel panics (sysrq 'c'), as nested guests under TCG were seen to do
# (entry_SYSCALL_64, "Fatal exception in interrupt") and then stay silent. scripts/lab/run.sh
# must stop the run LAB_PANIC_GRACE seconds after the panic line, not after LAB_SILENCE.

host_main() {
	lab_guest_start || return 1
	lab_wait never 600
	return 1
}

guest_main() {
	say "crashing this kernel on purpose (sysrq c): the lab's watchdog must notice the panic"
	echo c >/proc/sysrq-trigger
	lab_wait never 600
	return 1
}
