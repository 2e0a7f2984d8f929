#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Golden outputs: correlate and report on every shipped example, lab recording and
# reference fixture, compared byte for byte with the reviewed outputs under
# tests/golden/expected/ (the exit status is part of each file).
#   tests/golden/run.sh            compare; prints "golden: N passed, N failed"
#   tests/golden/run.sh --update   rewrite the expected outputs (review the diff!)
set -u
cd "$(dirname "$0")/../.."
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
. tests/golden/cases.sh
exp=tests/golden/expected
update=0
[[ ${1:-} == --update ]] && update=1
mkdir -p "$exp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
while IFS=$'\t' read -r name args; do
	# shellcheck disable=SC2086
	"$VSOCKDIAG" $args >"$tmp/out" 2>"$tmp/err"
	echo "exit $?" >>"$tmp/out"
	if ((update)); then
		cp "$tmp/out" "$exp/$name"
		pass=$((pass + 1))
	elif [[ ! -f $exp/$name ]]; then
		echo "FAIL $name: no expected output (run tests/golden/run.sh --update and review)"
		fail=$((fail + 1))
	elif ! diff -u "$exp/$name" "$tmp/out" >"$tmp/diff"; then
		echo "FAIL $name: output differs from $exp/$name:"
		head -30 "$tmp/diff" | sed 's/^/    /'
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done < <(golden_cases)
echo "golden: $pass passed, $fail failed"
((fail == 0))
