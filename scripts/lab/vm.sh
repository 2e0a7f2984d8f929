#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside both lab VMs (chrooted into the 9p share by scripts/lab/init): loads the
# scenario tests/lab/$VSOCKLAB_SCENARIO.sh and calls its host_main (outer VM, L1) or
# guest_main (inner VM, L2). The helpers below are what scenarios use.
#
# Files of a run (all in $VSOCKLAB_RUN, which this machine, L1 and L2 share):
#   lab.env               written by scripts/lab/run.sh: kernel, initrd, vsockdiag, timeouts
#   host.dat guest.dat    the recordings (vsockdiag record, or trace-cmd record)
#   host.log guest.log    what the scenario printed on each partition
#   guest-console.log     the inner VM's console
#   sync.*                rendezvous files between the partitions
set -u
RUN=$VSOCKLAB_RUN
ROLE=$VSOCKLAB_ROLE
REPO=$VSOCKLAB_REPO
# shellcheck disable=SC1091
. "$RUN/lab.env" || { echo "vm.sh: no $RUN/lab.env"; exit 1; }
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

exec > >(tee -a "$RUN/$ROLE.log") 2>&1

# (builtins only: every exec is a page-in over 9p, nested twice in the guest: about a second)
say() {
	local up
	read -r up _ </proc/uptime
	printf '[%s %8.3f] %s\n' "$ROLE" "$up" "$*"
}

# --- rendezvous between the partitions: files in the shared run directory ---------------
# lab_mark NAME: tell the other partition (RUN/sync.NAME holds this partition's uptime), and
# put "vsocklab-mark NAME" into the recording while it records: the nested guest's uptime and
# its trace clock drift apart by seconds, so check.py times the scenario's steps by the marker.
lab_mark() {
	local up
	lab_trace_mark "$1"
	read -r up _ </proc/uptime
	echo "$up" >"$RUN/sync.$1"
	sync
}
# lab_trace_mark NAME: "vsocklab-mark NAME" into the recording only (builtins only: also usable
# while nothing may be paged in over 9p)
lab_trace_mark() {
	local tm=/sys/kernel/tracing/trace_marker
	[[ $LAB_RECORDER == vsockdiag ]] && tm=/sys/kernel/tracing/instances/vsockdiag-$REC_PID/trace_marker
	[[ -n $REC_PID && -w $tm ]] && echo "vsocklab-mark $1" >"$tm" 2>/dev/null
	return 0
}
# lab_wait NAME SECONDS: wait for the other partition's lab_mark NAME
lab_wait() {
	local f=$RUN/sync.$1 n=$((${2:-60} * 10))
	while ((n-- > 0)); do
		[[ -e $f ]] && return 0
		sleep 0.1
	done
	say "timed out after ${2:-60}s waiting for sync.$1"
	return 1
}

# --- recording ---------------------------------------------------------------------------
# The vsock device's virtio index on this partition (the guest's virtio-vsock-pci; none in the
# host, whose vsock side is vhost and has no interrupt line of its own).
lab_vsock_virtio() {
	local d
	for d in /sys/bus/virtio/devices/virtio*; do
		[[ $(cat "$d/device" 2>/dev/null) == 0x0013 ]] && { basename "$d"; return 0; }
	done
	return 1
}

