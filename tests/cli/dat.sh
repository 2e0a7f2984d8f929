#!/usr/bin/env bash
# trace.dat input end to end: record real non-vsock events with trace-cmd (never vsock: this
# machine's own vsock belongs to the environment), then `vsockdiag report` and `correlate` on it,
# with `trace-cmd report` as the oracle. Needs root and trace-cmd (skips otherwise, fails under CI);
# mounts tracefs when it is not mounted and unmounts it at exit.
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
FIX=tests/fixtures/text
TRACEFS=/sys/kernel/tracing
pass=0 fail=0

source "$(dirname "$0")/../root_env.sh"
suite_need_root dat
command -v trace-cmd >/dev/null || suite_skip dat "trace-cmd is not installed"
tracefs_ensure dat
[[ -w $TRACEFS/set_event ]] || suite_skip dat "$TRACEFS/set_event is not writable"
tmp=$(mktemp -d)
saved_events=$(cat $TRACEFS/set_event)
saved_on=$(cat $TRACEFS/tracing_on)
saved_kb=$(cut -d' ' -f1 $TRACEFS/buffer_size_kb)
restore() {
	# -k below leaves the events on: put the global settings back as they were
	: >$TRACEFS/set_event
	[[ -n $saved_events ]] && printf '%s\n' "$saved_events" >>$TRACEFS/set_event
	echo "$saved_on" >$TRACEFS/tracing_on
	echo "$saved_kb" >$TRACEFS/buffer_size_kb
	rm -rf "$tmp"
	tracefs_release
}
trap restore EXIT

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# -d -k: this machine refuses writes to the function-tracer files trace-cmd would reset
record() {
	local out=$1
	shift
	(cd "$tmp" && trace-cmd record -q -d -k "$@" -o "$out" sh -c 'ls -R /usr/lib >/dev/null; sleep 0.3') \
		>/dev/null 2>&1
}

# report --json against the oracle's counts and first/last timestamps
cat >"$tmp/check.py" <<'PYEOF'
import json, sys
r = json.load(sys.stdin)
irq, allev, first, last = (int(x) for x in sys.argv[1:])
used, other = r["events"]["used"], r["events"]["other"]
errs = []
if r["interrupts"]["total"] != irq:
    errs.append("irq entries %d != %d" % (r["interrupts"]["total"], irq))
if used + other != allev:
    errs.append("events %d+%d != %d" % (used, other, allev))
if r["window"]["first_ns"] != first:
    errs.append("first %d != %d" % (r["window"]["first_ns"], first))
if r["window"]["last_ns"] != last:
    errs.append("last %d != %d" % (r["window"]["last_ns"], last))
if r["format"] != "trace.dat" or r["metadata"]["trace_clock"] is None:
    errs.append("metadata")
if errs:
    print("    " + "; ".join(errs))
    sys.exit(1)
PYEOF

check_report() {
	local name=$1 dat=$2 out json st o=$tmp/oracle.txt
	out=$("$VSOCKDIAG" report "$dat" 2>&1)
	st=$?
	if [[ $st -ne 0 ]]; then
		bad "$name: report exit $st"; echo "$out" | head -3; return
	fi
	ok
	json=$("$VSOCKDIAG" report --json "$dat" 2>/dev/null)
	# the oracle: trace-cmd report's lines per event (-t: nanoseconds), first and last timestamps
	trace-cmd report -t -i "$dat" 2>/dev/null >"$o"
	local want_irq want_all first last
	want_irq=$(grep -c ' irq_handler_entry: ' "$o")
	want_all=$(grep -cE '\[[0-9]+\] +[0-9]+\.[0-9]{9}: ' "$o")
	# the window spans the events vsockdiag uses (as for text dumps), not every record
	grep -E ' (irq_handler_entry|irq_handler_exit|mm_page_alloc|kmalloc): ' "$o" |
		grep -oE '\] +[0-9]+\.[0-9]{9}:' | grep -oE '[0-9]+\.[0-9]+' | tr -d . | sort -n >"$o.ts"
	first=$(head -1 "$o.ts")
	last=$(tail -1 "$o.ts")
	if python3 "$tmp/check.py" "$want_irq" "$want_all" "$((10#$first))" "$((10#$last))" <<<"$json"; then
		ok
	else
		bad "$name: report --json differs from trace-cmd report"
	fi
}

