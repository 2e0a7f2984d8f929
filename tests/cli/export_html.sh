#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vsockdiag export -f html on every real lab recording (examples/lab/*): the page is
# well-formed and self-contained, lists every finding of correlate --json in correlate's
# words, draws a send->receive line per delivered packet, escapes hostile --names, stays
# under its cap on a long simulated recording, and renders in headless Chromium (no error
# about the page, a drawn timeline). Checks in tests/cli/export_html_check.py.
#   VSOCKDIAG (default build/vsockdiag), VDSIM (default build/tests/vdsim),
#   CHROMIUM (default chromium; scripts/install-deps.sh --test installs it)
#   EXPORT_HTML_SHOT=FILE  keep the stall example's screenshot there (doc/export-html.png)
set -u
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VDSIM=${VDSIM:-build/tests/vdsim}
CHROMIUM=${CHROMIUM:-chromium}
CHECK="python3 tests/cli/export_html_check.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# run CMD: its "ok"/"FAIL" lines count; a crash or a missing count is a failure
tally() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	grep '^FAIL' <<<"$out"
	pass=$((pass + $(grep -c '^ok' <<<"$out")))
	fail=$((fail + $(grep -c '^FAIL' <<<"$out")))
	if ((rc != 0)) && ! grep -q '^FAIL' <<<"$out"; then
		echo "FAIL $*: exit $rc"; echo "$out" | tail -5 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# export_one NAME A B [EXTRA...]: page, correlate --json and -v beside it; checks the page
export_one() {
	local name=$1 a=$2 b=$3
	shift 3
	if "$VSOCKDIAG" export -q -o "$tmp/$name.html" "$@" "$a" "$b" 2>"$tmp/$name.err"; then
		ok
	else
		bad "$name: export failed: $(head -3 "$tmp/$name.err")"; return 1
	fi
	"$VSOCKDIAG" correlate --json "$@" "$a" "$b" >"$tmp/$name.json" 2>/dev/null
	"$VSOCKDIAG" correlate -v "$@" "$a" "$b" >"$tmp/$name.txt" 2>/dev/null
	[[ -s $tmp/$name.json && -s $tmp/$name.txt ]] || { bad "$name: correlate gave nothing"; return 1; }
}

# shoot NAME: a 1400x1000 screenshot of NAME.html, Chromium's output in NAME.chromium
shoot() {
	local name=$1 prof rc
	prof=$(mktemp -d)
	# --enable-logging=stderr --v=0: console messages (CSP refusals, script errors) on stderr
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --enable-logging=stderr --v=0 --user-data-dir="$prof" \
		--screenshot="$tmp/$name.png" --window-size=1400,1000 "file://$tmp/$name.html" \
		>"$tmp/$name.chromium" 2>&1
	rc=$?
	rm -rf "$prof"
	return $rc
}

# render NAME: shoot, then Chromium's output checked and the PNG decoded
render() {
	local name=$1 t0 t1 rc
	t0=$(date +%s%N)
	shoot "$name"
	rc=$?
	t1=$(date +%s%N)
	if ((rc != 0)) || [[ ! -s $tmp/$name.png ]]; then
		bad "$name: chromium exit $rc, no screenshot"; tail -3 "$tmp/$name.chromium"; return 1
	fi
	ok
	echo "  $name: rendered in $(((t1 - t0) / 1000000)) ms, $(stat -c %s "$tmp/$name.html") bytes of HTML"
	tally $CHECK stderr "$tmp/$name.chromium"
	tally $CHECK png "$tmp/$name.png" 1400 1000
}

[[ -x $VSOCKDIAG ]] || { echo "export-html: no $VSOCKDIAG (make all)"; exit 1; }