REC_PID=
REC_FILE=
# lab_record_start NAME: record this partition into /tmp/NAME.dat (the VM's own tmpfs: never
# written over 9p while recording), with vsockdiag record or, if LAB_RECORDER=trace-cmd or
# vsockdiag has no record subcommand, with trace-cmd record.
lab_record_start() {
	local name=$1 dev
	REC_FILE=/tmp/$name.dat
	dev=$(lab_vsock_virtio) || dev=
	say "recording with $LAB_RECORDER into $name.dat (vsock virtio device: ${dev:-none})"
	if [[ $LAB_RECORDER == vsockdiag ]]; then
		local irq=()
		[[ -n $dev ]] && irq=(--irq "$dev-*")
		"$VSOCKDIAG" record --force --buffer-kb "${LAB_BUFFER_KB:-4096}" "${irq[@]}" \
			-o "$REC_FILE" >"/tmp/$name.record.log" 2>&1 &
	else
		local filt='name ~ "none-*"'
		[[ -n $dev ]] && filt="name ~ \"$dev-*\""
		(cd /tmp && exec trace-cmd record -q -b "${LAB_BUFFER_KB:-4096}" -e vsock \
			-e irq:irq_handler_entry -f "$filt" \
			-e kmem:mm_page_alloc -f 'order >= 3' -o "$REC_FILE") \
			>"/tmp/$name.record.log" 2>&1 &
	fi
	REC_PID=$!
	# ready once vsockdiag record says "recording into": events, BPF hooks and the start
	# stamps are all on then (the instance's tracing_on is not enough: a new instance starts
	# with tracing on, and the BPF layer takes seconds to attach in the nested guest);
	# trace-cmd gets a fixed settling time
	local n=1200 log=/tmp/$name.record.log
	if [[ $LAB_RECORDER == vsockdiag ]]; then
		while [[ ! -f $log || $(<"$log") != *"recording into"* ]] && kill -0 "$REC_PID" 2>/dev/null && ((n-- > 0)); do
			sleep 0.1
		done
	else
		# trace-cmd enables the events, then starts its per-CPU readers: ready once the
		# events are on and tracing is on (checked, not slept on), then a short settle for
		# the readers
		local ev=/sys/kernel/tracing/events/vsock/enable on=/sys/kernel/tracing/tracing_on
		while [[ $(<"$ev") != 1 || $(<"$on") != 1 ]] && kill -0 "$REC_PID" 2>/dev/null && ((n-- > 0)); do
			lab_sleep 0.1
		done 2>/dev/null
		lab_sleep 0.5
	fi
	if ! kill -0 "$REC_PID" 2>/dev/null || ((n <= 0)); then
		say "recorder exited early or did not start within 120 s:"
		cat "/tmp/$name.record.log"
		return 1
	fi
	say "recording"
}
# lab_await_listener OUT PID: a `vsockload listen` started in the background with its output in
# OUT: wait until it listens (fail when it died first), mark guest.listening, then wait for its
# first connection (or its end). Builtins only: each exec costs seconds in the nested guest.
lab_await_listener() {
	local out=$1 pid=$2
	until [[ $(<"$out") == *"listening on port"* ]]; do
		kill -0 "$pid" 2>/dev/null || { say "vsockload listen failed: $(<"$out")"; return 1; }
		lab_sleep 0.05
	done
	lab_mark guest.listening
	until [[ $(<"$out") == *"conn 0 open"* ]]; do
		kill -0 "$pid" 2>/dev/null || break
		lab_sleep 0.05
	done
}

# lab_record_stop: stop the recorder (SIGINT), then copy the recording out through 9p
lab_record_stop() {
	[[ -n $REC_PID ]] || return 0
	# On the host, let the guest VM power off first (it does once its scenario is done):
	# detaching the BPF trampolines patches kernel text with IPIs to every vCPU, and a vCPU
	# inside the nested guest under TCG answers them so late that the host partition has
	# soft-locked (twice in CI rehearsals, the recorder stuck in the kernel for minutes).
	if [[ $ROLE == host && -n ${GUEST_QPID:-} ]]; then
		local g=300
		while kill -0 "$GUEST_QPID" 2>/dev/null && ((g-- > 0)); do sleep 0.1; done
	fi
	kill -INT "$REC_PID" 2>/dev/null
	local n=300
	while kill -0 "$REC_PID" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
	kill -0 "$REC_PID" 2>/dev/null && { say "recorder did not stop in 30s: killing it"; kill -KILL "$REC_PID"; }
	wait "$REC_PID"
	local rc=$?
	say "recorder exited with $rc: $(tail -3 "${REC_FILE%.dat}.record.log" | tr '\n' ' ')"
	cp "$REC_FILE" "$RUN/" && cp "${REC_FILE%.dat}.record.log" "$RUN/"
	REC_PID=
	return 0
}

