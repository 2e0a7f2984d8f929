#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: `vsockdiag report` on two ftrace-text recordings of the same size (same
# number of lines, every line the same length), one whose packets belong to CONNS
# distinct connections (CONNS distinct endpoints), one whose packets belong to 4.
# Prints both times (best of RUNS) and their ratio: the scan's endpoint set must not
# make the many-endpoint recording much slower.
# Not a test: it prints figures. Usage:
#   VSOCKDIAG=build/vsockdiag tests/bench/report_endpoints.sh [CONNS] [PKTS_PER_CONN] [RUNS]
set -euo pipefail
VSOCKDIAG=${VSOCKDIAG:-build/vsockdiag}
CONNS=${1:-60000}
PER=${2:-2}
RUNS=${3:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# CONNS * PER lines: pairs of alloc_pkt (local 3:port -> 2:1024) and recv_pkt (the
# answer, 2:1024 -> 3:port), one microsecond apart.  Packet i belongs to connection
# (i / PER) % NC: NC = CONNS gives CONNS endpoints, NC = 4 gives 4.  Ports are
# 100000 + connection, six digits either way, so both files have the same bytes per line.
gen() {
	awk -v nc="$1" -v conns="$CONNS" -v per="$PER" 'BEGIN {
		n = conns * per
		print "# tracer: nop"
		print "#"
		for (i = 0; i < n; i++) {
			port = 100000 + int(i / per) % nc
			us = 1000000000 + i
			ts = sprintf("%d.%06d", int(us / 1000000), us % 1000000)
			if (i % 2 == 0)
				printf "          socat-4242    [001] .... %s: virtio_transport_alloc_pkt: " \
				       "3:%d -> 2:1024 len=64 type=STREAM op=RW flags=0x0\n", ts, port
			else
				printf "    kworker/1:1-77      [001] .... %s: virtio_transport_recv_pkt: " \
				       "2:1024 -> 3:%d len=64 type=STREAM op=RW flags=0x0 " \
				       "buf_alloc=262144 fwd_cnt=0\n", ts, port
		}
	}'
}

gen "$CONNS" >"$dir/many.txt"
gen $((CONNS / 2)) >"$dir/half.txt"
gen 4 >"$dir/few.txt"
sa=$(wc -c <"$dir/many.txt")
sb=$(wc -c <"$dir/few.txt")
echo "recordings: $((CONNS * PER)) lines each; many.txt $sa bytes ($CONNS endpoints), few.txt $sb bytes (4 endpoints)"
[[ $sa -eq $sb ]] || echo "warning: the two recordings differ in size"

# best wall time of RUNS runs of `report` (output discarded), in seconds
best() {
	local f=$1 t0 t1 b=""
	for ((r = 0; r < RUNS; r++)); do
		t0=$(date +%s%N)
		"$VSOCKDIAG" report "$f" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		if [[ -z $b ]] || ((t1 - t0 < b)); then
			b=$((t1 - t0))
		fi
	done
	echo "$b"
}

tm=$(best "$dir/many.txt")
th=$(best "$dir/half.txt")
tf=$(best "$dir/few.txt")
# Since report lists every connection (and runs the detectors on each), many endpoints cost
# more than few; what must hold is that the cost per endpoint does not grow with their number:
# the extra time for N endpoints is about twice the extra time for N/2 (4x if quadratic).
awk -v m="$tm" -v h="$th" -v f="$tf" -v c="$CONNS" 'BEGIN {
	printf "vsockdiag report, %d endpoints: %8.3f s\n", c, m / 1e9
	printf "vsockdiag report, %d endpoints: %8.3f s\n", c / 2, h / 1e9
	printf "vsockdiag report, 4 endpoints:     %8.3f s\n", f / 1e9
	printf "ratio (many / few): %.2fx (it was 15x with the quadratic endpoint set)\n", m / f
	printf "growth of the extra cost, %d vs %d endpoints: %.2fx (linear: 2, quadratic: 4)\n",
	       c, c / 2, (m - f) / (h > f ? h - f : 1)
}'
