#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: diagnose the shipped examples. correlate exits 1 when it finds problems, which
# is what these examples are about: the demo succeeds when each diagnosis was printed
# (exit 0 or 1) and fails only when vsockdiag could not run (exit 2 or a crash).
#   scripts/demo.sh VSOCKDIAG EXAMPLE_DIR
set -u
vsockdiag=${1:?usage: demo.sh VSOCKDIAG EXAMPLE_DIR}
example=${2:?usage: demo.sh VSOCKDIAG EXAMPLE_DIR}
dead=examples/simulated/dead-link
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
echo "demo: done. Next: man doc/man/vsockdiag.1, or vsockdiag --help"