# --- vsockdiag top, live, beside the recorder --------------------------------------------
TOP_PID=
TOP_NAME=
# lab_top_start NAME [ARGS...]: `vsockdiag top -b --json -d 1` on this partition, live (its own
# tracefs instance and BPF hooks, next to the recorder's), one JSON object per second into
# /tmp/NAME.top.json (RUN/NAME.top.json once stopped); ready at its first sample
lab_top_start() {
	local name=$1 dev irq=()
	shift
	TOP_NAME=$name
	dev=$(lab_vsock_virtio) || dev=
	[[ -n $dev ]] && irq=(--irq "$dev-*")
	"$VSOCKDIAG" top -b --json -d "${LAB_TOP_DELAY:-1}" "${irq[@]}" "$@" \
		>"/tmp/$name.top.json" 2>"/tmp/$name.top.log" &
	TOP_PID=$!
	local n=1200
	while [[ ! -s /tmp/$name.top.json ]] && kill -0 "$TOP_PID" 2>/dev/null && ((n-- > 0)); do
		sleep 0.1
	done
	if ! kill -0 "$TOP_PID" 2>/dev/null || ((n <= 0)); then
		say "vsockdiag top exited early or gave no sample within 120 s: $(<"/tmp/$name.top.log")"
		return 1
	fi
	say "vsockdiag top running (pid $TOP_PID)"
}
# lab_top_stop: stop top (SIGINT: its instance removed, BPF detached) and copy its output out
lab_top_stop() {
	[[ -n $TOP_PID ]] || return 0
	# the host detaches BPF only once the guest VM is gone (see lab_record_stop)
	if [[ $ROLE == host && -n ${GUEST_QPID:-} ]]; then
		local g=300
		while kill -0 "$GUEST_QPID" 2>/dev/null && ((g-- > 0)); do sleep 0.1; done
	fi
	kill -INT "$TOP_PID" 2>/dev/null
	local n=300
	while kill -0 "$TOP_PID" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
	kill -0 "$TOP_PID" 2>/dev/null && { say "vsockdiag top did not stop in 30s: killing it"; kill -KILL "$TOP_PID"; }
	wait "$TOP_PID"
	local rc=$? left
	left=$(ls /sys/kernel/tracing/instances | grep -c "^vsockdiag-$TOP_PID")
	say "vsockdiag top exited with $rc ($(grep -c . "/tmp/$TOP_NAME.top.json") samples; instances left: $left)"
	echo "rc $rc instances_left $left" >"/tmp/$TOP_NAME.top.rc"
	cp "/tmp/$TOP_NAME.top.json" "/tmp/$TOP_NAME.top.log" "/tmp/$TOP_NAME.top.rc" "$RUN/"
	TOP_PID=
	return 0
}

