# SPDX-License-Identifier: GPL-2.0
# Scenario "seed": the seed's story end to end (../shared/seeds/000_*.txt): after a long run the
# memory of the receiving partition (the virtio side, Android in the seed) is too fragmented
# for high-order allocations, its vsock RX ring runs dry, and the other side's packets are never
# received again, even once memory is back (only a restart recovered the seed's link).
# The guest (L2, 256 MiB) is the receiving partition: the host (L1) streams 4 KiB every 100 ms to
# it on port 5555 (slowly: the ring must not run dry merely because fragment.c keeps the guest's
# one vCPU busy for seconds), and once fragmented the guest writes 64 KiB chunks to host port 5556,
# as the seed's side sent its own data. 1 s into the stream the guest fragments its memory for real
# (tests/lab/fragment.c, as in the alloc scenario: every free block of order >= 5 is taken) for
# LAB_FRAG_SECONDS (default 10: the ring, refilled below half of its 128 buffers, needs 6.4 s at
# 10 packets/s to drain, and must drain while refills still fail):
# - its own 64 KiB sends then fail for real (an order-5 kmalloc in __alloc_skb, __GFP_NOWARN:
#   write() gets ENOMEM, nothing in dmesg);
# - its RX refills fail. Debian 6.1's RX buffers are 4 KiB and still find memory under this
#   fragmentation (the alloc scenario shows it), so the lab's module (tests/lab/faultinj, the
#   kernel is tainted) gives the guest the seed's 64 KiB RX buffers: with rxfill_order=5 each
#   refill allocation first really allocates an order-5 block (GFP_NOWAIT) and fails when the
#   buddy allocator has none. That attempt is a real allocation failure of the guest's kernel
#   (mm_page_alloc order=5 page=NULL), the refill breaks, nothing retries, the ring drains.
# When fragment exits the memory is back, but the ring stays dry: the host's packets are never
# received. Nothing may be paged in over 9p while memory is fragmented (see alloc.sh): the guest
# runs only programs copied to tmpfs then, and marks its steps in the trace only.
# Expected (tests/lab/check.py): allocation_failure on the guest, then undelivered host ->
# guest (in that order); the guest's receives stop after the fragmentation and never resume.
# With BPF evidence: allocation_failure, then rx_ring_empty, then undelivered.

LAB_FRAG_SECONDS=${LAB_FRAG_SECONDS:-10}
# a smaller guest than the others: fragment.c faults in and pins all of its memory but 48 MiB,
# which takes about 25 s on 512 MiB
LAB_GUEST_MEM=${LAB_GUEST_MEM:-256}

host_main() {
	lab_record_start host || return 1
	"$VSOCKLOAD" listen 5556 -n 0 -t 120 >/tmp/recv.out 2>&1 &
	local rp=$!
	lab_guest_start || return 1
	lab_wait guest.listening 120 || return 1
	"$VSOCKLOAD" connect 3 5555 -n 3000 -s 4096 -i 100 -t 90 -p 500 >/tmp/load.out 2>&1 &
	local lp=$!
	lab_wait guest.end 90 || return 1
	lab_mark host.gaveup
	kill "$lp" "$rp" 2>/dev/null
	wait "$lp" "$rp"
	say "stopped the host's stream (blocked without credit since the guest stopped receiving) and its receiver"
	show_load /tmp/load.out host
	cat /tmp/recv.out
	lab_wait guest.done 60 || return 1
	lab_record_stop
}

guest_main() {
	local b
	for b in "$VSOCKLOAD" "$LAB_BIN/fragment"; do
		cp "$b" /tmp/ || return 1
	done
	echo 0 >/proc/sys/vm/compact_unevictable_allowed
	echo never >/sys/kernel/mm/transparent_hugepage/enabled
	lab_fault_load || return 1
	lab_record_start guest || return 1
	lab_fault_set rxfill_order 5 || return 1
	: >/tmp/load.out
	/tmp/vsockload listen 5555 -n 0 -t 90 -p 500 >/tmp/load.out 2>&1 &
	local lp=$!
	lab_await_listener /tmp/load.out "$lp" || return 1
	# the guest's own data: 64 KiB writes once its memory is fragmented
	/tmp/vsockload connect 2 5556 -n 10 -s 65536 -i 500 -W /tmp/frag.ready -t 60 >/tmp/send.out 2>&1 &
	local sp=$!
	lab_mark guest.connected
	lab_sleep 1
	lab_trace_mark guest.fragmenting
	/tmp/fragment 48 "$LAB_FRAG_SECONDS" /tmp/frag.ready >/tmp/frag.out 2>&1 &
	local fp=$! n=600
	while [[ ! -e /tmp/frag.ready ]] && kill -0 "$fp" 2>/dev/null && ((n-- > 0)); do lab_sleep 0.1; done
	lab_trace_mark guest.fragmented
	wait "$fp"
	lab_mark guest.unfragmented
	say "memory fragmented and released again: $(lab_fault_counters)"
	lab_sleep 3
	lab_mark guest.end
	kill "$lp" "$sp" 2>/dev/null
	wait "$lp" "$sp"
	printf '%s\n' "$(</tmp/frag.out)"
	show_load /tmp/load.out guest
	printf 'guest -> host:5556: %s\n' "$(</tmp/send.out)"
	cp /tmp/frag.out "$RUN/guest.frag"
	lab_fault_report
	lab_record_stop
	lab_mark guest.done
}
