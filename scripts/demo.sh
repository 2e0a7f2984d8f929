#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: diagnose the shipped examples. correlate exits 1 when it finds problems, which
# is what these examples are about: the demo succeeds when each diagnosis was printed
# (exit 0 or 1) and fails only when vsockdiag could not run (exit 2 or a crash).
#   scripts/demo.sh [VSOCKDIAG [EXAMPLE_DIR]]
# From the source tree, VSOCKDIAG defaults to build/vsockdiag and the examples are the tree's.
# make install installs it as vsockdiag-demo, with the line below set to the installed examples
# ($(DATADIR)/vsockdiag/examples) and VSOCKDIAG defaulting to the vsockdiag next to it.
# VSOCKDIAG_EXAMPLES=DIR takes the examples from DIR (lab/stall, simulated/dead-link).
set -u
installed_examples=
if [[ -n $installed_examples ]]; then
	examples=$installed_examples
	here=$(dirname -- "$0")
	vsockdiag_default=vsockdiag
	[[ -x $here/vsockdiag ]] && vsockdiag_default=$here/vsockdiag
	next="man vsockdiag, or vsockdiag --help"
else
	root=$(cd -- "$(dirname -- "$0")/.." && pwd)
	# relative paths in the report when run from the top of the tree (make demo)
	[[ $root == "$PWD" ]] && root=.
	examples=$root/examples
	vsockdiag_default=$root/build/vsockdiag
	[[ $root == . ]] && examples=examples vsockdiag_default=build/vsockdiag
	next="man -l doc/man/vsockdiag.1, or vsockdiag --help"
fi
examples=${VSOCKDIAG_EXAMPLES:-$examples}
vsockdiag=${1:-$vsockdiag_default}
example=${2:-$examples/lab/stall}
dead=$examples/simulated/dead-link
for f in "$example/host.txt" "$example/guest.txt" "$dead/linux.txt" "$dead/android.txt"; do
	[[ -r $f ]] || { echo "demo: $f is missing (VSOCKDIAG_EXAMPLES=DIR names the examples)" >&2; exit 2; }
done
if ! command -v -- "$vsockdiag" >/dev/null; then
	echo "demo: $vsockdiag is not there: build it with make (or give its path)" >&2
	exit 2
fi
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT

# what the diagnosis meant, from correlate's exit status; fails the demo on 2 or worse
said() {
	case $1 in
	0) echo "(exit 0: the recordings prove the link healthy)" ;;
	1) echo "(exit 1: problems found, as expected for this example)" ;;
	*)
		echo "demo: vsockdiag correlate failed (exit $1): see the error above" >&2
		exit "$1"
		;;
	esac
}

# on a terminal the report wraps to it and colours; through the pipe below it would not
opts=()
if [[ -t 1 ]]; then
	opts=(--color always --width "$(tput cols 2>/dev/null || echo 80)")
fi

echo "== vsockdiag correlate on $example (real recordings: see $example/README.md)"
"$vsockdiag" correlate "${opts[@]}" --names host,guest "$example/host.txt" "$example/guest.txt"
said $?
echo
echo "== and on $dead (simulated: the seed's failure), verdict and incidents"
"$vsockdiag" correlate "${opts[@]}" --names linux,android "$dead/linux.txt" \
	"$dead/android.txt" >"$tmp"
st=$?
sed '/^Findings/q' "$tmp" | sed '$d'
rm -f "$tmp"
said $st
echo "(the whole report: $vsockdiag correlate --names linux,android $dead/linux.txt" \
	"$dead/android.txt)"
echo
echo "demo: done. Next: $next"