# --- the shell-only recorder (scripts/vsockdiag-record.sh) beside the real one -----------------
SHREC_PID=
SHREC_NAME=
# lab_shellrec_start NAME: record with scripts/vsockdiag-record.sh under busybox sh (what a device
# without the binary has) into /tmp/NAME-sh.txt, the vsock device's lines as the real recorder
# takes them; ready once it says it records
lab_shellrec_start() {
	local name=$1 dev irq=() n=600
	SHREC_NAME=$name
	dev=$(lab_vsock_virtio) || dev=
	[[ -n $dev ]] && irq=(--irq "$dev-*")
	busybox sh "$REPO/scripts/vsockdiag-record.sh" --force -b "${LAB_BUFFER_KB:-4096}" \
		"${irq[@]}" -o "/tmp/$name-sh.txt" >/dev/null 2>"/tmp/$name-sh.log" &
	SHREC_PID=$!
	while [[ ! -f /tmp/$name-sh.log || $(<"/tmp/$name-sh.log") != *"recording to"* ]] &&
		kill -0 "$SHREC_PID" 2>/dev/null && ((n-- > 0)); do
		lab_sleep 0.1
	done
	if ! kill -0 "$SHREC_PID" 2>/dev/null || ((n <= 0)); then
		say "the shell recorder exited early or did not start within 60 s: $(<"/tmp/$name-sh.log")"
		return 1
	fi
	say "shell recorder recording"
}
# lab_shellrec_stop: SIGTERM (a background job ignores SIGINT), then copy its file out
lab_shellrec_stop() {
	[[ -n $SHREC_PID ]] || return 0
	kill -TERM "$SHREC_PID" 2>/dev/null
	local n=300
	while kill -0 "$SHREC_PID" 2>/dev/null && ((n-- > 0)); do lab_sleep 0.1; done
	kill -0 "$SHREC_PID" 2>/dev/null && { say "the shell recorder did not stop in 30s: killing it"; kill -KILL "$SHREC_PID"; }
	wait "$SHREC_PID"
	local rc=$? left
	left=$(ls /sys/kernel/tracing/instances | grep -c "^vsockdiag-sh\.")
	say "shell recorder exited with $rc (instances left: $left): $(tail -1 "/tmp/$SHREC_NAME-sh.log")"
	echo "rc $rc instances_left $left" >"/tmp/$SHREC_NAME-sh.rc"
	cp "/tmp/$SHREC_NAME-sh.txt" "/tmp/$SHREC_NAME-sh.log" "/tmp/$SHREC_NAME-sh.rc" "$RUN/"
	SHREC_PID=
	return 0
}

# lab_deadline PID SECONDS: kill PID (SIGTERM) if it still runs SECONDS from now. For a
# program started before the party it waits for was up (a listener started before the guest
# boots): its time limit starts here, once that party is up, not when it was started.
lab_deadline() {
	local pid=$1 s=$2
	(
		lab_sleep "$s"
		kill -0 "$pid" 2>/dev/null && say "deadline: pid $pid still running after $s s: stopping it" &&
			kill "$pid"
	) &
}

# lab_sleep SECONDS: sleep without an exec (in the nested guest, /usr/bin/sleep alone takes
# seconds to page in over 9p, which skews a scenario's timing)
lab_sleep() { read -rt "$1" <> <(:) || :; }