# every lab pair (trace.dat when it has them, its text dump otherwise)
for dir in examples/lab/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	if [[ -f $dir/host.dat && -f $dir/guest.dat ]]; then a=$dir/host.dat b=$dir/guest.dat
	elif [[ -f $dir/host.txt && -f $dir/guest.txt ]]; then a=$dir/host.txt b=$dir/guest.txt
	else continue; fi
	t0=$(date +%s%N)
	export_one "$name" "$a" "$b" || continue
	t1=$(date +%s%N)
	echo "  $name: exported in $(((t1 - t0) / 1000000)) ms (with two correlate runs), $(stat -c %s "$tmp/$name.html") bytes"
	tally $CHECK page "$tmp/$name.html" "$tmp/$name.json" "$tmp/$name.txt"
done

# one recording alone, and no common clock (--offset far off: B on its own axis)
"$VSOCKDIAG" export -q -o "$tmp/one.html" examples/lab/stall/host.dat && ok || bad "one recording: export failed"
"$VSOCKDIAG" correlate --json examples/lab/stall/host.dat >"$tmp/one.json" 2>/dev/null
"$VSOCKDIAG" correlate -v examples/lab/stall/host.dat >"$tmp/one.txt" 2>/dev/null
tally $CHECK page "$tmp/one.html" "$tmp/one.json" "$tmp/one.txt"

# hostile labels: markup, quotes, an ampersand, a control character
hostile='<script>alert(1)</script>"&'"'"
if export_one hostile examples/lab/stall/host.dat examples/lab/stall/guest.dat \
	--names "$hostile,<img src=x onerror=alert(2)>"; then
	tally $CHECK page "$tmp/hostile.html" "$tmp/hostile.json" "$tmp/hostile.txt" --hostile "$hostile"
	if grep -q '<img' "$tmp/hostile.html"; then bad "hostile: <img> came out raw"; else ok; fi
fi

# the cap: a long simulated recording (137000 packets) is decimated, loss and stall kept
if [[ -x $VDSIM ]]; then
	"$VDSIM" --seed 7 --out "$tmp/sim" --duration 60 --conns 4 --rate 300 --loss 40 \
		--stall a_to_b@20:2 >/dev/null
	t0=$(date +%s%N)
	export_one big "$tmp/sim/a.txt" "$tmp/sim/b.txt"
	t1=$(date +%s%N)
	echo "  big (simulated, 53 MB of text): exported in $(((t1 - t0) / 1000000)) ms (with two correlate runs), $(stat -c %s "$tmp/big.html") bytes"
	tally $CHECK page "$tmp/big.html" "$tmp/big.json" "$tmp/big.txt"
	size=$(stat -c %s "$tmp/big.html")
	((size < 3000000)) && ok || bad "big: the page is $size bytes (bounded: under 3 MB)"
else
	bad "no $VDSIM (make $VDSIM): the cap is not tested"
fi

# Chromium renders them; the checks can fail: a page whose script the CSP refuses must be caught
if command -v "$CHROMIUM" >/dev/null; then
	for name in stall clean seed hostile big; do
		[[ -f $tmp/$name.html ]] && render "$name"
	done
	sed 's/script-src '"'"'sha256-[^'"'"']*'"'"'/script-src '"'"'sha256-AAAA'"'"'/' "$tmp/clean.html" >"$tmp/refused.html"
	shoot refused
	if $CHECK stderr "$tmp/refused.chromium" >/dev/null; then
		bad "a script the CSP refuses went unnoticed (the Chromium stderr check cannot fail)"
	else
		ok
	fi
	printf '<!DOCTYPE html>\n<html><body></body></html>\n' >"$tmp/blank.html"
	shoot blank
	if $CHECK png "$tmp/blank.png" 1400 1000 >/dev/null; then
		bad "a blank page passed the screenshot check (it cannot fail)"
	else
		ok
	fi
	if [[ -n ${EXPORT_HTML_SHOT:-} && -f $tmp/stall.png ]]; then cp "$tmp/stall.png" "$EXPORT_HTML_SHOT"; fi
else
	bad "no $CHROMIUM (scripts/install-deps.sh --test): the page was not rendered"
fi

echo "export-html: $pass passed, $fail failed"
((fail == 0))
