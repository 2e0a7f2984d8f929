#!/usr/bin/env bash
# The lab's assertions replayed on the real recordings shipped under examples/lab/ (no VM
# needed): every fix to the analyzers is checked against what real 6.1 kernels recorded.
# Prints "lab-replay: N passed, N failed". Uses $VSOCKDIAG (default build/vsockdiag).
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for dir in examples/lab/*/; do
	s=$(basename "$dir")
	[[ -f $dir/host.txt && -f $dir/guest.txt ]] || continue
	mkdir -p "$tmp/$s"
	# host.txt, guest.txt, what the scenario measured besides (overhead.txt) and the
	# recordings themselves where they are shipped (check.py then compares .dat and text)
	cp "$dir"/*.txt "$tmp/$s/"
	for f in "$dir"/*.dat "$dir"/vdfault.* "$dir"/*.load "$dir"/host.log "$dir"/guest.log \
		"$dir"/*.top.json "$dir"/*.top.rc; do
		[[ -f $f ]] && cp "$f" "$tmp/$s/"
	done
	out=$(python3 tests/lab/check.py "$s" "$tmp/$s" "$VSOCKDIAG" 2>&1)
	rc=$?
	if ((rc == 0)); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL lab recording $s:"
		grep -vE '^(ok|PASS)' <<<"$out" | head -8 | sed 's/^/    /'
	fi
done
echo "lab-replay: $pass passed, $fail failed"
((fail == 0))
