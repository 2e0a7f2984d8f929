# SPDX-License-Identifier: GPL-2.0
# Scenario "overhead": what recording costs inside the guest during a bulk transfer, four ways in
# one run (a benchmark: measured and printed, not asserted). The guest sends the same bulk load
# to the host four times, 2000 x 64 KiB (128 MiB) as fast as credit allows, each to its own
# listener:
#   5555  not recorded
#   5556  `vsockdiag record --bpf off`   (tracepoints only)
#   5557  `trace-cmd record` of the same events (the peer)
#   5558  `vsockdiag record` (tracepoints + BPF: the lab's recorder, guest.dat)
# The guest's busy CPU time (/proc/stat: user+nice+system+irq+softirq jiffies, the recorder
# included) is taken around each transfer and written to overhead.txt; check.py divides each
# difference from the unrecorded one by the packets the recorded transfer carried.
# Then what `vsockdiag top` costs live (issue 10: under 1% of one core at 10 000 packets/s): a paced
# load, OVH_TOP_CONNS connections each sending a 256-byte chunk every 1 ms (about 10 000 packets/s
# from the guest) for OVH_TOP_SECONDS, twice:
#   5559  not watched
#   5560  `vsockdiag top -b --json -d 1` live in the guest (tracepoints + BPF, its own instance)
# For both, the guest's busy jiffies and the packets sent; for the second, top's own CPU time
# (utime + stime from /proc/PID/stat) over the load: overhead-top.txt, printed by check.py.
# Expected: the clock aligns, fitted from the packet pairs; the transfers complete; no chunk of
# the recorded one is called undelivered (2000 identical packets back to back: paired by their
# order, issue 8).
# Sourced by scripts/lab/vm.sh inside the VMs: host_main runs in L1, guest_main in L2.

OVH_PORTS=(5555 5556 5557 5558)
OVH_TOP_PORTS=(5559 5560)
OVH_TOP_CONNS=${OVH_TOP_CONNS:-10}
OVH_TOP_SECONDS=${OVH_TOP_SECONDS:-10}

host_main() {
	local p pids=()
	lab_record_start host || return 1
	# one listener per transfer (a listener waits for all its connections before reading:
	# one for all would leave the first transfers unread, at zero credit, until the last).
	# They start before the guest boots and its last transfer comes late (600 s after its
	# boot under a parallel compile): they wait for their first connection as long as the
	# guest may live (its boot and its QEMU's limit), -t then runs from that connection.
	local first=$((${LAB_BOOT_TIMEOUT:-180} + ${LAB_GUEST_TIMEOUT:-1470}))
	for p in "${OVH_PORTS[@]}"; do
		"$VSOCKLOAD" listen "$p" -c 1 -n 0 -T "$first" -t 600 &
		pids+=($!)
	done
	for p in "${OVH_TOP_PORTS[@]}"; do
		"$VSOCKLOAD" listen "$p" -c "$OVH_TOP_CONNS" -n 0 -T "$first" -t 600 >/dev/null &
		pids+=($!)
	done
	lab_guest_start || return 1
	lab_wait guest.done "${LAB_GUEST_TIMEOUT:-1470}" || return 1
	for p in "${pids[@]}"; do
		wait "$p" || { say "vsockload listen exited with $?"; return 1; }
	done
	lab_record_stop
}

# busy jiffies of all CPUs: user nice system irq softirq
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# transfer PORT: the bulk load to the host; prints the busy jiffies it took
transfer() {
	local b0 b1
	b0=$(busy_jiffies)
	"$VSOCKLOAD" connect 2 "$1" -n 2000 -s 65536 -i 0 -t 200 >/dev/null || say "transfer to $1 exited with $?"
	b1=$(busy_jiffies)
	echo $((b1 - b0))
}

# ticks of process PID (utime + stime)
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
mono_s() { awk '{ print $1 }' /proc/uptime; }

