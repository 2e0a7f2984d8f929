# SPDX-License-Identifier: GPL-2.0
# Scenario "rxstarve": the guest's RX refill allocations fail while the host streams to it.
# The guest (L2) loads the lab's fault-injection module (tests/lab/faultinj/vdfault.c: the
# kernel is tainted from then on) and listens on port 5555; the host (L1) connects and sends
# 4 KiB every 20 ms. 1.5 s into the stream the guest arms rxfill_fail=-1: every skb allocation
# virtio_vsock_rx_fill makes returns NULL, as under memory pressure. rx_fill breaks out on the
# first NULL and nothing retries, so each RX work consumes buffers and puts none back: the ring
# (128 buffers) drains, vhost finds it empty and waits for buffers that never come, the host's
# later packets are never received. 3 s later the fault is disarmed (rxfill_fail=0): the link
# stays dead, because a refill only happens in the RX work, which only runs on an interrupt,
# which needs a buffer. Both applications give up at their timeout.
# Expected (tests/lab/check.py): host sends the guest never receives (undelivered a_to_b), the
# guest's receives stop within a few seconds of the fault, nothing arrives after the disarm.
# With BPF evidence in the recordings (vsockdiag-bpf markers): rx_ring_empty.

host_main() {
	lab_record_start host || return 1
	lab_guest_start || return 1
	lab_wait guest.listening 120 || return 1
	# more than the guest will ever take: the stream ends when the host gives up
	"$VSOCKLOAD" connect 3 5555 -n 1500 -s 4096 -i 20 -t 60 -p 500 >/tmp/load.out 2>&1 &
	local lp=$!
	lab_wait guest.disarmed 60 || return 1
	sleep 2
	lab_mark host.gaveup
	kill "$lp" 2>/dev/null
	wait "$lp"
	say "stopped the host's stream: it had been blocked (no credit) since the guest stopped receiving"
	show_load /tmp/load.out host
	lab_wait guest.done 60 || return 1
	lab_record_stop
}

guest_main() {
	lab_fault_load || return 1
	lab_record_start guest || return 1
	: >/tmp/load.out
	"$VSOCKLOAD" listen 5555 -n 0 -T 60 -t 60 -p 500 >/tmp/load.out 2>&1 &
	local lp=$!
	lab_await_listener /tmp/load.out "$lp" || return 1
	lab_mark guest.connected
	lab_sleep 1.5
	lab_fault_set rxfill_fail -1 || return 1
	lab_sleep 3
	lab_fault_set rxfill_fail 0
	lab_mark guest.disarmed
	say "fault disarmed; the ring stays dry (nothing retries a refill): waiting for the host to give up"
	lab_wait host.gaveup 30 || true
	lab_sleep 1
	lab_mark guest.end
	kill "$lp" 2>/dev/null
	wait "$lp"
	show_load /tmp/load.out guest
	lab_fault_report
	lab_record_stop
	lab_mark guest.done
}