if record v6.dat --file-version 6 -e irq -e kmem:mm_page_alloc -e kmem:kmalloc -e sched:sched_switch; then
	ok
	check_report "v6" "$tmp/v6.dat"
else
	bad "trace-cmd record v6"
fi
if record v7.dat --file-version 7 --compression any -e irq -e kmem:mm_page_alloc; then
	ok
	check_report "v7 compressed" "$tmp/v7.dat"
else
	bad "trace-cmd record v7"
fi

if [[ -f $tmp/v6.dat ]]; then
	# a mixed pair (a lab .dat + the other side's text dump) is read without an input error
	# (exit 0 or 1, never 2)
	out=$("$VSOCKDIAG" correlate examples/lab/stall/host.dat examples/lab/stall/guest.txt 2>&1)
	st=$?
	if [[ $st -le 1 ]] && grep -q verdict <<<"$out"; then ok; else
		bad "mixed pair: exit $st"; echo "$out" | head -3
	fi
	# a trace.dat recorded without the vsock events (interrupts and allocations only): no
	# packet could be seen; the advice is to record vsock, not to paste text
	out=$("$VSOCKDIAG" correlate "$tmp/v6.dat" "$tmp/v7.dat" 2>&1)
	st=$?
	if [[ $st -eq 2 ]] && grep -q "is a trace.dat recorded without the vsock events (it holds [0-9]* interrupt and allocation events, no vsock:\* event format).*record with the vsock events on" <<<"$out" &&
		! grep -q "cat /sys/kernel/tracing/trace" <<<"$out"; then ok; else
		bad "trace.dat without vsock events: exit $st"; echo "$out" | head -3
	fi
	# truncated: a clear error and exit 2, never a crash
	head -c $(($(stat -c %s "$tmp/v6.dat") / 2)) "$tmp/v6.dat" >"$tmp/cut.dat"
	out=$("$VSOCKDIAG" correlate "$tmp/cut.dat" $FIX/seed_android.txt 2>&1)
	st=$?
	if [[ $st -eq 2 ]] && grep -q "truncated" <<<"$out"; then ok; else
		bad "truncated .dat: exit $st"; echo "$out" | head -3
	fi
	out=$("$VSOCKDIAG" report --json "$tmp/cut.dat" 2>/dev/null)
	st=$?
	if [[ $st -eq 2 ]] && grep -q '^{"error":' <<<"$out"; then ok; else
		bad "truncated .dat, report --json: exit $st"
	fi
fi

# record_refused NAME PATTERN RECORD-ARGS...: a trace.dat recorded with RECORD-ARGS, given to
# correlate beside v6.dat, is refused (exit 2) with a message matching PATTERN
record_refused() {
	local name=$1 pat=$2 out st
	shift 2
	if ! record "$name.dat" --file-version 6 "$@"; then
		bad "trace-cmd record ($name)"
		return
	fi
	out=$("$VSOCKDIAG" correlate "$tmp/$name.dat" "$tmp/v6.dat" 2>&1)
	st=$?
	if [[ $st -eq 2 ]] && grep -q "$pat" <<<"$out"; then ok; else
		bad "$name.dat: exit $st"; echo "$out" | head -3
	fi
}
# a trace.dat of other events only (sched): the same advice
record_refused sched "sched.dat is a trace.dat that holds [0-9]* events of other kinds and no vsock:\* events: record with the vsock events on" \
	-e sched:sched_switch
# a trace.dat that holds no events at all (the filter matches nothing): exit 2, and says so
record_refused empty "is a trace.dat that holds no events at all" \
	-e sched:sched_process_fork -f 'parent_pid < 0'

# the in-memory source reads a real recording exactly as the file source does (UNIT: the
# unit-test binary; make check passes it)
if [[ -n ${UNIT:-} ]]; then
	for f in v6 v7; do
		[[ -f $tmp/$f.dat ]] || continue
		if VD_TEST_DAT=$tmp/$f.dat "$UNIT" mem_dat_real_recording >"$tmp/unit.out" 2>&1; then ok; else
			bad "in-memory source on $f.dat"; grep -v '^ok' "$tmp/unit.out" | tail -15
		fi
	done
fi

echo "dat: $pass passed, $fail failed"
((fail == 0))
