#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Differential check of the text parser: two vsockdiag binaries (VSOCKDIAG, the
# one under test, and BASE, one built before a parser change) must print the
# same bytes on stdout and stderr, and exit the same, for report and correlate
# (JSON, text with -v, text with -v -v for the debug lines) on every text
# fixture, example, fuzz corpus file, and simulated pairs in every format vdsim
# writes.  A parser rework that changes one event, statistic or warning fails.
#   VSOCKDIAG=build/vsockdiag BASE=/tmp/vsockdiag-base VDSIM=build/tests/vdsim \
#       bash tests/cli/parse_equal.sh [--big]
# --big adds 300000-line pairs (slower; what the instruction counts use).
set -u
cd "$(dirname "$0")/../.."
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
BASE=${BASE:?BASE: the vsockdiag binary to compare with}
VDSIM=${VDSIM:-build/tests/vdsim}
big=0
[[ ${1:-} == --big ]] && big=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=0 fail=0 files=0 pairs=0

# one command line on both binaries: stdout, stderr and the exit status
same() {
	local tag=$1
	shift
	"$BASE" "$@" >"$tmp/b.out" 2>"$tmp/b.err"
	echo "exit $?" >>"$tmp/b.out"
	"$VSOCKDIAG" "$@" >"$tmp/n.out" 2>"$tmp/n.err"
	echo "exit $?" >>"$tmp/n.out"
	# the debug lines that time each pass ("debug: aligning clocks (round 1): 0.012 s") differ run to run
	sed -i -E '/debug: .*: [0-9]+\.[0-9]{3} s$/d' "$tmp/b.err" "$tmp/n.err"
	runs=$((runs + 1))
	if ! cmp -s "$tmp/b.out" "$tmp/n.out" || ! cmp -s "$tmp/b.err" "$tmp/n.err"; then
		fail=$((fail + 1))
		echo "DIFF $tag: $*"
		diff -u "$tmp/b.out" "$tmp/n.out" | head -20 | sed 's/^/    /'
		diff -u "$tmp/b.err" "$tmp/n.err" | head -20 | sed 's/^/    /'
	fi
}

one_file() {
	files=$((files + 1))
	same report-json report --json "$1"
	same report-v report -v "$1"
	VSOCKDIAG_DEBUG=1 same correlate-vv correlate -v -v "$1"
	same correlate-json correlate --json "$1"
}

one_pair() {
	pairs=$((pairs + 1))
	same pair-json correlate --json "$1" "$2"
	same pair-v correlate -v "$1" "$2"
}

while IFS= read -r f; do
	one_file "$f"
done < <(find tests/fixtures/text examples tests/fuzz/corpus -type f -name '*.txt' | sort)

# the recorded pairs: fixtures *_host/*_guest, lab host/guest, simulated linux/android
while IFS= read -r h; do
	g=${h/_host.txt/_guest.txt}
	[[ -f $g ]] && one_pair "$h" "$g"
done < <(find tests/fixtures/text -name '*_host.txt' | sort)
while IFS= read -r h; do
	d=$(dirname "$h")
	[[ -f $d/guest.txt ]] && one_pair "$h" "$d/guest.txt"
done < <(find examples -name host.txt | sort)
while IFS= read -r l; do
	d=$(dirname "$l")
	[[ -f $d/android.txt ]] && one_pair "$l" "$d/android.txt"
done < <(find examples -name linux.txt | sort)

# simulated pairs: every format, noise lines, failures of every kind
sim() {
	local name=$1
	shift
	"$VDSIM" --out "$tmp/$name" "$@" >/dev/null 2>&1 || {
		echo "vdsim failed: $*"
		fail=$((fail + 1))
		return
	}
	one_pair "$tmp/$name/a.txt" "$tmp/$name/b.txt"
	one_file "$tmp/$name/a.txt"
	rm -rf "${tmp:?}/$name"
}
sim s42 --seed 42 --events 60000 --conns 8 --rate 2000 --loss 20 --stall a_to_b@4:2
for f in cat pipe tgid report noirqinfo; do
	sim "f-$f" --seed 7 --events 20000 --conns 3 --format $f --noise --alloc-fail a@2:3 \
		--refused 2 --unanswered 1
done
sim mixed --seed 9 --events 20000 --format report --format-b tgid --noise --midstream
sim rnd1 --seed 11 --random --events 20000
sim rnd2 --seed 12 --random --events 20000 --noise
sim bulk --seed 13 --bulk a_to_b --events 20000 --half-close --conns 3
sim jump --seed 14 --clock-jump 3:400 --silent b_to_a@3:2 --events 20000
if ((big)); then
	sim big42 --seed 42 --events 300000 --conns 8 --rate 2000 --loss 20 --stall a_to_b@4:2
	sim big5 --seed 5 --events 300000 --conns 4 --format report --noise --alloc-fail b@3:4
fi

echo "parse_equal: $files files, $pairs pairs, $runs runs, $fail differ"
((fail == 0))
