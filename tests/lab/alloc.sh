# SPDX-License-Identifier: GPL-2.0
# Scenario "alloc": high-order allocation failures from memory fragmentation (the seed's
# failure), attempted for real in the guest partition.
# The guest (L2, 512 MiB) pins all its available memory but 48 MiB as order-0 pages and frees
# every other one, then takes the remaining free blocks of order >= 5 with AF_PACKET rings
# (tests/lab/fragment.c), with compaction of unevictable pages disabled and THP
# off; then the guest sends 20 x 64 KiB to the host and the host 20 x 64 KiB to the guest. On
# Debian 6.1 (>= 6.1.63, skb-based vsock) a 64 KiB guest TX packet is one contiguous order-5
# buffer and each guest RX buffer a kmalloc-8k object. The recordings include
# kmem:mm_page_alloc (order >= 3) and failed kmallocs. What the kernel does is recorded in
# guest.log (write errors, buddyinfo) and asserted loosely: this scenario documents, it does
# not expect one outcome.

host_main() {
	lab_record_start host || return 1
	"$VSOCKLOAD" listen 5555 -n 20 -s 65536 -i 100 -w 1000 -t 150 >/tmp/load.out &
	local lp=$!
	lab_guest_start || return 1
	wait "$lp" || say "vsockload listen exited with $?"
	cat /tmp/load.out
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
	/tmp/fragment 48 15 /tmp/frag.ready >/tmp/frag.out 2>&1 &
	local fp=$! n=600
	while [[ ! -e /tmp/frag.ready ]] && kill -0 "$fp" 2>/dev/null && ((n-- > 0)); do /tmp/sleep 0.1; done
	/tmp/vsockload connect 2 5555 -n 20 -s 65536 -i 100 -t 10 >/tmp/load.out 2>&1
	echo "vsockload connect exited with $?" >>/tmp/load.out
	wait "$fp"
	cat /tmp/frag.out /tmp/load.out
	dmesg | grep -iA3 'allocation failure' | head -20
	lab_record_stop
	lab_mark guest.done
}
