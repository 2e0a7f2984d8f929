# SPDX-License-Identifier: GPL-2.0
# Lab self-test scenario (tests/lab/selftest/watchdog.sh runs it; not part of `make lab`'s list):
# the host partition hangs. Real-time busy loops on every CPU of the host partition, with the
# real-time throttle off, starve everything else in it (its heartbeat, 9p, the kernel's own
# threads): scripts/lab/run.sh must declare it hung after LAB_SILENCE seconds and stop the run.

host_main() {
	local c n
	n=$(nproc)
	lab_mark host.hogging
	echo -1 >/proc/sys/kernel/sched_rt_runtime_us || return 1
	say "starting $n real-time busy loops (SCHED_FIFO 99, throttle off): this partition stops here"
	for ((c = 0; c < n; c++)); do
		taskset -c "$c" chrt -f 99 bash -c 'while :; do :; done' &
	done
	lab_wait never 600
	return 1
}

guest_main() {
	return 1
}
