# SPDX-License-Identifier: GPL-2.0
# Scenario "alloc": high-order allocation failures from memory fragmentation (the seed's
# failure), attempted for real in the guest partition.
# The guest (L2, 512 MiB) pins all its available memory but 48 MiB as order-0 pages and frees
# every other one, then takes the remaining free blocks of order >= 5 with AF_PACKET rings
# (tests/lab/fragment.c), with compaction of unevictable pages disabled and THP
# off; then the guest tries to send 20 x 64 KiB to the host (port 5555), then receives
# 20 x 64 KiB from the host (port 5556, RX buffer refills under fragmentation). On
# Debian 6.1 (>= 6.1.63, skb-based vsock) a 64 KiB guest TX packet is one contiguous order-5
# buffer and each guest RX buffer a kmalloc-8k object. The recordings include
# kmem:mm_page_alloc (order >= 3) and failed kmallocs. What the kernel does is recorded in
# guest.log (write errors, buddyinfo); asserted: the clock, and that vsockdiag reports the
# guest's allocation failures.
# What Debian 6.1.192 did (every run since fragment.c takes the order >= 5 blocks): the
# guest's first 64 KiB send failed at once, synchronously: mm_page_alloc order=5 page=(nil)
# and kmalloc(131072) from __alloc_skb returning NULL (GFP_KERNEL|__GFP_NOWARN, so nothing in
# dmesg), no virtio_transport_alloc_pkt, and write() returned ENOMEM to the application, which
# closed the connection: no packet was lost in flight. The host's 20 x 64 KiB to the guest all
# arrived: the guest's 4 KiB RX buffers (kmalloc-8k) were still allocatable (order-1 blocks
# remained), so the RX ring never ran dry.

host_main() {
	lab_record_start host || return 1
	# 5555: the guest sends (the host only reads); 5556: the host sends 20 x 64 KiB
	"$VSOCKLOAD" listen 5555 -n 0 -t 150 >/tmp/load.out &
	local lp=$!
	"$VSOCKLOAD" listen 5556 -n 20 -s 65536 -i 100 -t 150 >/tmp/load2.out &
	local lp2=$!
	lab_guest_start || return 1
	wait "$lp" || say "vsockload listen 5555 exited with $?"
	wait "$lp2" || say "vsockload listen 5556 exited with $?"
	cat /tmp/load.out /tmp/load2.out
	lab_wait guest.done 150 || return 1
	lab_record_stop
}

guest_main() {
	# While memory is fragmented nothing may be paged in over 9p (the 9p client needs
	# msize-sized buffers: a first attempt hung the guest in dmesg): the programs used in that
	# window run from tmpfs, the rest (say, cat, dmesg) only after fragment has exited.
	local b
	for b in "$VSOCKLOAD" "$LAB_BIN/fragment" /usr/bin/sleep; do
		cp "$b" /tmp/ || return 1
	done
	echo 0 >/proc/sys/vm/compact_unevictable_allowed
	echo never >/sys/kernel/mm/transparent_hugepage/enabled
	lab_record_start guest || return 1
	/tmp/fragment 48 25 /tmp/frag.ready >/tmp/frag.out 2>&1 &
	local fp=$! n=600
	while [[ ! -e /tmp/frag.ready ]] && kill -0 "$fp" 2>/dev/null && ((n-- > 0)); do /tmp/sleep 0.1; done
	/tmp/vsockload connect 2 5555 -n 20 -s 65536 -i 100 -t 8 >/tmp/load.out 2>&1
	echo "vsockload connect 2 5555 (guest sends) exited with $?" >>/tmp/load.out
	/tmp/vsockload connect 2 5556 -n 0 -t 10 >>/tmp/load.out 2>&1
	echo "vsockload connect 2 5556 (host sends) exited with $?" >>/tmp/load.out
	wait "$fp"
	cat /tmp/frag.out /tmp/load.out
	dmesg | grep -iA3 'allocation failure' | head -20
	lab_record_stop
	lab_mark guest.done
}
