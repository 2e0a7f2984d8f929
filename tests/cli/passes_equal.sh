#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Parse once, on two threads, gives what parsing every pass on one thread gave (issue 14):
# correlate and report, text and JSON, stdout, stderr and exit status byte for byte, in
# four ways against the reference (VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1: every pass parses
# the recordings again, one after the other):
#   default        the event cache in memory, both recordings parsed at once
#   file           the cache straight to a temporary file (VSOCKDIAG_CACHE_MEM=0)
#   one thread     the cache, recordings parsed one after the other
#   reparse        no cache, threads: every later pass parses both recordings on the merge
#                  thread (session/feed.c) while this one feeds the session
# on every shipped example pair (lab text and trace.dat, simulated), simulated pairs with
# malformed lines on both sides (warnings in their order), and the error cases (A without
# events: B's warnings must not appear; B damaged). PASSES_WAYS="default" compares only
# the default way (make tsan-check: the two threads under ThreadSanitizer, with reparse).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VDSIM=${VDSIM:-build/tests/vdsim}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# run NAME OUTDIR ENV... -- ARGS: stdout, stderr and status of one way
run() {
	local out=$1
	shift
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" "$VSOCKDIAG" "$@" >"$out.out" 2>"$out.err"
	echo $? >"$out.rc"
}

# same NAME ARGS...: every way equals the reference
same() {
	local name=$1 w
	shift
	run "$tmp/ref" VSOCKDIAG_CACHE=0 VSOCKDIAG_THREADS=1 -- "$@"
	for w in ${PASSES_WAYS:-default file one reparse}; do
		case $w in
		default) run "$tmp/$w" VSOCKDIAG_CACHE=1 -- "$@" ;;
		file) run "$tmp/$w" VSOCKDIAG_CACHE_MEM=0 -- "$@" ;;
		one) run "$tmp/$w" VSOCKDIAG_THREADS=1 -- "$@" ;;
		reparse) run "$tmp/$w" VSOCKDIAG_CACHE=0 -- "$@" ;;
		esac
		if cmp -s "$tmp/ref.out" "$tmp/$w.out" && cmp -s "$tmp/ref.err" "$tmp/$w.err" &&
			cmp -s "$tmp/ref.rc" "$tmp/$w.rc"; then
			ok
		else
			bad "$name ($w): differs from parsing every pass on one thread"
			diff "$tmp/ref.out" "$tmp/$w.out" | head -5
			diff "$tmp/ref.err" "$tmp/$w.err" | head -5
			echo "    exit $(<"$tmp/ref.rc") vs $(<"$tmp/$w.rc")"
		fi
	done
}

n=0
for d in examples/lab/*/ examples/simulated/*/; do
	files=()
	for f in "$d"*.txt "$d"*.dat; do
		[[ -f $f && $(basename "$f") != overhead.txt ]] && files+=("$f")
	done
	# the pair: host/guest (lab: text, then trace.dat), linux/android (simulated)
	for ext in txt dat; do
		a= b=
		[[ -f ${d}host.$ext ]] && a=${d}host.$ext b=${d}guest.$ext
		[[ -f ${d}linux.$ext ]] && a=${d}linux.$ext b=${d}android.$ext
		[[ -n $a && -f $b ]] || continue
		same "correlate $a $b" correlate "$a" "$b"
		same "correlate --json $a $b" correlate --json "$a" "$b"
		same "correlate -v $a $b" correlate -v "$a" "$b"
		same "report $a" report "$a"
		n=$((n + 1))
	done
done
((n >= 19)) && ok || bad "only $n example pairs found (expected 19: every lab example as text, 5 as trace.dat, 3 simulated)"

# simulated pairs, larger, with malformed lines spread over both sides (warnings on both)
"$VDSIM" --seed 7 --out "$tmp/sim" --events 200000 --conns 6 --rate 2000 --loss 20 \
	--stall a_to_b@3:2 >/dev/null || bad "vdsim"
for s in a b; do
	awk 'NR % 9973 == 0 { print "garbage line " NR " of '"$s"'" } { print }' \
		"$tmp/sim/$s.txt" >"$tmp/sim/$s-warn.txt"
done
same "correlate simulated 2x200k" correlate --json "$tmp/sim/a.txt" "$tmp/sim/b.txt"
same "correlate simulated, warnings on both sides" correlate "$tmp/sim/a-warn.txt" "$tmp/sim/b-warn.txt"
same "correlate simulated, warnings, -v" correlate -v --json "$tmp/sim/a-warn.txt" "$tmp/sim/b-warn.txt"
if grep -q "of a" "$tmp/ref.err" && grep -q "of b" "$tmp/ref.err" ||
	grep -q "a-warn.txt" "$tmp/ref.err" && grep -q "b-warn.txt" "$tmp/ref.err"; then
	ok
else
	bad "the warnings case warns about both sides (stderr: $(head -c 300 "$tmp/ref.err"))"
fi

# errors: A without any event (B is never read, and never warned about), B damaged
printf '# tracer: nop\n#\nnothing here\n' >"$tmp/empty-a.txt"
same "A holds no events, B warns" correlate "$tmp/empty-a.txt" "$tmp/sim/b-warn.txt"
if ! grep -q "b-warn.txt" "$tmp/ref.err" && ! grep -q "b-warn.txt" "$tmp/default.err"; then ok; else
	bad "A holds no events: nothing is said of B"
fi
head -c 3000 examples/lab/stall/guest.dat >"$tmp/cut.dat"
same "B is a damaged trace.dat" correlate examples/lab/stall/host.dat "$tmp/cut.dat"
grep -q "^2$" "$tmp/ref.rc" && ok || bad "B damaged: exit 2 (got $(<"$tmp/ref.rc"))"

echo "passes-equal: $pass passed, $fail failed"
((fail == 0))
