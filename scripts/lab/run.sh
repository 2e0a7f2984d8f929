#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run lab scenarios: `scripts/lab/run.sh [SCENARIO...]` (default: every tests/lab/*.sh).
# For each: boot the host partition (L1, TCG) with the repo's root shared over 9p; inside it the
# scenario starts the guest partition (L2, nested KVM) and both record; then, on this machine,
# the recordings are turned into text (trace-cmd report) and tests/lab/check.py asserts on
# `vsockdiag correlate --json`. Results: lab/runs/SCENARIO/. Exit 0 when every scenario passed.
#
# Environment: LAB_TIMEOUT (the scenario, s, counted from the host partition's VSOCKLAB-UP,
# default 1500: only a backstop, a hung VM is found by its silence long before),
# LAB_BOOT_TIMEOUT (each boot to its marker, s, default 180), LAB_SILENCE (a partition whose
# heartbeat stopped this long is hung, s, default 180; LAB_SILENCE_LOCKUP, default
# 60, once a console reports a soft lockup or a hung task; LAB_PANIC_GRACE, default 5, after a
# kernel panic), LAB_RECORDER
# (auto|vsockdiag|trace-cmd), LAB_RETRIES, LAB_INFRA_SOFT, LAB_DEADLINE (below).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LAB_REPO"

# 1500: a backstop only (a hung VM is found by its silence in minutes); under a parallel compile
# the overhead scenario's guest alone ran 600 s
LAB_TIMEOUT=${LAB_TIMEOUT:-1500}
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-180}
# 180 s: a nested guest on a loaded machine went 91 s without a heartbeat while its recorder
# attached the BPF layer: most likely slow, not hung (a real hang is still stopped in minutes)
LAB_SILENCE=${LAB_SILENCE:-180}
# a soft lockup or a hung task, not an RCU stall warning: under TCG on a loaded machine those
# come and go (a CI rehearsal's host partition was declared hung 31 s after one)
LAB_SILENCE_LOCKUP=${LAB_SILENCE_LOCKUP:-60}
# a console that printed "Kernel panic - not syncing" is given this long to print the rest of
# its trace, then the run is stopped (a panicked partition never comes back)
LAB_PANIC_GRACE=${LAB_PANIC_GRACE:-5}
LAB_RECORDER=${LAB_RECORDER:-auto}
# LAB_DEADLINE (seconds since the epoch; `make test` sets it from CI's time limit): no attempt
# starts, and no retry, with less than LAB_MIN_ATTEMPT s left (a scenario's VMs take 90 to 400 s),
# and a run still going at the deadline is stopped. Such a scenario is reported as not run for
# lack of time, with the VM failures (below): the lab must end, loudly, before CI's limit kills
# everything after it unreported.
LAB_DEADLINE=${LAB_DEADLINE:-0}
LAB_MIN_ATTEMPT=${LAB_MIN_ATTEMPT:-240}

[[ $(id -u) -eq 0 ]] || lab_die "the lab runs as root (9p export of / with security_model=none)"
for c in qemu-system-x86_64 trace-cmd python3 timeout cpio modprobe depmod; do
	command -v "$c" >/dev/null || lab_die "$c missing: run scripts/lab/deps.sh"
done
[[ -x /bin/busybox ]] || lab_die "busybox missing: run scripts/lab/deps.sh"

