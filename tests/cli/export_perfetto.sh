#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vsockdiag export -f perfetto on the real lab recordings (examples/lab/, .dat and text) and a
# simulated pair: each file is checked against correlate --json of the same run by
# tests/cli/export_perfetto.py (valid JSON, one flow per delivered packet, from one partition
# to the other, bound the way Perfetto binds them, a slice per packet and per finding, names
# for every track, the clock in the metadata); then one recording alone, an unaligned pair,
# hostile labels and comm names, standard output, and a failed run that must leave nothing.
# Prints "export-perfetto: N passed, M failed". Uses $VSOCKDIAG (default build/vsockdiag).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
CHECK="python3 tests/cli/export_perfetto.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# export_check NAME MODE A [B] [-- OPTIONS]: export, correlate, compare
export_check() {
	local name=$1 mode=$2
	shift 2
	local args=("$@") out rc
	"$VSOCKDIAG" export -q -o "$tmp/t.json" "${args[@]}" 2>"$tmp/err"
	rc=$?
	if ((rc != 0)); then
		bad "$name: export exit $rc: $(head -2 "$tmp/err")"
		return
	fi
	"$VSOCKDIAG" correlate --json "${args[@]}" >"$tmp/c.json" 2>/dev/null
	if [[ $mode == single ]]; then mode=--expect-single; elif [[ $mode == unaligned ]]; then
		mode=--expect-unaligned; else mode=; fi
	out=$($CHECK check "$tmp/t.json" "$tmp/c.json" $mode 2>&1)
	if (($? == 0)); then
		ok
	else
		bad "$name:"
		grep -v '^checks:' <<<"$out" | head -6 | sed 's/^/    /'
	fi
}