# show_load FILE ROLE: a vsockload output (its progress lines only when the counts changed), kept
# as RUN/ROLE.load
show_load() {
	local l k last=
	while IFS= read -r l; do
		if [[ $l == progress* ]]; then
			k=${l#progress * }
			[[ $k == "$last" ]] || printf '    %s\n' "$l"
			last=$k
		else
			printf '%s\n' "$l"
		fi
	done <"$1"
	cp "$1" "$RUN/$2.load"
}

# --- fault injection: tests/lab/faultinj/vdfault.c, built by scripts/lab/faultmod.sh -------
# Only ever loaded inside a lab VM. It taints that VM's kernel: every scenario that loads it
# says so in its log, and what follows in that VM is the lab's doing, not the kernel's.
VDF=/sys/module/vdfault/parameters
# lab_fault_load: insmod the module (from the share) into this partition's kernel
lab_fault_load() {
	if [[ -z ${LAB_VDFAULT:-} || ! -f $LAB_VDFAULT ]]; then
		say "no fault-injection module (scripts/lab/faultmod.sh failed on the machine: see the run's output)"
		return 1
	fi
	insmod "$LAB_VDFAULT" || { say "insmod $LAB_VDFAULT failed:"; dmesg | tail -5; return 1; }
	say "loaded the lab's fault-injection module vdfault: this kernel is now TAINTED by a lab module" \
		"(/proc/sys/kernel/tainted=$(</proc/sys/kernel/tainted)); what it injects is the lab's doing"
}
# lab_fault_set PARAM VALUE: arm or disarm a fault (rxfill_fail, rxfill_order, drop_rx_kick); the
# recording gets "vsocklab-mark fault.PARAM=VALUE" at that moment
lab_fault_set() {
	echo "$2" >"$VDF/$1" || { say "cannot set vdfault $1=$2"; return 1; }
	lab_trace_mark "fault.$1=$2"
	say "vdfault $1=$2 ($(lab_fault_counters))"
}
lab_fault_counters() {
	local p
	for p in rxfill_allocs rxfill_failed rx_kicks rx_kicks_dropped; do
		printf '%s=%s ' "$p" "$(<"$VDF/$p")"
	done
}
# lab_fault_report: the module's counters into RUN/vdfault.ROLE (read by tests/lab/check.py) and
# its kernel log lines into ROLE.log (the kernel log says what it did, and that it tainted the kernel)
lab_fault_report() {
	local c
	for c in $(lab_fault_counters); do echo "$c"; done >"$RUN/vdfault.$ROLE"
	say "vdfault counters: $(lab_fault_counters)"
	local l
	while IFS= read -r l; do
		[[ $l == *vdfault:* ]] && printf '    dmesg| %s\n' "$l"
	done < <(dmesg)
}

# --- the guest partition (host side only) --------------------------------------------------
GUEST_TPID=
GUEST_QPID=
# lab_guest_start: start the inner VM (nested KVM, TCG fallback) with the vsock device, and wait
# until its init reports VSOCKLAB-UP on the console (LAB_BOOT_TIMEOUT), else show the console.
lab_guest_start() {
	local log=$RUN/guest-console.log
	: >"$log"
	say "starting the guest partition (CID 3)"
	timeout --kill-after=5 "$LAB_GUEST_TIMEOUT" qemu-system-x86_64 \
		-accel kvm -accel tcg -cpu max -m "${LAB_GUEST_MEM:-512}" -smp 1 \
		-nographic -no-reboot -kernel "$LAB_KERNEL" -initrd "$LAB_INITRD" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 vsocklab.role=guest vsocklab.repo=$REPO vsocklab.run=$RUN vsocklab.scenario=$VSOCKLAB_SCENARIO $LAB_GUEST_APPEND" \
		-device vhost-vsock-pci,guest-cid=3 \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap \
		</dev/null >"$log" 2>&1 &
	GUEST_TPID=$!
	local n=0 t0 t1 why rc
	t0=$(cut -d' ' -f1 /proc/uptime)
	t1=$(awk -v t="$t0" -v b="$LAB_BOOT_TIMEOUT" 'BEGIN { print int(t + b) }')
	while (($(cut -d. -f1 /proc/uptime) < t1)); do
		[[ -z $GUEST_QPID ]] && GUEST_QPID=$(pgrep -P "$GUEST_TPID" -x qemu-system-x86 || pgrep -P "$GUEST_TPID")
		if grep -q "VSOCKLAB-UP guest" "$log" 2>/dev/null; then
			say "guest is up after $(awk -v t="$t0" '{ printf "%.1f", $1 - t }' /proc/uptime) s (qemu pid $GUEST_QPID, $([[ -e /dev/kvm ]] && echo 'nested KVM available' || echo 'no /dev/kvm: TCG'))"
			return 0
		fi
		if grep -q "VSOCKLAB-FAIL guest" "$log" 2>/dev/null || ! kill -0 "$GUEST_TPID" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	# which of the three it was: the time it took says what to look for in the console
	why="the guest partition did not reach VSOCKLAB-UP within ${LAB_BOOT_TIMEOUT}s"
	if grep -q "VSOCKLAB-FAIL guest" "$log" 2>/dev/null; then
		why="the guest partition's init failed (VSOCKLAB-FAIL)"
	elif ! kill -0 "$GUEST_TPID" 2>/dev/null; then
		wait "$GUEST_TPID" 2>/dev/null
		rc=$?
		why="the guest partition's QEMU exited with status $rc after $(awk -v t="$t0" '{ printf "%.1f", $1 - t }' /proc/uptime) s, before VSOCKLAB-UP (with -no-reboot, a panic or a triple fault ends QEMU)"
	fi
	say "BOOT FAILURE: $why; console tail:"
	grep -v VSOCKLAB-HB "$log" | tail -25 | sed 's/^/    guest| /'
	kill "$GUEST_TPID" 2>/dev/null
	wait "$GUEST_TPID" 2>/dev/null
	GUEST_TPID=
	return 1
}
# lab_guest_wait [SECONDS]: wait for the guest to power off; kill it after SECONDS
lab_guest_wait() {
	[[ -n $GUEST_TPID ]] || return 1
	local n=$((${1:-60} * 10))
	while kill -0 "$GUEST_TPID" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
	if kill -0 "$GUEST_TPID" 2>/dev/null; then
		say "guest still running after ${1:-60}s: stopping it; console tail:"
		grep -v VSOCKLAB-HB "$RUN/guest-console.log" | tail -15 | sed 's/^/    guest| /'
		kill "$GUEST_TPID"
	fi
	wait "$GUEST_TPID"
	local rc=$?
	GUEST_TPID=
	grep -q "VSOCKLAB-DONE guest rc=0" "$RUN/guest-console.log" || { say "guest did not finish cleanly (rc $rc)"; return 1; }
	return 0
}

# --- heartbeat ---------------------------------------------------------------------------
# "VSOCKLAB-HB ROLE UPTIME" on the console every LAB_HEARTBEAT seconds (builtins only) while
# this partition runs: scripts/lab/run.sh, on the machine, declares a partition whose
# heartbeat stopped for LAB_SILENCE seconds hung (a soft lockup under TCG: seen in CI
# rehearsals) and stops the run at once instead of waiting for the whole scenario's timeout.
# The console, not a file in the run directory: a 9p write needs msize-sized buffers, and in a
# guest whose memory a scenario fragments (seed, alloc, rxstarve) those allocations compact
# memory (the refills the scenario starves succeed again) or hang the guest (seen in CI).
lab_heartbeat() {
	local up
	while :; do
		read -r up _ </proc/uptime
		echo "VSOCKLAB-HB $ROLE $up" >/dev/console
		lab_sleep "${LAB_HEARTBEAT:-5}"
	done
}
lab_heartbeat >/dev/null 2>&1 &
HB_PID=$!

# --- run the scenario --------------------------------------------------------------------
say "kernel $(uname -r), $(nproc) cpu, scenario $VSOCKLAB_SCENARIO"
uname -srvm >"$RUN/uname.$ROLE"
if [[ $ROLE == host ]]; then
	modprobe_ok=$(grep -c '^vhost_vsock ' /proc/modules)
	[[ $modprobe_ok == 1 ]] || { say "vhost_vsock is not loaded"; exit 1; }
	[[ -e /dev/kvm ]] || say "no /dev/kvm in the host partition: the guest runs under TCG (slow)"
fi
# shellcheck disable=SC1090
. "$REPO/tests/lab/$VSOCKLAB_SCENARIO.sh" || { say "no scenario $VSOCKLAB_SCENARIO"; exit 1; }
rc=0
if [[ $ROLE == host ]]; then
	host_main || rc=$?
	[[ -n $TOP_PID ]] && lab_top_stop
	[[ -n $REC_PID ]] && lab_record_stop
	[[ -n $GUEST_TPID ]] && { lab_guest_wait 30 || rc=1; }
else
	guest_main || rc=$?
	[[ -n $TOP_PID ]] && lab_top_stop
	[[ -n $REC_PID ]] && lab_record_stop
fi
kill "$HB_PID" 2>/dev/null
say "scenario $VSOCKLAB_SCENARIO ($ROLE) finished with $rc"
echo "$rc" >"$RUN/$ROLE.rc"
sync
exit "$rc"
