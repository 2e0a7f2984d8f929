#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copy a finished lab run's recordings into examples/lab/SCENARIO/ (host.txt, guest.txt:
# `trace-cmd report` of the host.dat/guest.dat recorded inside the VMs) with a README.md that
# says how they were recorded and what vsockdiag concludes from them.
# Usage: scripts/lab/save-example.sh SCENARIO...   (after scripts/lab/run.sh SCENARIO passed)
#        scripts/lab/save-example.sh --refresh SCENARIO...
#            keep the shipped recordings; rewrite only their README's "What vsockdiag says"
#            (today's vsockdiag on them, and tests/lab/check.py on the shipped copy, as
#            `make check`'s lab-replay runs it) after a change to what vsockdiag concludes
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LAB_REPO"
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
[[ -x $VSOCKDIAG ]] || lab_die "$VSOCKDIAG is not built: run make (or give VSOCKDIAG=...)"

# the README's "What vsockdiag says" on SCENARIO's shipped copy OUT (CHECK: check.py's output)
says() {
	local s=$1 out=$2 check=$3 report
	report=$("$VSOCKDIAG" correlate --names host,guest "$out/host.txt" "$out/guest.txt" 2>&1 || true)
	echo "## What vsockdiag says"
	echo
	echo '    vsockdiag correlate --names host,guest host.txt guest.txt'
	echo
	sed 's/^/    /' <<<"$report"
	echo
	echo "The lab's assertions on \`--json\` (tests/lab/check.py) for this recording (KNOWN-FAIL: a vsockdiag bug or gap listed in tests/lab/known-failures.txt):"
	echo
	grep -E '^(PASS|FAIL|KNOWN-FAIL|FIXED|XFAIL|XPASS) ' "$check" | grep -v '.dat and text' | sed 's/^/    /'
}

if [[ ${1:-} == --refresh ]]; then
	shift
	for s in "$@"; do
		out=examples/lab/$s
		[[ -s $out/README.md && -s $out/host.txt && -s $out/guest.txt ]] ||
			lab_die "no shipped example in $out"
		tmp=$(mktemp -d)
		cp "$out"/* "$tmp/"
		python3 tests/lab/check.py "$s" "$tmp" "$VSOCKDIAG" >"$tmp/check.out" 2>&1 ||
			lab_die "tests/lab/check.py fails on $out: see $tmp/check.out"
		{
			sed '/^## What vsockdiag says$/,$d' "$out/README.md"
			says "$s" "$out" "$tmp/check.out"
			echo
			echo "(\"What vsockdiag says\" refreshed on $(date -u +%Y-%m-%d) with that day's vsockdiag:"
			echo "\`scripts/lab/save-example.sh --refresh $s\`.)"
		} >"$tmp/README.new"
		# check.py names files by where it read them: the scratch copy
		sed "s#$tmp/##g" "$tmp/README.new" >"$out/README.md"
		rm -rf "$tmp"
		lab_log "refreshed $out/README.md"
	done
	exit 0
fi

for s in "$@"; do
	run=$LAB_DIR/runs/$s
	[[ -s $run/host.txt && -s $run/guest.txt && -s $run/correlate.json ]] || lab_die "no finished run in $run"
	. "$run/lab.env"
	out=examples/lab/$s
	mkdir -p "$out"
	cp "$run/host.txt" "$run/guest.txt" "$out/"
	# what the scenario measured besides, for tests/lab/check.py on the shipped copy: the fault
	# module's counters (vdfault.*), the workload's own output (*.load), the scenario logs,
	# what vsockdiag top printed live in the partitions (*.top.json, *.top.rc, overhead-top.txt)
	for f in "$run"/vdfault.* "$run"/*.load "$run"/host.log "$run"/guest.log "$run"/*.top.json \
		"$run"/*.top.rc "$run"/overhead-top.txt; do
		[[ -f $f ]] && cp "$f" "$out/"
	done
	# the recordings themselves, with only the kallsyms their events need (4.5 MB -> ~150 KB);
	# trim-dat.py checks that trace-cmd report and vsockdiag report read them unchanged
	for f in host guest; do
		[[ -f $run/$f.dat ]] || continue
		python3 scripts/trim-dat.py --force --vsockdiag "$VSOCKDIAG" "$run/$f.dat" "$out/$f.dat" ||
			lab_die "trim-dat.py could not shrink $run/$f.dat"
	done
	for f in host guest; do
		sz=$(stat -c %s "$out/$f.txt")
		((sz < 1048576)) || lab_log "warning: $out/$f.txt is $((sz >> 10)) KiB"
	done
	host_rec=$(grep -m1 '^recorded' "$run/host.record.log" || true)
	guest_rec=$(grep -m1 '^recorded' "$run/guest.record.log" || true)
	events=$(grep -m1 '^events:' "$run/guest.record.log" | sed 's/^events: //' || true)
	{
		echo "# Real lab recording: $s"
		echo
		echo "Recorded by the project's QEMU lab (\`make lab SCENARIO=$s\`, doc/lab.md) on"
		echo "$(date -u +%Y-%m-%d): real kernels, nothing simulated."
		echo
		echo "- **host.txt**: the host partition (L1: QEMU TCG, \`-cpu max -m 2048 -smp 2\`, vhost_vsock, CID 2)."
		echo "- **guest.txt**: the guest partition (L2: QEMU with nested KVM inside L1, \`-m 512 -smp 1\`,"
		echo "  \`-device vhost-vsock-pci,guest-cid=3\`, virtio_vsock)."
		echo "- Kernel (both): Debian package \`$LAB_KPKG\`, unmodified: \`$(cat "$run/uname.host" 2>/dev/null || echo "$LAB_KVER")\`."
		echo "- Recorded on each partition with \`vsockdiag record --buffer-kb 4096 -o {host,guest}.dat\`"
		echo "  (guest: \`--irq 'virtio0-*'\`, the vsock device's interrupt lines), started before and stopped"
		echo "  (SIGINT) after the workload; events: $events; trace clock mono."
		echo "  host: $host_rec"
		echo "  guest: $guest_rec"
		echo "- Turned into text outside the VMs with \`trace-cmd report -i host.dat > host.txt\` (same for guest)."
		echo "- **host.dat**, **guest.dat**: the recordings themselves, their kallsyms cut to the symbols"
		echo "  the events name (\`scripts/trim-dat.py\`, which checks that \`trace-cmd report\` prints the"
		echo "  same text and \`vsockdiag report --json\` says the same as on the full files)."
		echo "  The two clocks are unrelated (each VM's boot): vsockdiag aligns them from the packets."
		echo
		echo "## What was done"
		echo
		sed -n '2,/^$/p' "tests/lab/$s.sh" | sed 's/^# \{0,1\}//'
		echo "The exact commands are in \`tests/lab/$s.sh\` (host_main runs in L1, guest_main in L2;"
		echo "the workload is \`tests/lab/vsockload.c\` unless the script says otherwise)."
		echo
		says "$s" "$out" "$run/check.log"
	} >"$out/README.md"
	lab_log "saved $out ($(du -sh "$out" | cut -f1))"
done