# every lab pair, each form it ships in, and one simulated pair
for dir in examples/lab/*/; do
	s=$(basename "$dir")
	for ext in dat txt; do
		[[ -f $dir/host.$ext && -f $dir/guest.$ext ]] || continue
		export_check "lab $s ($ext)" normal --names host,guest "$dir/host.$ext" "$dir/guest.$ext"
	done
done
export_check "simulated dead-link" normal --names linux,android \
	examples/simulated/dead-link/linux.txt examples/simulated/dead-link/android.txt

# one recording: its own clock, no pairing, says so
export_check "one recording" single examples/lab/stall/host.dat
# two recordings of different runs: nothing pairs them, B keeps its own clock
export_check "unaligned pair" unaligned examples/lab/stall/host.txt examples/lab/clean/guest.txt
export_check "unaligned pair (seed fixtures)" unaligned tests/fixtures/text/seed_linux.txt \
	tests/fixtures/text/seed_android.txt

# hostile labels: quotes, backslashes, control characters, a byte that is not UTF-8
la=$'ho"st\\ \x01\t\nA'
lb=$'gu\x7fest\xff'
if "$VSOCKDIAG" export -q -o "$tmp/h.json" --names "$la,$lb" examples/lab/clean/host.txt \
	examples/lab/clean/guest.txt 2>/dev/null && out=$($CHECK names "$tmp/h.json" "$la" \
	"$(printf '%s' "$lb" | python3 -c 'import sys; print(sys.stdin.buffer.read().decode("utf-8", "replace"), end="")')" 2>&1); then
	ok
else
	bad "hostile labels: $out"
fi
# hostile comm names in a recording (the receiving task's name is a slice argument)
sed $'s/kworker\\/0:1-17 /k"w\\\\x\x01\xc3\xa9\xff-17 /' examples/lab/clean/guest.txt >"$tmp/hostile.txt"
if grep -q 'k"w' "$tmp/hostile.txt"; then
	export_check "hostile comm" normal examples/lab/clean/host.txt "$tmp/hostile.txt"
	if python3 -c '
import json, sys
ev = json.load(open(sys.argv[1], encoding="utf-8"))["traceEvents"]
sys.exit(0 if any(e.get("args", {}).get("comm") == "k\"w\\x\x01\u00e9\ufffd" for e in ev) else 1)' \
		"$tmp/t.json"; then ok; else bad "hostile comm: not in the slices as recorded"; fi
else
	bad "hostile comm: the fixture was not made"
fi

# -o - writes the same trace on standard output; -f picks the format whatever the name
"$VSOCKDIAG" export -q -o "$tmp/file.json" examples/lab/refused/host.txt examples/lab/refused/guest.txt
"$VSOCKDIAG" export -q -f perfetto -o - examples/lab/refused/host.txt \
	examples/lab/refused/guest.txt >"$tmp/stdout.json"
if [[ -s $tmp/stdout.json ]] && cmp -s "$tmp/file.json" "$tmp/stdout.json"; then ok; else
	bad "-o - does not write the trace on standard output"; fi
"$VSOCKDIAG" export -q -f perfetto -o "$tmp/x.trace" examples/lab/refused/host.txt \
	examples/lab/refused/guest.txt
if cmp -s "$tmp/file.json" "$tmp/x.trace"; then ok; else bad "-f perfetto with another name"; fi

# a failed run (an input missing) leaves neither the file nor a temporary one
mkdir "$tmp/out"
"$VSOCKDIAG" export -q -o "$tmp/out/t.json" examples/lab/clean/host.txt "$tmp/nope.txt" 2>/dev/null
rc=$?
if ((rc == 2)) && [[ -z $(ls -A "$tmp/out") ]]; then ok; else
	bad "missing input: exit $rc, left: $(ls -A "$tmp/out")"; fi
# ... and does not replace an existing file
echo keep >"$tmp/out/old.json"
"$VSOCKDIAG" export -q -o "$tmp/out/old.json" "$tmp/nope.txt" 2>/dev/null
if [[ $(cat "$tmp/out/old.json") == keep && $(ls -A "$tmp/out") == old.json ]]; then ok; else
	bad "a failed run replaced the existing file or left a temporary one"; fi

# the checker itself: a trace with a flow end missing and a slice overlapping fails it
"$VSOCKDIAG" export -q -o "$tmp/good.json" examples/lab/clean/host.txt examples/lab/clean/guest.txt
"$VSOCKDIAG" correlate --json examples/lab/clean/host.txt examples/lab/clean/guest.txt >"$tmp/c.json"
python3 - "$tmp/good.json" "$tmp/broken.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ev = doc["traceEvents"]
del ev[next(i for i, e in enumerate(ev) if e["ph"] == "f")]
xs = [e for e in ev if e["ph"] == "X"]
a, b = next((a, b) for a, b in zip(xs, xs[1:]) if (a["pid"], a["tid"]) == (b["pid"], b["tid"]))
a["dur"] = round(b["ts"] - a["ts"] + b["dur"] / 2, 3)  # ends inside the next slice
json.dump(doc, open(sys.argv[2], "w"))
EOF
out=$($CHECK check "$tmp/broken.json" "$tmp/c.json" 2>&1)
if (($? != 0)) && grep -q "exactly one end" <<<"$out" && grep -q "nest" <<<"$out"; then ok; else
	bad "the checker misses a broken trace: $out"; fi

# size and time against correlate --json on the largest lab pairs (information, not a check)
for pair in stall/host.dat:stall/guest.dat overhead/host.txt:overhead/guest.txt; do
	a=examples/lab/${pair%%:*} b=examples/lab/${pair##*:}
	t0=$(date +%s%N)
	"$VSOCKDIAG" correlate --json "$a" "$b" >"$tmp/big.corr"
	t1=$(date +%s%N)
	"$VSOCKDIAG" export -q -o "$tmp/big.json" "$a" "$b"
	t2=$(date +%s%N)
	echo "export-perfetto: $a $b: correlate --json $(((t1 - t0) / 1000000)) ms," \
		"$(stat -c %s "$tmp/big.corr") bytes; export $(((t2 - t1) / 1000000)) ms," \
		"$(stat -c %s "$tmp/big.json") bytes"
done

echo "export-perfetto: $pass passed, $fail failed"
((fail == 0))
