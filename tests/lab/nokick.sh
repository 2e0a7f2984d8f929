# SPDX-License-Identifier: GPL-2.0
# Scenario "nokick": one guest notification on the vsock RX queue is lost.
# A guest notifies its RX queue only when vhost asked for it: vhost re-enables notifications
# when it finds the guest's RX ring empty with packets to deliver, and then waits for the kick
# that says buffers were posted (with the event index, virtqueue_kick_prepare says no
# otherwise). So a lost RX kick matters only after the ring ran dry, and the scenario first makes
# it run dry the way a busy guest does. The guest (L2, one vCPU) loads tests/lab/faultinj/
# vdfault.c (the kernel is tainted from then on), arms drop_rx_kick=1 and, once the host (L1) has
# connected, spins at SCHED_FIFO for LAB_HOG_SECONDS (default 4; RT throttling off): its RX work (a
# kworker) cannot run. 1 s into it the host writes a burst of 200 x 1 KiB (one packet and one 4 KiB
# RX buffer each, within the 256 KiB of credit) and its SHUTDOWN: vhost fills the ring's 128
# buffers, finds it empty and waits with the rest queued. When the loop ends, the RX work takes
# the 128 buffers, refills the ring and kicks: that kick's doorbell write is dropped (vp_notify
# returns true, the device is never told). vhost waits on a full ring; the host application has
# written everything and waits for the guest's data (sent only after the poke); the guest read 128 KiB, less than what makes
# it send a CREDIT_UPDATE: nothing moves.
# LAB_DEAD_SECONDS (default 4) later the host opens a second connection (port 5556, nothing
# listens): queueing that REQUEST runs vhost's send work, which finds the posted buffers and
# delivers everything. Any packet the host queues for the guest recovers the link this way
# (the first attempt at this scenario, with a burst still being written when the kick was lost,
# recovered by itself 50 ms later); nothing else does (no timer).
# Expected (tests/lab/check.py): the guest receives the ring's 128 packets, then nothing for about
# LAB_DEAD_SECONDS until just after the host's REQUEST on 5556; one delivery_stall host -> guest
# ending after that REQUEST; every byte delivered in the end; exactly one doorbell dropped. With
# BPF evidence: missing_kick.

LAB_HOG_SECONDS=${LAB_HOG_SECONDS:-4}
LAB_DEAD_SECONDS=${LAB_DEAD_SECONDS:-4}

host_main() {
	lab_record_start host || return 1
	lab_guest_start || return 1
	lab_wait guest.listening 120 || return 1
	# connect now, write the burst once the guest spins (its RX work cannot run then): 1 s after
	# its mark, since the busy loop itself sleeps until its 9p write of the mark has returned
	rm -f /tmp/burst
	"$VSOCKLOAD" connect 3 5555 -n 200 -s 1024 -i 0 -W /tmp/burst -t 90 -p 250 >/tmp/load.out 2>&1 &
	local lp=$!
	lab_wait guest.spinning 90 || return 1
	sleep 1
	: >/tmp/burst
	lab_wait guest.hogdone 90 || return 1
	sleep "$LAB_DEAD_SECONDS"
	lab_mark host.poke
	say "the link is dead since the guest's kick was dropped: opening a connection to guest port 5556 (nothing listens there)"
	"$VSOCKLOAD" connect 3 5556 -n 0 -t 5 >/tmp/poke.out 2>&1
	say "poke: vsockload connect 3 5556 exited with $?: $(tr '\n' ' ' </tmp/poke.out)"
	wait "$lp" || say "vsockload connect 3 5555 exited with $?"
	show_load /tmp/load.out host
	lab_wait guest.done 60 || return 1
	lab_record_stop
}

guest_main() {
	lab_fault_load || return 1
	lab_record_start guest || return 1
	# armed before the connection: a guest kicks its RX queue only after vhost found it empty,
	# which does not happen before the burst (rx_kicks counts every RX doorbell: check.py)
	lab_fault_set drop_rx_kick 1 || return 1
	local rt tm=/sys/kernel/tracing/trace_marker
	[[ $LAB_RECORDER == vsockdiag ]] && tm=/sys/kernel/tracing/instances/vsockdiag-$REC_PID/trace_marker
	rt=$(</proc/sys/kernel/sched_rt_runtime_us)
	# the guest writes (16 B) and half-closes only after the poke: until then the host application
	# keeps its socket open and idle (its close would queue packets for the guest, as the poke does)
	: >/tmp/load.out
	"$VSOCKLOAD" listen 5555 -n 1 -s 16 -W "$RUN/sync.host.poke" -T 90 -t 90 -p 250 >/tmp/load.out 2>&1 &
	local lp=$!
	lab_await_listener /tmp/load.out "$lp" || return 1
	echo -1 >/proc/sys/kernel/sched_rt_runtime_us
	# the busy loop marks itself once it runs (exec over 9p takes seconds), with builtins only
	chrt -f 50 bash -c 'read -r up _ </proc/uptime; echo "vsocklab-mark guest.spinning" >"$1"; echo "$up" >"$2"
		e=$(( ${EPOCHREALTIME/./} + $3 * 1000000 )); while (( ${EPOCHREALTIME/./} < e )); do :; done' \
		hog "$tm" "$RUN/sync.guest.spinning" "$LAB_HOG_SECONDS"
	echo "$rt" >/proc/sys/kernel/sched_rt_runtime_us
	lab_mark guest.hogdone
	say "busy loop over (${LAB_HOG_SECONDS} s at SCHED_FIFO): $(lab_fault_counters)"
	wait "$lp" || say "vsockload listen exited with $?"
	show_load /tmp/load.out guest
	lab_fault_report
	lab_record_stop
	lab_mark guest.done
}
