#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Counts the suites of `make check`: a suite that skipped or did not run is not a pass.
#
#   suites.sh start LOG                 a fresh LOG
#   suites.sh run LOG NAME CMD [ARGS]   run CMD (leading VAR=value words are its environment),
#                                       its output as usual; append to LOG one line:
#                                       NAME <tab> exit status <tab> passed <tab> failed <tab>
#                                       seconds <tab> skips
#                                       ("N passed, N failed" and "SKIP ..."/"skipped"/"(skipping:"
#                                       lines of its output); exit with CMD's status
#                                       SUITES_BUFFER set: its output printed whole when it
#                                       ends, under a lock (suites running side by side)
#   suites.sh end LOG MAKEFILE          the suites expected are the `$(SUITE) NAME` lines of
#                                       MAKEFILE's check-lane-* recipes; each must be in LOG, exit 0,
#                                       with no skip and (when it counts) something passed.
#                                       Prints "suites: N of N ran and passed (M checks)" or
#                                       names each one that did not; under CI (CI set) that fails,
#                                       outside CI it is printed prominently and check goes on.
set -u

cmd=${1:-}
log=${2:-}
[[ -n $cmd && -n $log ]] || { echo "usage: suites.sh start|run|end LOG ..." >&2; exit 2; }

case $cmd in
start)
	mkdir -p "$(dirname "$log")"
	: >"$log"
	;;
run)
	name=$3
	shift 3
	out=$(mktemp)
	t0=$EPOCHREALTIME
	if [[ -n ${SUITES_BUFFER:-} ]]; then
		# its output whole when it ends (two lanes run side by side), one lane at a time
		env -- "$@" >"$out" 2>&1
		rc=$?
	else
		echo "== suite $name"
		env -- "$@" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	fi
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
	if [[ -n ${SUITES_BUFFER:-} ]]; then
		{
			flock 9
			echo "== suite $name"
			cat "$out"
			echo "== suite $name: exit $rc, ${secs} s"
		} 9>>"$log.lock"
	else
		echo "== suite $name: exit $rc, ${secs} s"
	fi
	counts=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	passed=${counts%% passed*}
	failed=${counts##*, }
	failed=${failed%% failed}
	# "SKIP SUITE: why" (tests/root_env.sh), "SUITE: skipped (why)", the unit tests' "(skipping: why)"
	# (anchored: warnings such as "FILE:13: vsockdiag-bpf rxfill: malformed: skipped" are not skips)
	skips=$(grep -E '^SKIP |^[a-z0-9-]+: skipped \(|^ *\(skipping: ' "$out" | sed 's/^ *//' | tr '\n' '|' | sed 's/|$//')
	rm -f "$out"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "${passed:--}" "${failed:--}" "$secs" "$skips" >>"$log"
	exit "$rc"
	;;
end)
	makefile=$3
	# the names after $(SUITE) in the recipes of the check lanes (check-lane-*)
	expected=$(awk '!/^\t/ { in_r = /^check-lane-[a-z0-9]+:/; next }
		in_r && /^\t\$\(SUITE\) / { print $2 }' "$makefile")
	[[ -n $expected ]] || { echo "suites: no \$(SUITE) line in $makefile's check-lane-* recipes"; exit 1; }
	total=0 good=0 checks=0
	problems=()
	for name in $expected; do
		total=$((total + 1))
		line=$(awk -F'\t' -v n="$name" '$1 == n' "$log" | tail -1)
		if [[ -z $line ]]; then
			problems+=("$name: did not run")
			continue
		fi
		IFS=$'\t' read -r _ rc passed failed _ skips <<<"$line"
		if [[ $rc != 0 ]]; then
			problems+=("$name: failed (exit $rc)")
		elif [[ -n $skips ]]; then
			problems+=("$name: skipped: ${skips//|/; }")
		elif [[ $passed == 0 && $failed == 0 ]]; then
			problems+=("$name: ran no check (0 passed, 0 failed)")
		else
			good=$((good + 1))
			[[ $passed == - ]] || checks=$((checks + passed))
		fi
	done
	if ((${#problems[@]} == 0)); then
		echo "suites: $good of $total ran and passed ($checks checks)"
		exit 0
	fi
	echo "=================================================================="
	echo "suites: $good of $total ran and passed; these did not:"
	for p in "${problems[@]}"; do echo "suites:   $p"; done
	if [[ -n ${CI:-} ]]; then
		echo "suites: FAIL: under CI every suite must run"
		echo "=================================================================="
		exit 1
	fi
	echo "suites: not a full check (under CI this fails)"
	echo "=================================================================="
	;;
*)
	echo "usage: suites.sh start|run|end LOG ..." >&2
	exit 2
	;;
esac