scenarios=("$@")
if ((${#scenarios[@]} == 0)); then
	for f in tests/lab/*.sh; do
		n=$(basename "$f" .sh)
		[[ $n == _* ]] || scenarios+=("$n")
	done
fi
for s in "${scenarios[@]}"; do
	[[ -f tests/lab/$s.sh ]] || lab_die "no scenario tests/lab/$s.sh (have: $(cd tests/lab && ls *.sh | sed 's/\.sh$//' | tr '\n' ' '))"
done

# a private copy of the binary: others may rebuild build/vsockdiag while the VMs run
[[ -x build/vsockdiag ]] || make --no-print-directory all >&2 || lab_die "cannot build build/vsockdiag"
mkdir -p "$LAB_DIR/bin"
cp build/vsockdiag "$LAB_DIR/bin/vsockdiag.tmp" && mv "$LAB_DIR/bin/vsockdiag.tmp" "$LAB_DIR/bin/vsockdiag"
VSOCKDIAG=$LAB_DIR/bin/vsockdiag
# the workload (runs only inside the VMs)
gcc -O2 -Wall -Wextra -o "$LAB_DIR/bin/vsockload" tests/lab/vsockload.c || lab_die "cannot build tests/lab/vsockload.c"
VSOCKLOAD=$LAB_DIR/bin/vsockload
gcc -O2 -Wall -Wextra -o "$LAB_DIR/bin/fragment" tests/lab/fragment.c || lab_die "cannot build tests/lab/fragment.c"
# the adb scenario's adbd (tests/lab/adbd_lab.c; also only inside the VMs)
gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$LAB_DIR/bin/adbd_lab" tests/lab/adbd_lab.c || lab_die "cannot build tests/lab/adbd_lab.c"
if [[ $LAB_RECORDER == auto ]]; then
	if "$VSOCKDIAG" record --help >/dev/null 2>&1; then LAB_RECORDER=vsockdiag; else LAB_RECORDER=trace-cmd; fi
fi

kdir=$(bash scripts/lab/kernel.sh) || exit 1
initrd=$(bash scripts/lab/initramfs.sh) || exit 1
kernel=$(ls "$kdir"/root/boot/vmlinuz-* | head -1)
kver=$(basename "$kernel" | sed 's/^vmlinuz-//')
# the fault-injection module (tests/lab/faultinj/), built against Debian's headers for this
# kernel; only the scenarios that inject faults load it, and fail without it
vdfault=$(bash scripts/lab/faultmod.sh) || { vdfault=; lab_log "warning: no fault-injection module: the scenarios that need it will fail"; }

# lab_watch RUN QPID: watch a running scenario until its host partition's QEMU exits, and stop
# it (HUNG says why) when
#   - the scenario runs longer than LAB_TIMEOUT from the moment the host partition was up;
#   - a partition is silent: no new heartbeat ("VSOCKLAB-HB ROLE" on its console, every 5 s
#     from scripts/lab/vm.sh) for LAB_SILENCE s; the guest's only between its
#     VSOCKLAB-UP and VSOCKLAB-DONE; LAB_SILENCE_LOCKUP once a console reports a soft lockup
#     or a hung task (a lockup under TCG never recovered in CI rehearsals: the
#     run used to wait for its whole timeout);
#   - a partition's kernel panicked, LAB_PANIC_GRACE s after its console said so.
lab_watch() {
	local run=$1 qpid=$2 t_up now hb silence lockup g_up=0 who n h_n=0 h_t g_n=0 g_t=0
	local panic_t=0 panic_who=
	t_up=$(date +%s)
	h_t=$t_up
	HUNG=
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		now=$(date +%s)
		if ((now - t_up > LAB_TIMEOUT)); then
			HUNG="TIMEOUT: still running ${LAB_TIMEOUT}s after the host partition was up"
			break
		fi
		if ((LAB_DEADLINE && now > LAB_DEADLINE)); then
			HUNG="OUT OF TIME: still running at the lab's deadline (LAB_DEADLINE, $(date -d "@$LAB_DEADLINE" +%T))"
			break
		fi
		# a kernel that panicked is dead: with panic=-1 it should reset and QEMU exit
		# (-no-reboot), but a guest under KVM nested in TCG was seen to stay silent instead,
		# which cost the whole silence limit. A few seconds for the trace, then stop.
		# the guest's own console first: the host's may quote it ("    guest| ..." tails)
		for who in guest host; do
			if ((!panic_t)) && grep -v '^ *guest| ' "$run/$who-console.log" 2>/dev/null |
				grep -qs 'Kernel panic - not syncing'; then
				panic_t=$now
				panic_who=$who
			fi
		done
		if ((panic_t && now - panic_t >= LAB_PANIC_GRACE)); then
			HUNG="PANIC: the $panic_who partition's kernel panicked ($(grep -v '^ *guest| ' "$run/$panic_who-console.log" | grep -m1 -o 'Kernel panic - not syncing.*' | tr -d '\r'))"
			break
		fi
		silence=$LAB_SILENCE
		lockup=
		if grep -qsE 'soft lockup|blocked for more than' \
			"$run/host-console.log" "$run/guest-console.log"; then
			silence=$LAB_SILENCE_LOCKUP
			lockup="; a kernel reported a soft lockup or a hung task"
		fi
		# the time a partition's heartbeat count last grew
		n=$(grep -c "VSOCKLAB-HB host" "$run/host-console.log" 2>/dev/null)
		((${n:-0} != h_n)) && h_n=${n:-0} h_t=$now
		hb=$h_t
		who=host
		if ((g_up == 0)) && grep -qs "VSOCKLAB-UP guest" "$run/guest-console.log"; then
			g_up=$now
			g_t=$now
		fi
		if ((g_up)) && ! grep -qs "VSOCKLAB-DONE guest" "$run/guest-console.log" &&
			grep -qs "VSOCKLAB-UP guest" "$run/guest-console.log"; then
			# the guest's heartbeat, from when it was seen up (it starts seconds later)
			n=$(grep -c "VSOCKLAB-HB guest" "$run/guest-console.log" 2>/dev/null)
			((${n:-0} != g_n)) && g_n=${n:-0} g_t=$now
			((g_t < hb)) && { hb=$g_t; who=guest; }
		fi
		if ((now - hb > silence)); then
			HUNG="HUNG: the $who partition has been silent for $((now - hb)) s (no heartbeat$lockup)"
			break
		fi
	done
	if [[ -n $HUNG ]]; then
		# QEMU itself (timeout's child), then timeout
		pkill -TERM -P "$qpid" 2>/dev/null
		kill "$qpid" 2>/dev/null
		local i
		for ((i = 0; i < 100; i++)); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
		pkill -KILL -P "$qpid" 2>/dev/null
		kill -KILL "$qpid" 2>/dev/null
	fi
	return 0
}

# run_scenario NAME: one attempt; sets RESULT, and INFRA=1 when the VMs failed (boot failure,
# timeout, no result) rather than an assertion
run_scenario() {
	local s=$1 run t0 t1 t2 qpid up i qrc vm_rc chk_rc wall vmwall
	INFRA=0
	run=$LAB_DIR/runs/$s
	rm -rf "$run"
	mkdir -p "$run"
	cat >"$run/lab.env" <<-ENV
		LAB_KERNEL=$kernel
		LAB_INITRD=$initrd
		LAB_KVER=$kver
		LAB_KPKG=$(basename "$kdir")
		VSOCKDIAG=$VSOCKDIAG
		VSOCKLOAD=$VSOCKLOAD
		LAB_BIN=$LAB_DIR/bin
		LAB_VDFAULT=$vdfault
		LAB_RECORDER=$LAB_RECORDER
		LAB_BOOT_TIMEOUT=$LAB_BOOT_TIMEOUT
		LAB_GUEST_TIMEOUT=$((LAB_TIMEOUT - 30))
		LAB_GUEST_APPEND=
	ENV
	t0=$(date +%s.%N)
	lab_log "scenario $s: booting the host partition ($kver, TCG; recorder: $LAB_RECORDER; log $run/host-console.log)"
	# the hard limit is only a backstop: lab_watch stops a run sooner, by its own clock
	timeout --kill-after=10 "$((LAB_BOOT_TIMEOUT + LAB_TIMEOUT + 60))" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2 \
		-nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 vsocklab.role=host vsocklab.repo=$LAB_REPO vsocklab.run=$run vsocklab.scenario=$s" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap \
		</dev/null >"$run/host-console.log" 2>&1 &
	qpid=$!
	up=0
	for ((i = 0; i < LAB_BOOT_TIMEOUT * 10; i++)); do
		grep -q "VSOCKLAB-UP host" "$run/host-console.log" 2>/dev/null && { up=1; break; }
		grep -q "VSOCKLAB-FAIL host" "$run/host-console.log" 2>/dev/null && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	if ((up == 0)); then
		if grep -q "VSOCKLAB-FAIL host" "$run/host-console.log" 2>/dev/null; then
			# the VM's init said what is wrong: a setup error, not a flaky VM
			lab_log "scenario $s: SETUP FAILURE in the host partition: $(grep -m1 'VSOCKLAB-FAIL host' "$run/host-console.log")"
		else
			lab_log "scenario $s: BOOT FAILURE: the host partition did not reach VSOCKLAB-UP (timeout ${LAB_BOOT_TIMEOUT}s, or QEMU exited); console tail:"
			INFRA=1
		fi
		grep -v VSOCKLAB-HB "$run/host-console.log" | tail -25 | sed 's/^/    host| /' >&2
		kill "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		RESULT="$s: FAIL (host boot)"
		return 1
	fi
	lab_log "scenario $s: host partition up after $(python3 -c "import time; print(f'{time.time()-$t0:.1f}')") s"
	lab_watch "$run" "$qpid"
	wait "$qpid"
	qrc=$?
	t1=$(date +%s.%N)
	if [[ -n $HUNG ]]; then
		lab_log "scenario $s: $HUNG; console tails:"
		grep -v VSOCKLAB-HB "$run/host-console.log" | tail -25 | sed 's/^/    host| /' >&2
		[[ -s $run/guest-console.log ]] && grep -v VSOCKLAB-HB "$run/guest-console.log" | tail -15 | sed 's/^/    guest| /' >&2
	elif ((qrc == 124 || qrc == 137)); then
		lab_log "scenario $s: TIMEOUT: the host partition's QEMU hit its hard limit; console tail:"
		grep -v VSOCKLAB-HB "$run/host-console.log" | tail -25 | sed 's/^/    host| /' >&2
	elif [[ ! -s $run/host.rc ]]; then
		# nothing stopped it, yet its scenario never said how it ended
		lab_log "scenario $s: the host partition's QEMU exited with status $qrc after $(python3 -c "print(f'{$t1-$t0:.1f}')") s, before its scenario ended (no host.rc): with -no-reboot, a reset of the partition (a triple fault, a panic, a reboot) ends QEMU; console tail:"
		grep -v VSOCKLAB-HB "$run/host-console.log" | tail -25 | sed 's/^/    host| /' >&2
	fi
	vm_rc=$(cat "$run/host.rc" 2>/dev/null || echo missing)
	# the recordings as text too (trace-cmd report is the oracle for the .dat files)
	for side in host guest; do
		[[ -f $run/$side.dat ]] && trace-cmd report -i "$run/$side.dat" >"$run/$side.txt" 2>"$run/$side.report.err"
	done
	chk_rc=1
	if [[ $vm_rc == 0 ]]; then
		# LAB_LIVE: this run must hold what ran live in the VMs (top's output), a shipped copy not
		LAB_LIVE=1 python3 tests/lab/check.py "$s" "$run" "$VSOCKDIAG" 2>&1 | tee "$run/check.log" >&2
		chk_rc=${PIPESTATUS[0]}
	else
		lab_log "scenario $s: the VMs did not complete (host rc $vm_rc); see $run/host.log and $run/guest-console.log"
		tail -15 "$run/host.log" 2>/dev/null | sed 's/^/    host.log| /' >&2
	fi
	t2=$(date +%s.%N)
	wall=$(python3 -c "print(f'{$t2-$t0:.1f}')")
	vmwall=$(python3 -c "print(f'{$t1-$t0:.1f}')")
	echo "$wall" >"$run/wall_seconds"
	if [[ $vm_rc == 0 && $chk_rc == 0 ]]; then
		RESULT="$s: PASS (${wall}s, VMs ${vmwall}s)"
		return 0
	fi
	RESULT="$s: FAIL (${wall}s, VMs ${vmwall}s; see $run/)"
	[[ $vm_rc == 0 ]] || INFRA=1
	if ((chk_rc == 3)); then
		# check.py: what the scenario stages did not happen (the kernel's doing): like a VM failure
		RESULT="$s: FAIL (staging: $(grep -m1 -o 'STAGING FAILED.*' "$run/check.log" | cut -c1-160); see $run/)"
		INFRA=1
	fi
	return 1
}

# A VM that hangs under TCG (seen once: an RCU stall / soft lockup in the host partition) is
# retried LAB_RETRIES times (default 1) and the retry is reported; assertion failures are not.
LAB_RETRIES=${LAB_RETRIES:-1}
# LAB_INFRA_SOFT=1 (CI): a scenario whose VMs still fail after the retries is reported loudly
# but not counted as a failure; a failed assertion always is.
LAB_INFRA_SOFT=${LAB_INFRA_SOFT:-0}
# time_left: true when LAB_DEADLINE leaves room for one more attempt
time_left() {
	((LAB_DEADLINE == 0 || LAB_DEADLINE - $(date +%s) >= LAB_MIN_ATTEMPT))
}
results=()
fails=0
infra_fails=0
not_run=0
for s in "${scenarios[@]}"; do
	attempt=0
	if ! time_left; then
		lab_log "scenario $s: NOT RUN: less than ${LAB_MIN_ATTEMPT}s left before the lab's deadline (LAB_DEADLINE)"
		RESULT="$s: NOT RUN (out of time: less than ${LAB_MIN_ATTEMPT}s left before LAB_DEADLINE)"
		INFRA=1
		not_run=$((not_run + 1))
	else
		for ((attempt = 0; ; attempt++)); do
			run_scenario "$s" && break
			((INFRA && attempt < LAB_RETRIES)) || break
			if ! time_left; then
				lab_log "scenario $s: the VMs or the staging failed (not an assertion); no time left for a retry before the lab's deadline (LAB_DEADLINE)"
				RESULT+=" [no retry: out of time]"
				break
			fi
			lab_log "scenario $s: the VMs or the staging failed (not an assertion): retrying (attempt $((attempt + 2)))"
			mv "$LAB_DIR/runs/$s" "$LAB_DIR/runs/$s.failed-attempt-$((attempt + 1))" 2>/dev/null
			rm -rf "$LAB_DIR/runs/$s.failed-attempt-$((attempt + 1))/"*.dat
		done
	fi
	((attempt > 0)) && RESULT+=" [after $attempt failed attempt(s): lab/runs/$s.failed-attempt-*]"
	if [[ $RESULT != *": PASS"* ]]; then
		if ((INFRA && LAB_INFRA_SOFT)); then
			infra_fails=$((infra_fails + 1))
			RESULT+=" [VM or staging failure, or out of time, not an assertion: not counted (LAB_INFRA_SOFT)]"
		else
			fails=$((fails + 1))
		fi
	fi
	results+=("$RESULT")
done
echo "== lab results ($kver, recorder $LAB_RECORDER)"
printf '  %s\n' "${results[@]}"
((infra_fails)) && echo "lab: WARNING: $infra_fails scenario(s) did not run to the end: $not_run not started for lack of time, the others' VMs or staging failed (or were stopped at the deadline) on every attempt"
echo "lab: $((${#scenarios[@]} - fails - infra_fails)) passed, $fails failed"
exit $((fails > 0))
