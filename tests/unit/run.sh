#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the unit tests (run.sh UNIT-TESTS [NAME...]). As root, their trace.dat recordings
# need tracefs at /sys/kernel/tracing: a fresh machine has none mounted, so mount it for
# the run and undo it (and the debugfs mount trace-cmd adds) at exit, as the root suites do.
# Without root the recordings skip themselves (under CI that is a failure).
set -u

source "$(dirname "$0")/../root_env.sh"

[[ $# -ge 1 ]] || { echo "usage: run.sh UNIT-TESTS [NAME...]" >&2; exit 2; }
if [[ $(id -u) -eq 0 ]]; then
	trap tracefs_release EXIT
	tracefs_ensure unit
fi
"$@"