# paced PORT [PID]: the paced load to the host; prints "busy JIFFIES seconds S chunks N" and, with
# PID, "top_ticks T" (that process's CPU over the load)
paced() {
	local b0 b1 t0 t1 p0 p1 chunks
	b0=$(busy_jiffies)
	t0=$(mono_s)
	[[ -n ${2:-} ]] && p0=$(proc_ticks "$2")
	"$VSOCKLOAD" connect 2 "$1" -c "$OVH_TOP_CONNS" -n $((OVH_TOP_SECONDS * 1000)) -s 256 -i 1 \
		-t 300 >"/tmp/paced.$1.out" || say "paced load to $1 exited with $?"
	[[ -n ${2:-} ]] && p1=$(proc_ticks "$2")
	t1=$(mono_s)
	b1=$(busy_jiffies)
	chunks=$(awk '/^conn .* sent / { s += $5 } END { print int(s / 256) }' "/tmp/paced.$1.out")
	echo "busy $((b1 - b0)) seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') chunks $chunks${2:+ top_ticks $((p1 - p0))}"
}

# a side recorder (not the scenario's recording): start, settle, and its pid in SIDE_PID
side_start() {
	local dev filt
	dev=$(lab_vsock_virtio) || dev=
	if [[ $1 == tracepoints ]]; then
		local irq=()
		[[ -n $dev ]] && irq=(--irq "$dev-*")
		: >/tmp/ovh-tracepoints.log # exists before the loop below reads it
		"$VSOCKDIAG" record --force --bpf off --buffer-kb "${LAB_BUFFER_KB:-4096}" "${irq[@]}" \
			-o /tmp/ovh-tracepoints.dat >/tmp/ovh-tracepoints.log 2>&1 &
		SIDE_PID=$!
		local n=1200
		while [[ $(</tmp/ovh-tracepoints.log) != *"recording into"* ]] && kill -0 "$SIDE_PID" 2>/dev/null &&
			((n-- > 0)); do
			sleep 0.1
		done
	else
		filt='name ~ "none-*"'
		[[ -n $dev ]] && filt="name ~ \"$dev-*\""
		(cd /tmp && exec trace-cmd record -q -b "${LAB_BUFFER_KB:-4096}" -e vsock \
			-e irq:irq_handler_entry -f "$filt" -e kmem:mm_page_alloc -f 'order >= 3' \
			-e kmem:kmalloc -f 'ptr == 0' -e skb:kfree_skb -o /tmp/ovh-tracecmd.dat) \
			>/tmp/ovh-tracecmd.log 2>&1 &
		SIDE_PID=$!
		sleep "${LAB_RECORD_SETTLE:-3}"
	fi
	sleep 0.5
}

side_stop() {
	kill -INT "$SIDE_PID" 2>/dev/null
	wait "$SIDE_PID"
	say "side recorder ($1) exited with $?"
}

guest_main() {
	local none tp tc bpf pn pt

	# top first, alone: nothing else traces while it is measured
	pn=$(paced 5559)
	sleep 1
	lab_top_start guest-ovh || return 1
	sleep 1
	pt=$(paced 5560 "$TOP_PID")
	lab_top_stop
	echo "hz $(getconf CLK_TCK) conns $OVH_TOP_CONNS unwatched: $pn top: $pt" >"$RUN/overhead-top.txt"
	say "overhead of top: $(cat "$RUN/overhead-top.txt")"
	sleep 1
	none=$(transfer 5555)
	sleep 1
	side_start tracepoints
	tp=$(transfer 5556)
	side_stop tracepoints
	sleep 1
	side_start tracecmd
	tc=$(transfer 5557)
	side_stop tracecmd
	sleep 1
	lab_record_start guest || return 1
	bpf=$(transfer 5558)
	lab_record_stop
	echo "hz $(getconf CLK_TCK) unrecorded $none tracepoints $tp tracecmd $tc recorded $bpf" >"$RUN/overhead.txt"
	grep -m3 '^bpf:' "$RUN/guest.record.log" >"$RUN/overhead-bpf.txt" 2>/dev/null
	say "overhead: $(cat "$RUN/overhead.txt")"
	lab_mark guest.done
}
