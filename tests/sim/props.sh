#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Property tests: vdsim writes two partitions' ftrace dumps with a known
# ground truth; `vsockdiag correlate --json` must recover exactly that truth
# (check_truth.py) and exit 0 iff nothing was injected.
#
#   VSOCKDIAG=build/vsockdiag VDSIM=build/tests/vdsim bash tests/sim/props.sh
#
# SIM_SEEDS=N        random scenarios after the named ones (default 60)
# SIM_SEED_BASE=N    first random seed (default 1); a failing seed reproduces alone
#                    with SIM_SEED_BASE=<seed> SIM_SEEDS=1 SIM_ONLY=random
# SIM_ONLY=named|random   run only one of the two groups
# SIM_VERIFY=1       also check vdsim's own dumps against its truth (slow, Python)
# SIM_KEEP=1         keep the scenario directories of passing runs too
# SIM_WORKDIR=DIR    where scenario directories go (default: a fresh mktemp -d)
set -u

VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
VDSIM=${VDSIM:-build/tests/vdsim}
SIM_SEEDS=${SIM_SEEDS:-60}
SIM_SEED_BASE=${SIM_SEED_BASE:-1}
SIM_ONLY=${SIM_ONLY:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK="$HERE/check_truth.py"

for bin in "$VSOCKDIAG" "$VDSIM"; do
	if [ ! -x "$bin" ]; then
		echo "props: $bin is missing: run make first (or set VSOCKDIAG / VDSIM)" >&2
		echo "props: 0 passed, 1 failed"
		exit 1
	fi
done
if ! command -v python3 >/dev/null; then
	echo "props: python3 is needed for tests/sim/check_truth.py" >&2
	echo "props: 0 passed, 1 failed"
	exit 1
fi

WORK=${SIM_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/vdsim-props.XXXXXX")}
mkdir -p "$WORK"
pass=0
fail=0
failed_names=()
# Scenarios correlate is known to get wrong today, one name per line with the reason
# (tests/sim/known-failures.txt). They still run: a failure there is counted as an
# expected failure, a pass is reported as XPASS so the entry gets removed.
KNOWN=$(dirname "$0")/known-failures.txt
xfail=0
xpass=0
is_known() { grep -qE "^$1( |$)" "$KNOWN" 2>/dev/null; }

# run_case NAME VDSIM-ARGS...
run_case()
{
	local name=$1 dir="$WORK/$1" rc why=""
	shift

	rm -rf "$dir"
	mkdir -p "$dir"
	if ! "$VDSIM" --out "$dir" "$@" >"$dir/vdsim.log" 2>&1; then
		why="vdsim failed"
	else
		"$VSOCKDIAG" correlate "$dir/a.txt" "$dir/b.txt" --json >"$dir/report.json" \
			2>"$dir/correlate.err"
		rc=$?
		if [ "$rc" -gt 1 ]; then
			why="correlate exited $rc (crash or usage error)"
		elif ! python3 "$CHECK" "$dir/truth.json" "$dir/report.json" --exit-status "$rc" \
			>"$dir/check.txt" 2>&1; then
			why="report differs from truth"
		elif [ "${SIM_VERIFY:-0}" = 1 ] &&
			! python3 "$CHECK" --verify-dumps "$dir" >"$dir/verify.txt" 2>&1; then
			why="vdsim's dumps disagree with its own truth"
		fi
	fi
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		if is_known "$name"; then
			xpass=$((xpass + 1))
			echo "XPASS $name: now passes, remove it from $KNOWN"
		fi
		[ "${SIM_KEEP:-0}" = 1 ] || rm -rf "$dir"
		return 0
	fi
	if is_known "$name"; then
		xfail=$((xfail + 1))
		echo "XFAIL $name: $why (known: $(grep -E "^$name( |$)" "$KNOWN" | cut -d' ' -f2-))"
		[ "${SIM_KEEP:-0}" = 1 ] || rm -rf "$dir"
		return 0
	fi
	fail=$((fail + 1))
	failed_names+=("$name")
	echo "FAIL $name: $why"
	for f in vdsim.log correlate.err check.txt verify.txt; do
		[ -s "$dir/$f" ] || continue
		grep -v '^clock: \|^info: \|^note: ' "$dir/$f" | head -n 15 | sed "s|^|    $f: |"
	done
	echo "  reproduce:"
	echo "    $VDSIM --out $dir $*"
	echo "    $VSOCKDIAG correlate $dir/a.txt $dir/b.txt --json > $dir/report.json; echo \$?"
	echo "    python3 $CHECK $dir/truth.json $dir/report.json"
	echo "    python3 $CHECK --verify-dumps $dir"
	return 1
}

if [ "$SIM_ONLY" != random ]; then
	run_case clean --seed 1
	run_case clean-long-with-drift --seed 2 --duration 90 --drift-ppm 37.5 --conns 3
	run_case loss --seed 3 --loss 5
	# the seed's case: Android (B) sends, Linux (A) never receives
	run_case dead-link-seed --seed 4 --dead-link b_to_a@12
	run_case dead-link-a_to_b --seed 5 --dead-link a_to_b@10 --conns 3
	run_case stall-a_to_b --seed 6 --stall a_to_b@8:2
	run_case stall-b_to_a --seed 7 --stall b_to_a@9:1.5
	run_case refused --seed 8 --refused 2
	run_case unanswered --seed 9 --unanswered 1
	run_case no-read-a2b --seed 12 --rate 1000 --no-read a_to_b@6:5
	run_case no-read-b2a --seed 13 --rate 1000 --no-read b_to_a@8:4
	run_case silent-a2b --seed 16 --rate 1000 --silent a_to_b@6:5
	run_case refused-storm --seed 21 --refused 12 --duration 30
	run_case half-close --seed 22 --conns 3 --half-close
	run_case alloc-fail --seed 14 --alloc-fail b@8:6
	run_case seed-story --seed 15 --alloc-fail b@11.5:6 --dead-link b_to_a@12
	run_case midstream --seed 10 --midstream
	run_case midstream-loss --seed 11 --midstream --loss 3
	run_case split-4052 --seed 12 --split 4052 --loss 2
	run_case format-cat --seed 13 --format cat --noise
	run_case format-pipe --seed 14 --format pipe
	run_case format-tgid --seed 15 --format tgid --noise
	run_case format-report --seed 16 --format report --stall a_to_b@7:1
	run_case format-noirqinfo --seed 17 --format noirqinfo --loss 2
	run_case format-mixed --seed 18 --format report --format-b tgid --noise
	# the lab's overhead scenario: one connection carrying thousands of identical 64 KiB
	# chunks back to back, received by a batching vhost worker, CREDIT_UPDATEs answering
	# them; nothing lost, and the clock must be fitted from the pairs (truth clock_fitted)
	run_case bulk-identical --seed 31 --bulk b_to_a --conns 1
	# the same with the nested guest's clock stepping 1.5 ms ahead for a moment
	run_case bulk-identical-clock-step --seed 34 --bulk b_to_a --conns 1 --clock-jump 7:1500
	# real losses among the identical chunks are still found, each one by its send time
	run_case bulk-identical-loss --seed 36 --bulk b_to_a --conns 2 --loss 4
	# host -> guest: the chunks arrive split over the guest's RX buffers
	run_case bulk-split-a2b --seed 38 --bulk a_to_b --conns 1
fi

if [ "$SIM_ONLY" != named ]; then
	for ((i = 0; i < SIM_SEEDS; i++)); do
		seed=$((SIM_SEED_BASE + i))
		run_case "random-$seed" --seed "$seed" --random
	done
fi

if [ "$fail" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
	echo "kept in $WORK"
elif [ -z "${SIM_WORKDIR:-}" ] && [ "${SIM_KEEP:-0}" != 1 ]; then
	rmdir "$WORK" 2>/dev/null
fi
[ "$xfail" -eq 0 ] || echo "props: $xfail known failures still fail (listed in $KNOWN)"
echo "props: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
