#!/usr/bin/env bash
# scripts/vsockdiag-record.sh, the shell-only recorder, on the real kernel: under busybox sh and
# dash (the shells of the devices it is for; toybox's is mksh-like and POSIX too), its
# instance, its file, its signals, its header, and vsockdiag reading what it wrote.
# Needs root, busybox, dash and unshare (skips otherwise, fails under CI). NEVER records vsock
# events: this machine's own virtio-vsock belongs to the environment, so every run passes -e
# with non-vsock events, and VSOCKDIAG_FORBID_VSOCK makes the script refuse vsock:*. Its real
# job, vsock on both partitions next to vsockdiag record, is checked in the lab
# (tests/lab/shellrec.sh).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VSOCKDIAG=$(readlink -f "$VSOCKDIAG")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
REC=$REPO/scripts/vsockdiag-record.sh
export VSOCKDIAG_FORBID_VSOCK=1
T=/sys/kernel/tracing
pass=0 fail=0

source "$(dirname "$0")/../root_env.sh"
suite_need_root shell-record
for c in busybox dash unshare python3; do
	command -v $c >/dev/null || suite_skip shell-record "$c is not installed"
done
tracefs_ensure shell-record
tmp=$(mktemp -d)
cleanup() {
	if [[ ${KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
	tracefs_release
}
trap cleanup EXIT
cd "$tmp" || exit 1

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# the instances this script's recorders made (none may be left)
ours() { ls -d "$T"/instances/vsockdiag-sh.* 2>/dev/null | wc -l; }
events() { grep -vc '^#' "$1" 2>/dev/null || true; }

check "--help teaches by example and exits 0" \
	'busybox sh "$REC" --help >help.out 2>&1 && grep -q "^Examples:" help.out && grep -q -- "--flight-recorder" help.out'
busybox sh "$REC" -d soon -o x.txt >bad.out 2>&1
check "a bad --duration: exit 2 and the option named" '[[ $? -eq 2 ]] && grep -q "duration .soon." bad.out'
busybox sh "$REC" --bogus >bad.out 2>&1
check "an unknown option: exit 2 and where to look" '[[ $? -eq 2 ]] && grep -q -- "--help" bad.out'
busybox sh "$REC" -o def.txt >def.out 2>&1
rc=$?
check "the default events (vsock:*) refused under the VSOCKDIAG_FORBID_VSOCK guard, nothing left" \
	'[[ $rc -eq 2 && ! -e def.txt && $(ours) -eq 0 ]] && grep -q refusing def.out'

# --- a recording under each shell: the header, the events, nothing left behind
for sh in "busybox sh" dash; do
	n=${sh// /-}
	$sh "$REC" -e sched:sched_switch,kmem:mm_page_alloc -d 1 -o "$n.txt" >"$n.out" 2>"$n.log"
	rc=$?
	check "$sh: exit 0, events recorded ($(events "$n.txt"))" '[[ $rc -eq 0 && $(events "$n.txt") -gt 0 ]]'
	check "$sh: the header names the tracer, kernel, clock, events and CPUs" \
		'grep -qx "# tracer: nop" "$n.txt" && grep -q "^# kernel: $(uname -r)" "$n.txt" &&
		 grep -q "^# trace_clock: " "$n.txt" && grep -qF "kmem:mm_page_alloc [order >= 3]" "$n.txt" &&
		 grep -qE "#P:[0-9]+" "$n.txt"'
	check "$sh: the kernel-side filter held (no order < 3 allocation recorded)" \
		'! grep -E "mm_page_alloc:.* order=[012] " "$n.txt" | grep -q .'
	check "$sh: no instance left" '[[ $(ours) -eq 0 ]]'
	check "$sh: it says what it wrote" 'grep -q "wrote $n.txt: [0-9]* lines" "$n.log"'
done

# --- a glob in -e, as the default vsock:* is: every matching event, nothing from the directory
touch sched:sched_switch_decoy
busybox sh "$REC" -e 'sched:sched_switc*' -d 1 -o glob.txt >glob.out 2>glob.log
rc=$?
check "-e with a glob enables the events it matches (exit $rc, $(events glob.txt) events)" \
	'[[ $rc -eq 0 && $(events glob.txt) -gt 0 ]] && grep -q "^# events: sched:sched_switch$" glob.txt'

# --- vsockdiag reads what it wrote as trace text: without vsock events it says so (exit 2),
# never "not a trace"
busybox sh "$REC" -e sched:sched_switch -d 1 -o sched.txt >/dev/null 2>&1
"$VSOCKDIAG" report sched.txt >rep.out 2>&1
rc=$?
check "vsockdiag report reads the file as trace text: every line an event, none malformed" \
	'[[ $rc -eq 0 ]] && grep -qE "events +0 used, $(events sched.txt) of other events, 0 malformed" rep.out'
"$VSOCKDIAG" correlate sched.txt >cor.out 2>&1
rc=$?
check "vsockdiag correlate reads it and asks for the vsock events (exit $rc)" \
	'[[ $rc -eq 2 ]] && grep -q "no vsock:\* events vsockdiag understands" cor.out && ! grep -qi "not a trace" cor.out'

# --- the file: never replaced, never through a symlink, --force replaces it
echo keep >exists.txt
busybox sh "$REC" -e sched:sched_switch -d 1 -o exists.txt >ex.out 2>&1
rc=$?
check "an existing file: exit 1, kept, and --force named" \
	'[[ $rc -eq 1 && $(cat exists.txt) == keep && $(ours) -eq 0 ]] && grep -q -- "--force" ex.out'
echo secret >target.txt
ln -s target.txt link.txt
busybox sh "$REC" -e sched:sched_switch -d 1 -o link.txt >ln.out 2>&1
rc=$?
check "a symlink as the file: refused, its target untouched" \
	'[[ $rc -eq 1 && $(cat target.txt) == secret && -L link.txt ]]'
busybox sh "$REC" -e sched:sched_switch -d 1 -o link.txt --force >lnf.out 2>&1
rc=$?
check "--force on a symlink replaces the link, not its target" \
	'[[ $rc -eq 0 && $(cat target.txt) == secret && ! -L link.txt && $(events link.txt) -gt 0 ]]'
busybox sh "$REC" -e sched:sched_switch -d 1 -o nodir/x.txt >nd.out 2>&1
check "a missing directory: exit 1, said, no instance left" \
	'[[ $? -eq 1 && $(ours) -eq 0 ]] && grep -q "cannot create nodir/x.txt" nd.out'

# --- signals: SIGTERM and SIGINT (with its default disposition, as in a terminal) stop it cleanly
for sig in TERM INT; do
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' busybox sh "$REC" -e sched:sched_switch -o "sig$sig.txt" \
		>"sig$sig.out" 2>"sig$sig.log" &
	p=$!
	for _ in $(seq 100); do grep -q "recording to" "sig$sig.log" 2>/dev/null && break; sleep 0.05; done
	sleep 0.5
	kill -$sig $p
	wait $p
	rc=$?
	check "SIG$sig: exit 0, the events kept ($(events "sig$sig.txt")), the instance removed" \
		'[[ $rc -eq 0 && $(events "sig$sig.txt") -gt 0 && $(ours) -eq 0 ]] && grep -q "wrote sig$sig.txt" "sig$sig.log"'
done

# --- a run killed with SIGKILL leaves its instance: the next run removes it and says so
busybox sh "$REC" -e sched:sched_switch -o killed.txt >k.out 2>k.log &
p=$!
for _ in $(seq 100); do grep -q "recording to" k.log 2>/dev/null && break; sleep 0.05; done
reader=$(pgrep -P $p cat)
kill -KILL $p
wait $p 2>/dev/null
check "SIGKILL leaves the instance behind, and its reader (pid ${reader:-none}) reading it" \
	'[[ -d $T/instances/vsockdiag-sh.$p && -n $reader ]] && kill -0 $reader'
busybox sh "$REC" -e sched:sched_switch -d 1 -o after.txt >after.out 2>after.log
check "the next run ends that reader, removes the instance and says whose it was" \
	'[[ ! -d $T/instances/vsockdiag-sh.$p && $(ours) -eq 0 ]] && ! kill -0 $reader 2>/dev/null &&
	 grep -q "removed vsockdiag-sh.$p, left by a recorder that did not finish" after.log'

# --- the flight recorder: the buffer's last contents, with cat trace's own header
# (context switches enough to overflow 64 KiB per CPU whatever else the machine does: two
# processes passing one byte back and forth)
busybox sh "$REC" -F -b 64 -e sched:sched_switch -d 3 -o flight.txt >fl.out 2>fl.log &
p=$!
sleep 0.5
python3 -c 'import os
r1, w1 = os.pipe(); r2, w2 = os.pipe()
if os.fork() == 0:
    for _ in range(20000): os.read(r1, 1); os.write(w2, b"x")
    os._exit(0)
for _ in range(20000): os.write(w1, b"x"); os.read(r2, 1)
os.wait()'
wait $p
rc=$?
check "-F: exit 0, the buffer's header (entries-in-buffer/entries-written) and events ($(events flight.txt))" \
	'[[ $rc -eq 0 && $(events flight.txt) -gt 0 ]] && grep -q "entries-in-buffer/entries-written" flight.txt &&
	 [[ $(grep -c "^# tracer:" flight.txt) -eq 1 ]]'
check "-F with a 64 KiB buffer under load: the overwritten events are counted and said" \
	'grep -qE "the kernel lost or overwrote [0-9]+ events" fl.log'

# --- tracefs not mounted: the script mounts it (as trace-cmd does), says so, and unmounts it,
# in a private mount namespace (this machine's mounts are left as they are: checked)
fsmounts() { awk '$3 == "tracefs" || $3 == "debugfs" { print $2, $3 }' /proc/self/mounts | sort; }
fsmounts >mounts.before
unshare -m --propagation private sh -c '
	umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null
	umount /sys/kernel/debug 2>/dev/null
	echo "before: $(grep -cE " (tracefs|debugfs) " /proc/self/mounts)"
	busybox sh "$1" -e sched:sched_switch -d 1 -o ns.txt
	rc=$?
	echo "after: $(grep -cE " (tracefs|debugfs) " /proc/self/mounts)"
	exit $rc' sh "$REC" >ns.out 2>ns.log
rc=$?
fsmounts >mounts.after
check "no tracefs: mounted, recorded ($(events ns.txt) events), said so" \
	'[[ $rc -eq 0 && $(events ns.txt) -gt 0 ]] && grep -qx "before: 0" ns.out && grep -q "tracefs was not mounted: mounted it on /sys/kernel/tracing" ns.log'
check "no tracefs: unmounted again at the end" 'grep -qx "after: 0" ns.out'
check "no tracefs: the mounts outside the namespace unchanged" \
	'cmp -s mounts.before mounts.after || { diff mounts.before mounts.after; false; }'

echo "shell-record: $pass passed, $fail failed"
((fail == 0))
